using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ESPNet's light decoder (Mehta et al. 2018, Fig. 4d): the level-3 features are projected to C channels and
/// upsampled, merged with the level-2 features projected to C channels by an ESP module, upsampled again, merged
/// with the level-1 features by a 3×3 convolution and upsampled to full resolution. Needs
/// <see cref="EspnetEncoder"/>'s levels 1 and 2 (<see cref="EspnetEncoderOutput"/>).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>1/8</term><description>1×1 conv 256 → C, BN; 2×2 stride-2 deconvolution C → C</description></item>
/// <item><term>1/4</term><description>1×1 conv 131 → C on level 2; concatenated (2C), BN + PReLU; ESP module 2C → C (no residual); 2×2 stride-2 deconvolution, BN + PReLU</description></item>
/// <item><term>1/2</term><description>concatenated with level 1 (C + 19); 3×3 conv → C, BN + PReLU; 2×2 stride-2 deconvolution C → C (full resolution)</description></item>
/// </list>
/// All convolutions are bias-free. The ESP module splits C into 5 branches, so C must be at least 5.
/// </remarks>
public sealed class EspnetDecoder : SegmentationDecoder
{
    private readonly Conv2d level3Project, level2Project, level1Merge;
    private readonly BatchNorm2d level3Bn;
    private readonly ConvTranspose2d up3, up2, up1;
    private readonly BatchNormPRelu combineAct, up2Act, level1Act;
    private readonly EspModule combine;

    /// <summary>Creates the decoder.</summary>
    /// <param name="numClasses">Classes C (at least 5).</param>
    /// <param name="level1Channels">Channels of the encoder's level 1 (<see cref="EspnetEncoder.Level1Channels"/>, 19 for RGB).</param>
    /// <param name="level2Channels">Channels of the encoder's level 2 (<see cref="EspnetEncoder.Level2Channels"/>, 131 for RGB).</param>
    /// <param name="level1Skip">Which level-1 features are merged at stride 2 (<see cref="EspnetLevel1Skip"/>; with
    /// <see cref="EspnetLevel1Skip.Convolution"/> the merge reads <see cref="EspnetEncoder.Level1ConvolutionChannels"/> instead of <paramref name="level1Channels"/>).</param>
    public EspnetDecoder(long numClasses, long level1Channels = 19, long level2Channels = 131, EspnetLevel1Skip level1Skip = EspnetLevel1Skip.Reinforced)
        : base(nameof(EspnetDecoder), 256, numClasses)
    {
        if (numClasses < 5) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "ESPNet's decoder splits the classes into 5 ESP branches: it needs at least 5 classes.");
        if (level1Channels <= 0) throw new ArgumentOutOfRangeException(nameof(level1Channels), level1Channels, "Channels must be positive.");
        if (level2Channels <= 0) throw new ArgumentOutOfRangeException(nameof(level2Channels), level2Channels, "Channels must be positive.");
        Level1Skip = level1Skip;
        Level1Channels = level1Skip == EspnetLevel1Skip.Convolution ? EspnetEncoder.Level1ConvolutionChannels : level1Channels;
        Level2Channels = level2Channels;
        long c = numClasses;
        level3Project = nn.Conv2d(256, c, 1, bias: false);
        level3Bn = nn.BatchNorm2d(c, eps: 1e-3);
        up3 = nn.ConvTranspose2d(c, c, 2, stride: 2, bias: false);
        level2Project = nn.Conv2d(level2Channels, c, 1, bias: false);
        combineAct = new BatchNormPRelu(2 * c);
        combine = new EspModule(2 * c, c, residual: false);
        up2 = nn.ConvTranspose2d(c, c, 2, stride: 2, bias: false);
        up2Act = new BatchNormPRelu(c);
        level1Merge = nn.Conv2d(Level1Channels + c, c, 3, padding: 1, bias: false);
        level1Act = new BatchNormPRelu(c);
        up1 = nn.ConvTranspose2d(c, c, 2, stride: 2, bias: false);
        RegisterComponents();
    }

    /// <summary>Which level-1 features it merges.</summary>
    public EspnetLevel1Skip Level1Skip { get; }

    /// <summary>Channels of the level-1 features it merges.</summary>
    public long Level1Channels { get; }

    /// <summary>Channels of the level-2 features it merges.</summary>
    public long Level2Channels { get; }

    /// <inheritdoc />
    public override Tensor Decode(EncoderOutput encoded, long height, long width)
    {
        CheckFeatures(encoded, height, width);
        var esp = Require<EspnetEncoderOutput>(encoded);
        var level1 = Level1Skip == EspnetLevel1Skip.Convolution ? esp.Level1Convolution : esp.Level1;
        if (level1.shape[1] != Level1Channels || esp.Level2.shape[1] != Level2Channels)
            throw new ArgumentException($"{GetName()} expects level 1/2 with {Level1Channels}/{Level2Channels} channels, got {level1.shape[1]}/{esp.Level2.shape[1]}.", nameof(encoded));
        using var scope = NewDisposeScope();
        var l3 = up3.call(level3Bn.call(level3Project.call(esp.Features)));
        var l2 = combine.call(combineAct.call(cat(new[] { level2Project.call(esp.Level2), l3 }, 1)));
        l2 = up2Act.call(up2.call(l2));
        var l1 = level1Act.call(level1Merge.call(cat(new[] { l2, level1 }, 1)));
        return up1.call(l1).MoveToOuterDisposeScope();
    }
}
