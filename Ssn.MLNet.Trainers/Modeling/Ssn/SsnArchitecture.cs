namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>The Spatial Sampling Network (paper §5): <see cref="SsnEncoder"/>, whose own decoder is iGUM (§3.1); its
/// options are the widths, blocks and dropouts of <see cref="SsnNetworkOptions"/>, the library's default network.</summary>
internal sealed class SsnArchitecture : ISegmentationArchitecture
{
    public Architecture Name => Architecture.Ssn;

    public string Description => "Spatial Sampling Network encoder (paper §5), iGUM decoder and instance module";

    public SegmentationEncoder CreateEncoder(SsnNetworkOptions options) => new SsnEncoder(options);

    public SegmentationDecoder CreateOriginalDecoder(SegmentationEncoder encoder, int numClasses, SsnNetworkOptions options) =>
        new ImprovedGuidedUpsamplingDecoder(encoder.OutputChannels, numClasses, options.GuidanceOffsetScale);
}
