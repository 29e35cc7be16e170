"""The Spatial Sampling Network (paper §3–§5) in PyTorch: the twin of `Ssn.MLNet.Trainers/Modeling`.

Parameter and buffer names equal the .NET network's `state_dict` names, so a `.safetensors` file moves either way:
`ssn export --out x.safetensors` -> `SpatialSamplingNetwork.from_safetensors`, and `save_safetensors` ->
`ssn import` / `train --init-weights`. The options are the .NET `SsnNetworkOptions` record, as JSON in the file's
header (`ssn.network_options`). Works with torch 1.13 (Debian's `python3-torch`) and 2.x.

The twin covers the Spatial Sampling Network itself (SSN encoder with any Table 3 block design, iGUM, instance head);
the paper's Table 1 baselines (ERFNet, ENet, ESPNet encoders, other decoders) stay .NET-only.
"""
import json
from dataclasses import dataclass, field, asdict
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

OUTPUT_STRIDE = 8  # NetworkGeometry.OutputStride
ALIGN_CORNERS = False  # SamplingCoordinates.AlignCorners: every sampler of the network
OPTIONS_KEY = "ssn.network_options"  # NetworkWeights.NetworkOptionsKey


@dataclass
class LnbDesign:
    """LnbDesign.cs: the paper's Table 3 design steps; all True is the Lightweight Non-bottleneck-1D (§5, Fig. 5)."""
    Conv1x1: bool = True
    NoBias: bool = True
    PRelu: bool = True
    Moved1x1: bool = True


@dataclass
class NetworkOptions:
    """SsnNetworkOptions.cs, field for field (its JSON names), defaults = the paper network (§5, Fig. 2)."""
    Architecture: str = "Ssn"
    Decoder: int = 0  # DecoderKind.ImprovedGuidedUpsampling
    NumClasses: int = 19
    InputChannels: int = 3
    StemChannels: int = 16
    MiddleChannels: int = 64
    DeepChannels: int = 128
    MiddleBlocks: int = 5
    MiddleDropout: float = 0.03
    DeepDilations: list = field(default_factory=lambda: [2, 4, 8, 16, 2, 4, 8, 16])
    DeepDropout: float = 0.3
    LnbDesign: LnbDesign = field(default_factory=LnbDesign)
    GuidanceOffsetScale: float = 1.0
    SamplingSteps: int = 30
    GuidanceChannels: int = 32
    ArchitectureOptions: Optional[dict] = None

    @staticmethod
    def from_json(text):
        """Reads the .NET options JSON; refuses unknown keys (as the .NET reader) and what the twin does not build."""
        values = json.loads(text)
        known = NetworkOptions.__dataclass_fields__
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"network options: unknown key(s) {', '.join(unknown)}")
        if "LnbDesign" in values and values["LnbDesign"] is not None:
            values["LnbDesign"] = LnbDesign(**values["LnbDesign"])
        o = NetworkOptions(**values)
        if o.Architecture != "Ssn" or o.Decoder not in (0, "ImprovedGuidedUpsampling"):
            raise ValueError(f"ssn_torch builds the Spatial Sampling Network (Architecture Ssn, Decoder ImprovedGuidedUpsampling); "
                             f"these options describe {o.Architecture} + decoder {o.Decoder}, a .NET-only Table 1 network")
        o.Decoder = 0
        return o

    def to_json(self):
        return json.dumps(asdict(self), separators=(",", ":"))


