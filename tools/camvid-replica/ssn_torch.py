"""PyTorch replica of Ssn.MLNet's Spatial Sampling Network, semantic path (paper §3.1 and §5).

Mirrors Ssn.MLNet/Modeling: SsnEncoder.cs, DownsamplerBlock.cs, LightweightNonBottleneck1D.cs,
ImprovedGuidedUpsampling.cs, SamplingGrid.cs, SegmentationModel.cs, SsnNetworkOptions.cs (defaults = the paper
network). Works with torch 1.13 and 2.x. Parameter and buffer names equal the C# network's state_dict names, so weights
move between the two as safetensors (NetworkWeights.SaveSafetensors / LoadSafetensors; tools/pytorch-crosscheck).

    python3 tools/camvid-replica/ssn_torch.py      # prints the parameter counts
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

OUTPUT_STRIDE = 8
ALIGN_CORNERS = False  # SamplingGrid.AlignCorners: everywhere in Ssn.MLNet


class PReLU(nn.PReLU):
    """nn.PReLU (per-channel, init 0.25) whose weight follows the input dtype (needed under bf16 autocast)."""

    def forward(self, x):
        return F.prelu(x, self.weight.to(x.dtype))


class DownsamplerBlock(nn.Module):
    """cat(conv3x3 s2 (out-in channels, bias), maxpool2x2(x)) -> BN(eps 1e-3) -> PReLU."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout - cin, 3, stride=2, padding=1, bias=True)
        self.pool = nn.MaxPool2d(2, stride=2)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)
        self.act = PReLU(cout)

    def forward(self, x):
        y = self.conv(x)
        p = self.pool(x)
        if p.dtype != y.dtype:  # bf16 autocast: conv is bf16, pool keeps the input's dtype
            p = p.to(y.dtype)
        return self.act(self.bn(torch.cat([y, p], 1)))


class LightweightNonBottleneck1D(nn.Module):
    """NonBottleneck1D.cs with LnbDesign.Lightweight (attribute names = its state_dict names):
    x -> first 1x1 -> PReLU -> 3x1(d) -> PReLU -> 1x3(d) -> BN -> PReLU -> second 1x1 -> BN -> Dropout2d -> (+x) -> PReLU.
    All convolutions without bias."""

    def __init__(self, channels, dropout, dilation):
        super().__init__()
        c, d = channels, dilation
        self.first = nn.Conv2d(c, c, 1, bias=False)
        self.conv3x1 = nn.Conv2d(c, c, (3, 1), padding=(d, 0), dilation=(d, 1), bias=False)
        self.conv1x3 = nn.Conv2d(c, c, (1, 3), padding=(0, d), dilation=(1, d), bias=False)
        self.second = nn.Conv2d(c, c, 1, bias=False)
        self.bn1x3 = nn.BatchNorm2d(c, eps=1e-3)
        self.bnSecond = nn.BatchNorm2d(c, eps=1e-3)
        self.act1, self.act2, self.act3, self.actOut = PReLU(c), PReLU(c), PReLU(c), PReLU(c)
        self.dropout = nn.Dropout2d(dropout)  # TorchSharp's Dropout2d(p) is also applied when p = 0 (identity)
        self.dilation = dilation

    def forward(self, x):
        y = self.act1(self.first(x))
        y = self.act2(self.conv3x1(y))
        y = self.bn1x3(self.conv1x3(y))
        y = self.bnSecond(self.second(self.act3(y)))
        y = self.dropout(y)
        return self.actOut(y + x)


class SsnEncoder(nn.Module):
    def __init__(self, in_ch=3, stem=16, middle=64, deep=128, middle_blocks=5, middle_dropout=0.03,
                 deep_dilations=(2, 4, 8, 16, 2, 4, 8, 16), deep_dropout=0.3):
        super().__init__()
        layers = [DownsamplerBlock(in_ch, stem), DownsamplerBlock(stem, middle)]
        layers += [LightweightNonBottleneck1D(middle, middle_dropout, 1) for _ in range(middle_blocks)]
        layers.append(DownsamplerBlock(middle, deep))
        layers += [LightweightNonBottleneck1D(deep, deep_dropout, d) for d in deep_dilations]
        self.layers = nn.Sequential(*layers)
        self.out_channels = deep

    def forward(self, x):
        return self.layers(x)


