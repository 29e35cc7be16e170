namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>ENet (Paszke et al. 2016, the paper's [43]) as its paper builds it: <see cref="EnetEncoder"/>, <see cref="EnetDecoder"/>.</summary>
internal sealed class EnetArchitecture : ISegmentationArchitecture
{
    public Architecture Name => Architecture.Enet;

    public string Description => "ENet (Paszke et al. 2016): encoder and its upsampling-bottleneck decoder";

    public SegmentationEncoder CreateEncoder(SsnNetworkOptions options) => new EnetEncoder(options.InputChannels);

    public SegmentationDecoder CreateOriginalDecoder(SegmentationEncoder encoder, int numClasses, SsnNetworkOptions options) =>
        new EnetDecoder(numClasses);
}