class DownsamplerBlock(nn.Module):
    """DownsamplerBlock.cs (§5 "Early downsampling"): cat(conv3x3 stride 2 with out - in channels, maxpool 2x2) -> BN -> PReLU."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout - cin, 3, stride=2, padding=1, bias=True)
        self.pool = nn.MaxPool2d(2, stride=2)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)
        self.act = nn.PReLU(cout)

    def forward(self, x):
        return self.act(self.bn(torch.cat([self.conv(x), self.pool(x)], 1)))


class NonBottleneck1D(nn.Module):
    """NonBottleneck1D.cs: every row of Table 3. With "Moved 1x1" (the Lightweight module, Fig. 5):
    x -> 1x1 -> act -> 3x1(d) -> act -> 1x3(d) -> BN -> act -> 1x1 -> BN -> Dropout2d -> (+x) -> act;
    without it (ERFNet): x -> first -> act -> second -> BN -> act -> 3x1(d) -> act -> 1x3(d) -> BN -> Dropout2d -> (+x) -> act."""

    def __init__(self, channels, dropout, dilation, design):
        super().__init__()
        c, d, bias = channels, dilation, not design.NoBias

        def first_or_second(kernel, padding):
            return nn.Conv2d(c, c, 1, bias=bias) if design.Conv1x1 else nn.Conv2d(c, c, kernel, padding=padding, bias=bias)

        self.first = first_or_second((3, 1), (1, 0))
        self.conv3x1 = nn.Conv2d(c, c, (3, 1), padding=(d, 0), dilation=(d, 1), bias=bias)
        self.conv1x3 = nn.Conv2d(c, c, (1, 3), padding=(0, d), dilation=(1, d), bias=bias)
        self.second = first_or_second((1, 3), (0, 1))
        self.bn1x3 = nn.BatchNorm2d(c, eps=1e-3)
        self.bnSecond = nn.BatchNorm2d(c, eps=1e-3)
        act = (lambda: nn.PReLU(c)) if design.PRelu else nn.ReLU
        self.act1, self.act2, self.act3, self.actOut = act(), act(), act(), act()
        self.dropout = nn.Dropout2d(dropout)
        self.moved = design.Moved1x1

    def forward(self, x):
        y = self.act1(self.first(x))
        if self.moved:
            y = self.act2(self.conv3x1(y))
            y = self.act3(self.bn1x3(self.conv1x3(y)))
            y = self.bnSecond(self.second(y))
        else:
            y = self.act2(self.bnSecond(self.second(y)))
            y = self.act3(self.conv3x1(y))
            y = self.bn1x3(self.conv1x3(y))
        return self.actOut(self.dropout(y) + x)


class SsnEncoder(nn.Module):
    """SsnEncoder.cs (§5, Fig. 2): Downsampler(3,16) -> Downsampler(16,64) -> 5 x LNB(64) -> Downsampler(64,128) ->
    LNB(128, d) for d in 2, 4, 8, 16, 2, 4, 8, 16; output stride 8."""

    def __init__(self, o):
        super().__init__()
        layers = [DownsamplerBlock(o.InputChannels, o.StemChannels), DownsamplerBlock(o.StemChannels, o.MiddleChannels)]
        layers += [NonBottleneck1D(o.MiddleChannels, o.MiddleDropout, 1, o.LnbDesign) for _ in range(o.MiddleBlocks)]
        layers.append(DownsamplerBlock(o.MiddleChannels, o.DeepChannels))
        layers += [NonBottleneck1D(o.DeepChannels, o.DeepDropout, d, o.LnbDesign) for d in o.DeepDilations]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def regular_grid(height, width, device=None, dtype=torch.float32):
    """SamplingGrid.Regular: [1, H, W, 2] holding (x, y) of every pixel centre, (2j + 1) / W - 1."""
    xs = (torch.arange(width, dtype=torch.float64) * 2 + 1) / width - 1
    ys = (torch.arange(height, dtype=torch.float64) * 2 + 1) / height - 1
    grid = torch.stack([xs.view(1, width).expand(height, width), ys.view(height, 1).expand(height, width)], -1)
    return grid.unsqueeze(0).to(device=device, dtype=dtype)


def offsets_to_displacement(offsets, low_height, low_width, offset_scale):
    """SamplingGrid.OffsetsToDisplacement: offsets [B, 2, H, W] in units of offset_scale low-resolution pixels -> [B, H, W, 2]."""
    unit = torch.tensor([2 * offset_scale / low_width, 2 * offset_scale / low_height], dtype=offsets.dtype, device=offsets.device)
    return offsets.permute(0, 2, 3, 1) * unit


def sample(x, grid, mode="bilinear"):
    """ImprovedGuidedUpsampling.Sample: grid_sample with border padding, align_corners False."""
    return F.grid_sample(x, grid, mode=mode, padding_mode="border", align_corners=ALIGN_CORNERS)


def igum_grid(guidance, full_height, full_width, height, width, offset_scale=1.0):
    """ImprovedGuidedUpsampling.Grid (§3.1, Fig. 3): the regular grid of the padded size plus the bilinearly upsampled
    guidance offsets, cropped to the top-left height x width."""
    h, w = guidance.shape[2], guidance.shape[3]
    up = F.interpolate(guidance, size=(full_height, full_width), mode="bilinear", align_corners=ALIGN_CORNERS)
    grid = regular_grid(full_height, full_width, guidance.device, guidance.dtype) + offsets_to_displacement(up, h, w, offset_scale)
    return grid[:, :height, :width]


class InstanceSamplingModule(nn.Module):
    """InstanceSamplingModule.cs (§4, Fig. 4): the fixed regular grid sampled t times with the same guidance table, so
    each instance's centre spreads over its area. The gradient never reaches the fixed grid."""

    def __init__(self, steps=30, offset_scale=1.0):
        super().__init__()
        self.steps, self.offset_scale = steps, offset_scale

    def forward(self, guidance, steps=None):
        b, _, h, w = guidance.shape
        regular = regular_grid(h, w, guidance.device, guidance.dtype)
        grid = regular + offsets_to_displacement(guidance, h, w, self.offset_scale)
        centres = regular.permute(0, 3, 1, 2).expand(b, 2, h, w)
        for _ in range(steps or self.steps):
            centres = sample(centres, grid)
        return centres


