namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>ERFNet (Romera et al. 2018, the paper's [48]) as its paper builds it: <see cref="ErfnetEncoder"/>, <see cref="ErfnetDecoder"/>.</summary>
internal sealed class ErfnetArchitecture : ISegmentationArchitecture
{
    public Architecture Name => Architecture.Erfnet;

    public string Description => "ERFNet (Romera et al. 2018): encoder and its deconvolution decoder";

    public SegmentationEncoder CreateEncoder(SsnNetworkOptions options) => new ErfnetEncoder(options.InputChannels);

    public SegmentationDecoder CreateOriginalDecoder(SegmentationEncoder encoder, int numClasses, SsnNetworkOptions options) =>
        new ErfnetDecoder(encoder.OutputChannels, numClasses);
}
