using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ERFNet's encoder (Romera et al., "ERFNet: Efficient Residual Factorized ConvNet for Real-time Semantic
/// Segmentation", IEEE T-ITS 2018), layers 1–16 of its Table 1; 128 channels at output stride 8.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>1</term><description>Downsampler block, 3 → 16 (stride 2)</description></item>
/// <item><term>2</term><description>Downsampler block, 16 → 64 (stride 4)</description></item>
/// <item><term>3–7</term><description>5 × Non-bt-1D, 64, dilation 1, dropout 0.03</description></item>
/// <item><term>8</term><description>Downsampler block, 64 → 128 (stride 8)</description></item>
/// <item><term>9–16</term><description>2 × Non-bt-1D, 128, dilations 2, 4, 8, 16, dropout 0.3</description></item>
/// </list>
/// The paper's reference [48]; its decoder (layers 17–23) is <see cref="ErfnetDecoder"/>.
/// </remarks>
public sealed class ErfnetEncoder : SegmentationEncoder
{
    private readonly Sequential layers;
    private readonly long inputChannels;

    /// <summary>Builds ERFNet's encoder.</summary>
    /// <param name="inputChannels">Image channels (3).</param>
    /// <param name="stride4Dropout">Dropout of layers 3–7 (ERFNet: 0.03).</param>
    /// <param name="stride8Dropout">Dropout of layers 9–16 (ERFNet: 0.3).</param>
    public ErfnetEncoder(long inputChannels = 3, double stride4Dropout = 0.03, double stride8Dropout = 0.3) : base(nameof(ErfnetEncoder))
    {
        if (inputChannels <= 0 || inputChannels >= 16) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "ERFNet's first downsampler needs 1–15 input channels.");
        this.inputChannels = inputChannels;
        var modules = new List<nn.Module<Tensor, Tensor>>
        {
            new ErfnetDownsamplerBlock(inputChannels, 16),
            new ErfnetDownsamplerBlock(16, 64),
        };
        for (int i = 0; i < 5; i++) modules.Add(new NonBottleneck1D(64, stride4Dropout, 1));
        modules.Add(new ErfnetDownsamplerBlock(64, 128));
        for (int r = 0; r < 2; r++)
            foreach (int d in new[] { 2, 4, 8, 16 })
                modules.Add(new NonBottleneck1D(128, stride8Dropout, d));
        layers = nn.Sequential(modules.ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override long OutputChannels => 128;

    /// <inheritdoc />
    public override long InputChannels => inputChannels;

    /// <inheritdoc />
    public override EncoderOutput Encode(Tensor images)
    {
        CheckInput(images);
        return new EncoderOutput(layers.call(images));
    }
}
