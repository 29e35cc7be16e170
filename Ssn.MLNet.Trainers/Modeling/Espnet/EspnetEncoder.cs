using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ESPNet's encoder (Mehta et al., "ESPNet: Efficient Spatial Pyramid of Dilated Convolutions for Semantic
/// Segmentation", ECCV 2018): ESPNet-C of its Fig. 4c without the final classifier, with input reinforcement, reaching
/// output stride 8 with 256 channels. Defaults α₂ = 2, α₃ = 8: the configuration of the paper's final ESPNet
/// (§4, "ESPNet … with α₂ = 2 and α₃ = 8").
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>level 1</term><description>3×3/2 conv 3 → 16 + BN + PReLU; concatenated with the input average-pooled to 1/2 (16 + 3 = 19); BN + PReLU</description></item>
/// <item><term>level 2</term><description>strided ESP 19 → 64 (1/4); α₂ ESP modules 64 → 64; concatenated with the strided ESP output and the input at 1/4 (64 + 64 + 3 = 131); BN + PReLU</description></item>
/// <item><term>level 3</term><description>strided ESP 131 → 128 (1/8); α₃ ESP modules 128 → 128; concatenated with the strided ESP output (256); BN + PReLU</description></item>
/// </list>
/// The input at 1/2 and 1/4 is obtained by repeated 3×3 stride-2 average pooling (input reinforcement, §3.2).
/// Levels 1 and 2 are exposed through <see cref="EspnetEncoderOutput"/> for ESPNet's decoder, <see cref="EspnetDecoder"/>.
/// </remarks>
public sealed class EspnetEncoder : SegmentationEncoder
{
    private readonly Conv2d level1Conv;
    private readonly BatchNormPRelu level1Act, level1Merge, level2Merge, level3Merge;
    private readonly EspModule level2Down, level3Down;
    private readonly Sequential level2, level3;
    private readonly long inputChannels;

    /// <summary>Builds ESPNet's encoder.</summary>
    /// <param name="inputChannels">Image channels (3).</param>
    /// <param name="alpha2">ESP modules at level 2, α₂ (ESPNet: 2).</param>
    /// <param name="alpha3">ESP modules at level 3, α₃ (ESPNet: 8; ESPNet's Table 1 also studies 3).</param>
    public EspnetEncoder(long inputChannels = 3, int alpha2 = 2, int alpha3 = 8) : base(nameof(EspnetEncoder))
    {
        if (inputChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "Channels must be positive.");
        if (alpha2 < 1) throw new ArgumentOutOfRangeException(nameof(alpha2), alpha2, "ESPNet needs at least one ESP module at level 2.");
        if (alpha3 < 1) throw new ArgumentOutOfRangeException(nameof(alpha3), alpha3, "ESPNet needs at least one ESP module at level 3.");
        this.inputChannels = inputChannels;
        Alpha2 = alpha2;
        Alpha3 = alpha3;
        level1Conv = nn.Conv2d(inputChannels, 16, 3, stride: 2, padding: 1, bias: false);
        level1Act = new BatchNormPRelu(16);
        level1Merge = new BatchNormPRelu(Level1Channels);
        level2Down = new EspModule(Level1Channels, 64, strided: true);
        level2 = nn.Sequential(Enumerable.Range(0, alpha2).Select(_ => (nn.Module<Tensor, Tensor>)new EspModule(64, 64)).ToArray());
        level2Merge = new BatchNormPRelu(Level2Channels);
        level3Down = new EspModule(Level2Channels, 128, strided: true);
        level3 = nn.Sequential(Enumerable.Range(0, alpha3).Select(_ => (nn.Module<Tensor, Tensor>)new EspModule(128, 128)).ToArray());
        level3Merge = new BatchNormPRelu(256);
        RegisterComponents();
    }

    /// <summary>ESP modules at level 2, α₂.</summary>
    public int Alpha2 { get; }

    /// <summary>ESP modules at level 3, α₃.</summary>
    public int Alpha3 { get; }

    /// <summary>Channels of the level-1 concatenation (16 + input channels).</summary>
    public long Level1Channels => 16 + inputChannels;

    /// <summary>Channels of the level-1 convolution (16).</summary>
    public const long Level1ConvolutionChannels = 16;

    /// <summary>Channels of the level-2 concatenation (64 + 64 + input channels).</summary>
    public long Level2Channels => 128 + inputChannels;

    /// <inheritdoc />
    public override long OutputChannels => 256;

    /// <inheritdoc />
    public override long InputChannels => inputChannels;

    /// <summary>Runs the encoder; the result is an <see cref="EspnetEncoderOutput"/> carrying levels 1 and 2.</summary>
    public override EncoderOutput Encode(Tensor images)
    {
        CheckInput(images);
        var half = avg_pool2d(images, 3, stride: 2, padding: 1);
        var quarter = avg_pool2d(half, 3, stride: 2, padding: 1);
        var l1Conv = level1Act.call(level1Conv.call(images));
        var l1 = level1Merge.call(cat(new[] { l1Conv, half }, 1));
        var l2Down = level2Down.call(l1);
        var l2 = level2Merge.call(cat(new[] { level2.call(l2Down), l2Down, quarter }, 1));
        var l3Down = level3Down.call(l2);
        var l3 = level3Merge.call(cat(new[] { l3Down, level3.call(l3Down) }, 1));
        return new EspnetEncoderOutput(l3, l1, l2, l1Conv);
    }
}
