using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ENet's encoder (Paszke et al., "ENet: A Deep Neural Network Architecture for Real-Time Semantic Segmentation",
/// arXiv:1606.02147, 2016), the initial block and stages 1–3 of its Table 1; 128 channels at output stride 8.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>initial</term><description>3×3/2 conv (13) ‖ 2×2 max-pool (3) → 16, stride 2</description></item>
/// <item><term>bottleneck1.0</term><description>downsampling, 16 → 64, stride 4 (max-pool indices kept)</description></item>
/// <item><term>4 × bottleneck1.x</term><description>regular, 64, dropout 0.01</description></item>
/// <item><term>bottleneck2.0</term><description>downsampling, 64 → 128, stride 8 (max-pool indices kept)</description></item>
/// <item><term>bottleneck2.1–2.8</term><description>regular, dilated 2, asymmetric 5, dilated 4, regular, dilated 8, asymmetric 5, dilated 16; dropout 0.1</description></item>
/// <item><term>bottleneck3.0–3.7</term><description>stage 2 repeated without bottleneck2.0</description></item>
/// </list>
/// Stages 4–5 and the final full convolution form ENet's decoder, <see cref="EnetDecoder"/>.
/// </remarks>
public sealed class EnetEncoder : SegmentationEncoder
{
    private readonly EnetInitialBlock initial;
    private readonly EnetDownsamplingBottleneck down1, down2;
    private readonly Sequential stage1, stage23;
    private readonly long inputChannels;

    /// <summary>Builds ENet's encoder.</summary>
    /// <param name="inputChannels">Image channels (3).</param>
    /// <param name="stage1Dropout">Spatial dropout of stage 1 (ENet: 0.01).</param>
    /// <param name="dropout">Spatial dropout of stages 2–3 (ENet: 0.1).</param>
    public EnetEncoder(long inputChannels = 3, double stage1Dropout = 0.01, double dropout = 0.1) : base(nameof(EnetEncoder))
    {
        if (inputChannels <= 0 || inputChannels >= 16) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "ENet's initial block needs 1–15 input channels.");
        this.inputChannels = inputChannels;
        initial = new EnetInitialBlock(inputChannels, 16);
        down1 = new EnetDownsamplingBottleneck(16, 64, stage1Dropout);
        stage1 = nn.Sequential(Enumerable.Range(0, 4)
            .Select(_ => (nn.Module<Tensor, Tensor>)new EnetBottleneck(64, EnetBottleneckKind.Regular, 1, stage1Dropout)).ToArray());
        down2 = new EnetDownsamplingBottleneck(64, 128, dropout);
        var deep = new List<nn.Module<Tensor, Tensor>>();
        for (int stage = 2; stage <= 3; stage++)
        {
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Regular, 1, dropout));
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Regular, 2, dropout));
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Asymmetric, 1, dropout));
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Regular, 4, dropout));
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Regular, 1, dropout));
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Regular, 8, dropout));
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Asymmetric, 1, dropout));
            deep.Add(new EnetBottleneck(128, EnetBottleneckKind.Regular, 16, dropout));
        }
        stage23 = nn.Sequential(deep.ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override long OutputChannels => 128;

    /// <inheritdoc />
    public override long InputChannels => inputChannels;

    /// <summary>Runs the encoder; the result is an <see cref="EnetEncoderOutput"/> carrying the pooling indices.</summary>
    public override EncoderOutput Encode(Tensor images)
    {
        CheckInput(images);
        var x = initial.call(images);
        var size1 = new[] { x.shape[2], x.shape[3] };
        var (y1, indices1) = down1.forward(x);
        y1 = stage1.call(y1);
        var size2 = new[] { y1.shape[2], y1.shape[3] };
        var (y2, indices2) = down2.forward(y1);
        var features = stage23.call(y2);
        return new EnetEncoderOutput(features, indices1, size1, indices2, size2);
    }
}
