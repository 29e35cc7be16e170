using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ENet's decoder (Paszke et al. 2016, Table 1, stages 4–5 and "fullconv"); needs <see cref="EnetEncoder"/>'s
/// max-pooling indices (<see cref="EnetEncoderOutput"/>).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>bottleneck4.0</term><description>upsampling 128 → 64, unpooled with bottleneck2.0's indices (stride 4)</description></item>
/// <item><term>bottleneck4.1–4.2</term><description>regular, 64</description></item>
/// <item><term>bottleneck5.0</term><description>upsampling 64 → 16, unpooled with bottleneck1.0's indices (stride 2)</description></item>
/// <item><term>bottleneck5.1</term><description>regular, 16</description></item>
/// <item><term>fullconv</term><description>2×2 stride-2 transposed convolution 16 → C (full resolution)</description></item>
/// </list>
/// Decoder bottlenecks use ReLU and spatial dropout 0.1.
/// </remarks>
public sealed class EnetDecoder : SegmentationDecoder
{
    private readonly EnetUpsamplingBottleneck up4, up5;
    private readonly Sequential stage4, stage5;
    private readonly ConvTranspose2d fullconv;

    /// <summary>Creates the decoder for <paramref name="numClasses"/> classes.</summary>
    /// <param name="numClasses">Classes C.</param>
    /// <param name="dropout">Spatial dropout of the decoder bottlenecks (ENet: 0.1).</param>
    public EnetDecoder(long numClasses, double dropout = 0.1) : base(nameof(EnetDecoder), 128, numClasses)
    {
        up4 = new EnetUpsamplingBottleneck(128, 64, dropout);
        stage4 = nn.Sequential(
            new EnetBottleneck(64, EnetBottleneckKind.Regular, 1, dropout, useRelu: true),
            new EnetBottleneck(64, EnetBottleneckKind.Regular, 1, dropout, useRelu: true));
        up5 = new EnetUpsamplingBottleneck(64, 16, dropout);
        stage5 = nn.Sequential(new EnetBottleneck(16, EnetBottleneckKind.Regular, 1, dropout, useRelu: true));
        fullconv = nn.ConvTranspose2d(16, numClasses, 2, stride: 2);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Decode(EncoderOutput encoded, long height, long width)
    {
        CheckFeatures(encoded, height, width);
        var enet = Require<EnetEncoderOutput>(encoded);
        using var scope = NewDisposeScope();
        var x = stage4.call(up4.forward(enet.Features, enet.Stage2Indices, enet.Stage2InputSize));
        x = stage5.call(up5.forward(x, enet.Stage1Indices, enet.Stage1InputSize));
        return fullconv.call(x).MoveToOuterDisposeScope();
    }
}