class ImprovedGuidedUpsamplingDecoder(nn.Module):
    """ImprovedGuidedUpsamplingDecoder.cs: the 1x1 class head and the 1x1 iGUM guidance head (zero-initialised)."""

    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.classifier = nn.Conv2d(in_channels, num_classes, 1)
        self.guidanceHead = nn.Conv2d(in_channels, 2, 1)
        nn.init.zeros_(self.guidanceHead.weight)
        nn.init.zeros_(self.guidanceHead.bias)


@dataclass
class Heads:
    """SsnOutput.cs: what the network predicts at stride 8, plus the input and padded sizes."""
    logits: torch.Tensor
    guidance: torch.Tensor
    instance_guidance: Optional[torch.Tensor]
    centres: Optional[torch.Tensor]
    height: int
    width: int
    padded_height: int
    padded_width: int


class SpatialSamplingNetwork(nn.Module):
    """SegmentationModel.cs with the paper's configuration: encoder, iGUM decoder, instance guidance head (tanh) and
    instance module. `forward` returns (class logits, centres or None) at the input size: centres sampled bilinearly
    in training, nearest in eval mode (§4 "Two practical tips")."""

    def __init__(self, options=None):
        super().__init__()
        o = self.options = options or NetworkOptions()
        self.encoder = SsnEncoder(o)
        self.decoder = ImprovedGuidedUpsamplingDecoder(o.DeepChannels, o.NumClasses)
        self.instanceHead = nn.Conv2d(o.DeepChannels, 2, 1)
        nn.init.zeros_(self.instanceHead.weight)  # a still instance field at the start
        nn.init.zeros_(self.instanceHead.bias)
        self.instanceModule = InstanceSamplingModule(o.SamplingSteps, o.GuidanceOffsetScale)

    def heads(self, images, instances=True):
        """SegmentationModel.ForwardHeads: pads bottom/right with zeros to a multiple of 8, runs the encoder and heads."""
        h, w = images.shape[2], images.shape[3]
        ph, pw = -(-h // OUTPUT_STRIDE) * OUTPUT_STRIDE, -(-w // OUTPUT_STRIDE) * OUTPUT_STRIDE
        x = images if (ph, pw) == (h, w) else F.pad(images, (0, pw - w, 0, ph - h))
        f = self.encoder(x)
        logits = self.decoder.classifier(f)
        guidance = torch.tanh(self.decoder.guidanceHead(f))
        instance_guidance = centres = None
        if instances:
            instance_guidance = torch.tanh(self.instanceHead(f))
            centres = self.instanceModule(instance_guidance)
        return Heads(logits, guidance, instance_guidance, centres, h, w, ph, pw)

    def decode(self, heads, centre_mode=None):
        """SegmentationModel.Decode: the iGUM grid from the guidance table, logits sampled bilinearly on it, centres in
        centre_mode (default: bilinear in training, nearest in eval mode); fp32."""
        grid = igum_grid(heads.guidance.float(), heads.padded_height, heads.padded_width, heads.height, heads.width,
                         self.options.GuidanceOffsetScale)
        logits = sample(heads.logits.float(), grid)
        centres = None
        if heads.centres is not None:
            centres = sample(heads.centres.float(), grid, centre_mode or ("bilinear" if self.training else "nearest"))
        return logits, centres

    def forward(self, images, instances=True):
        return self.decode(self.heads(images, instances))

    # --- weights as .safetensors, under the .NET names, with the options in the header (hub_mixin style) ---
    def save_safetensors(self, path, metadata=None):
        from . import safetensors
        meta = {OPTIONS_KEY: self.options.to_json(), **(metadata or {})}
        safetensors.save(self.state_dict(), path, meta)

    @staticmethod
    def from_safetensors(path, map_location="cpu"):
        """The network a .safetensors file written by `ssn export` or `save_safetensors` describes, loaded strictly."""
        from . import safetensors
        tensors, meta = safetensors.load(path)
        if OPTIONS_KEY not in meta:
            raise ValueError(f"{path}: no '{OPTIONS_KEY}' in the header: weights alone, without the network's options")
        model = SpatialSamplingNetwork(NetworkOptions.from_json(meta[OPTIONS_KEY]))
        model.load_state_dict(tensors, strict=True)
        return model.to(map_location)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())
