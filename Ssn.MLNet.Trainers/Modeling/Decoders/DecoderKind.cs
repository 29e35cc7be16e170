namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>The decoder of a segmentation network (paper Table 1: original decoder vs. iGUM; <see cref="SsnNetworkOptions.Decoder"/>).</summary>
public enum DecoderKind
{
    /// <summary>iGUM as the whole decoder (paper §3.1): 1×1 class and guidance heads at stride 8, <c>ImprovedGuidedUpsamplingDecoder</c>.</summary>
    ImprovedGuidedUpsampling,

    /// <summary>The original GUM of the paper's [39]: a light decoder predicts a full-resolution guidance offsets table, <c>GuidedUpsamplingDecoder</c>.</summary>
    GuidedUpsampling,

    /// <summary>A 1×1 class head and plain bilinear upsampling, <c>BilinearDecoder</c>.</summary>
    Bilinear,

    /// <summary>
    /// The architecture's own decoder: <c>ErfnetDecoder</c>, <c>EnetDecoder</c>, <c>EspnetDecoder</c>; for
    /// <see cref="Architecture.Ssn"/>, whose own decoder is iGUM (paper §5), the same as <see cref="ImprovedGuidedUpsampling"/>.
    /// </summary>
    Original,
}
