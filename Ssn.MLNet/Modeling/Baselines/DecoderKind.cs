namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>The decoder of a <see cref="SegmentationModel"/> (paper Table 1: original decoder vs. iGUM).</summary>
public enum DecoderKind
{
    /// <summary>iGUM as the whole decoder (paper §3.1): 1×1 class and guidance heads at stride 8, <see cref="Decoders.ImprovedGuidedUpsamplingDecoder"/>.</summary>
    ImprovedGuidedUpsampling,

    /// <summary>The original GUM of the paper's [39]: a light decoder predicts a full-resolution guidance offsets table, <see cref="Decoders.GuidedUpsamplingDecoder"/>.</summary>
    GuidedUpsampling,

    /// <summary>A 1×1 class head and plain bilinear upsampling, <see cref="Decoders.BilinearDecoder"/>.</summary>
    Bilinear,

    /// <summary>
    /// The architecture's own decoder: <see cref="Decoders.ErfnetDecoder"/>, <see cref="Decoders.EnetDecoder"/>,
    /// <see cref="Decoders.EspnetDecoder"/>; for <see cref="Architecture.Ssn"/>, whose own decoder is iGUM (paper §5),
    /// the same as <see cref="ImprovedGuidedUpsampling"/>.
    /// </summary>
    Original,
}
