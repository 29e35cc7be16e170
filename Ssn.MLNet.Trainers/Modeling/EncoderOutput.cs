using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// What a <see cref="SegmentationEncoder"/> hands to a decoder: the features at output stride 8 and, in derived
/// types, the encoder internals that an architecture's own decoder needs (ENet's max-pooling indices, ESPNet's
/// skip features). Decoders that need only the features (iGUM, GUM, bilinear, ERFNet's) read <see cref="Features"/>.
/// </summary>
/// <remarks>The tensors belong to the dispose scope the encoder ran in; this object does not own them.</remarks>
public class EncoderOutput
{
    /// <summary>Wraps the stride-8 features <c>[B, C, H/8, W/8]</c>.</summary>
    public EncoderOutput(Tensor features) => Features = features ?? throw new ArgumentNullException(nameof(features));

    /// <summary>Features at output stride 8, <c>[B, OutputChannels, H/8, W/8]</c>.</summary>
    public Tensor Features { get; }
}

/// <summary>
/// ENet's encoder output (Paszke et al. 2016, Table 1): the stage-3 features plus the max-pooling indices of the
/// two downsampling bottlenecks, which ENet's decoder reuses for max-unpooling (after SegNet).
/// </summary>
public sealed class EnetEncoderOutput : EncoderOutput
{
    /// <summary>Creates the output.</summary>
    /// <param name="features">bottleneck3.x output, <c>[B, 128, H/8, W/8]</c>.</param>
    /// <param name="stage1Indices">Max-pool indices of bottleneck1.0 (taken on its <c>[B, 16, H/2, W/2]</c> input).</param>
    /// <param name="stage1InputSize">Spatial size (h, w) of bottleneck1.0's input.</param>
    /// <param name="stage2Indices">Max-pool indices of bottleneck2.0 (taken on its <c>[B, 64, H/4, W/4]</c> input).</param>
    /// <param name="stage2InputSize">Spatial size (h, w) of bottleneck2.0's input.</param>
    public EnetEncoderOutput(Tensor features, Tensor stage1Indices, long[] stage1InputSize, Tensor stage2Indices, long[] stage2InputSize)
        : base(features)
    {
        Stage1Indices = stage1Indices;
        Stage1InputSize = stage1InputSize;
        Stage2Indices = stage2Indices;
        Stage2InputSize = stage2InputSize;
    }

    /// <summary>Max-pool indices of bottleneck1.0, used by bottleneck5.0 to unpool.</summary>
    public Tensor Stage1Indices { get; }

    /// <summary>Spatial size (h, w) of bottleneck1.0's input (stride 2).</summary>
    public long[] Stage1InputSize { get; }

    /// <summary>Max-pool indices of bottleneck2.0, used by bottleneck4.0 to unpool.</summary>
    public Tensor Stage2Indices { get; }

    /// <summary>Spatial size (h, w) of bottleneck2.0's input (stride 4).</summary>
    public long[] Stage2InputSize { get; }
}

/// <summary>
/// ESPNet's encoder output (Mehta et al. 2018, Fig. 4): the level-3 features plus the two lower-level
/// concatenations that ESPNet's decoder merges back in.
/// </summary>
public sealed class EspnetEncoderOutput : EncoderOutput
{
    /// <summary>Creates the output.</summary>
    /// <param name="features">Level-3 concatenation after BN + PReLU, <c>[B, 256, H/8, W/8]</c>.</param>
    /// <param name="level1">Level-1 concatenation (conv output + input at 1/2) after BN + PReLU, <c>[B, 19, H/2, W/2]</c>.</param>
    /// <param name="level2">Level-2 concatenation (ESP outputs + input at 1/4) after BN + PReLU, <c>[B, 131, H/4, W/4]</c>.</param>
    /// <param name="level1Convolution">Level-1 convolution after its BN + PReLU, <c>[B, 16, H/2, W/2]</c>.</param>
    public EspnetEncoderOutput(Tensor features, Tensor level1, Tensor level2, Tensor level1Convolution) : base(features)
    {
        Level1 = level1;
        Level2 = level2;
        Level1Convolution = level1Convolution;
    }

    /// <summary>Level-1 features at stride 2.</summary>
    public Tensor Level1 { get; }

    /// <summary>The level-1 convolution's output at stride 2, before the input reinforcement (<see cref="EspnetLevel1Skip.Convolution"/>).</summary>
    public Tensor Level1Convolution { get; }

    /// <summary>Level-2 features at stride 4.</summary>
    public Tensor Level2 { get; }
}
