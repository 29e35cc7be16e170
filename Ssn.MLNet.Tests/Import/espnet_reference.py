"""Runs the ESPNet authors' own PyTorch network (their train/Model.py, from ../shared/pretrained/espnet) on an input
written by Ssn.MLNet and prints how far its output is from Ssn.MLNet's, as JSON. Used by PyTorchImportTests with
Debian's python3-torch. Usage: espnet_reference.py <espnet dir> <weights.pth> <io.pth> <Reinforced|Convolution>
io.pth holds 'x' (the normalised input) and 'y' (Ssn.MLNet's logits).
The Convolution variant is the authors' test/Model.py decoder (the one their Cityscapes weights were trained with): its
last 3x3 convolution sees level 1's convolution output (16 channels) where train/Model.py gives it the input-reinforced
level 1 (19 channels). Rather than restate their network, the loaded train/Model.py module gets that one input swapped."""
import json, sys
import torch

espnet, weights, io_file, variant = sys.argv[1:5]
sys.path.insert(0, espnet + '/train')
import Model  # the authors' file, unmodified

state = torch.load(weights, map_location='cpu')
classes = state['classifier.weight'].shape[0]
net = Model.ESPNet(classes, p=2, q=8)
if variant == 'Convolution':
    net.conv = Model.CBR(16 + classes, classes, 3, 1)
net.load_state_dict(state, strict=True)
if variant == 'Convolution':
    class Level1Convolution(torch.nn.Module):
        """Feeds the wrapped CBR the decoder features plus level 1's convolution output instead of the 19-channel concat."""
        def __init__(self, cbr, level1):
            super().__init__()
            self.cbr, self.seen = cbr, {}
            level1.register_forward_hook(lambda m, i, o: self.seen.__setitem__('out', o))
        def forward(self, x):
            return self.cbr(torch.cat([x[:, :classes], self.seen['out']], 1))
    net.conv = Level1Convolution(net.conv, net.encoder.level1)
net.eval()
io = torch.load(io_file, map_location='cpu')
with torch.no_grad():
    y = net(io['x'])
print(json.dumps({'max_abs_diff': float((y - io['y']).abs().max()), 'argmax_equal': float((y.argmax(1) == io['y'].argmax(1)).float().mean()),
                  'tensors': len(state), 'torch': torch.__version__}))