def regular_grid(height, width, device, dtype=torch.float32):
    """SamplingGrid.Regular: [1, H, W, 2] of (x, y) pixel centres, (2j + 1)/W - 1."""
    xs = (torch.arange(width, dtype=torch.float32) * 2 + 1) / width - 1
    ys = (torch.arange(height, dtype=torch.float32) * 2 + 1) / height - 1
    grid = torch.stack([xs.view(1, width).expand(height, width), ys.view(height, 1).expand(height, width)], -1)
    return grid.unsqueeze(0).to(device=device, dtype=dtype)


def igum_grid(guidance, full_h, full_w, height, width, offset_scale=1.0):
    """ImprovedGuidedUpsampling.Grid: regular grid of the (padded) full size + bilinearly upsampled offsets
    (align_corners False), offsets in units of offset_scale low-res pixels; then the top-left height x width part."""
    h, w = guidance.shape[2], guidance.shape[3]
    up = F.interpolate(guidance, size=(full_h, full_w), mode="bilinear", align_corners=ALIGN_CORNERS)
    unit = torch.tensor([2 * offset_scale / w, 2 * offset_scale / h], dtype=guidance.dtype, device=guidance.device)
    grid = regular_grid(full_h, full_w, guidance.device, guidance.dtype) + up.permute(0, 2, 3, 1) * unit
    if height != full_h or width != full_w:
        grid = grid[:, :height, :width]
    return grid


def igum_sample(x, grid):
    """ImprovedGuidedUpsampling.Sample: grid_sample bilinear, padding border, align_corners False."""
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=ALIGN_CORNERS)


class ImprovedGuidedUpsamplingDecoder(nn.Module):
    """ImprovedGuidedUpsamplingDecoder.cs: the 1x1 class head and the 1x1 iGUM guidance head (tanh, zero-initialised)."""

    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.classifier = nn.Conv2d(in_channels, num_classes, 1)
        self.guidanceHead = nn.Conv2d(in_channels, 2, 1)
        with torch.no_grad():
            self.guidanceHead.weight.zero_()
            self.guidanceHead.bias.zero_()


class SpatialSamplingNetwork(nn.Module):
    """SegmentationModel.cs built by SegmentationModels.Create() (the paper's network): encoder, iGUM decoder and the
    instance guidance head (zero-initialised; kept for parameter parity, never computed: semantic-only training skips
    it and its parameters get no gradient, as in the C# trainer). Attribute names = the C# state_dict names."""

    def __init__(self, num_classes=11, middle_dropout=0.03, deep_dropout=0.3, offset_scale=1.0, **encoder_kw):
        super().__init__()
        self.encoder = SsnEncoder(middle_dropout=middle_dropout, deep_dropout=deep_dropout, **encoder_kw)
        c = self.encoder.out_channels
        self.decoder = ImprovedGuidedUpsamplingDecoder(c, num_classes)
        self.instanceHead = nn.Conv2d(c, 2, 1)
        with torch.no_grad():
            self.instanceHead.weight.zero_()
            self.instanceHead.bias.zero_()
        self.offset_scale = offset_scale

    def heads(self, images):
        """Pads bottom/right with zeros to a multiple of 8; returns (logits, tanh guidance) at stride 8 and the sizes."""
        h, w = images.shape[2], images.shape[3]
        ph = (h + OUTPUT_STRIDE - 1) // OUTPUT_STRIDE * OUTPUT_STRIDE
        pw = (w + OUTPUT_STRIDE - 1) // OUTPUT_STRIDE * OUTPUT_STRIDE
        x = images if (ph == h and pw == w) else F.pad(images, (0, pw - w, 0, ph - h))
        f = self.encoder(x)
        return self.decoder.classifier(f), torch.tanh(self.decoder.guidanceHead(f)), (h, w, ph, pw)

    def upsample(self, logits, guidance, sizes):
        """iGUM: class logits at the input size (bilinear), in the dtype of the arguments."""
        h, w, ph, pw = sizes
        return igum_sample(logits, igum_grid(guidance, ph, pw, h, w, self.offset_scale))

    def forward(self, images):
        logits, guidance, sizes = self.heads(images)
        return self.upsample(logits.float(), guidance.float(), sizes)


def parameter_counts(model):
    total = sum(p.numel() for p in model.parameters())
    inst = sum(p.numel() for p in model.instanceHead.parameters())
    return total, total - inst


if __name__ == "__main__":
    for classes in (11, 19):
        m = SpatialSamplingNetwork(classes)
        total, semantic = parameter_counts(m)
        print(f"{classes} classes: {total:,} parameters with the instance head, {semantic:,} without it")
    print("C# (README): 1,269,979 for 11 classes, 1,271,011 for 19 classes (SegmentationModels.Create().parameters(), "
          "instance head included)")
