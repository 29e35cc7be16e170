using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The original GUM decoder (paper §3 and its reference [39]): a 1×1 class head at the encoder's resolution, a light
/// Guidance Module that decodes the features to a full-resolution 2-channel Guidance Offsets Table (tanh, [−1, 1]),
/// and <see cref="GuidedUpsampling"/>, which samples the low-resolution logits at the regular grid displaced by it.
/// </summary>
/// <remarks>
/// Guidance Module (this library's light design; [39] describes the module only as a light branch predicting the
/// table, which §3.1 calls "a lightweight decoder structure"):
/// <c>1×1 conv → G, BN, ReLU</c>; three × <c>3×3 stride-2 transposed conv, BN, ReLU</c> with G → G/2 → G/2 → G/4
/// channels (stride 8 → 1); a <c>3×3</c> convolution to 2 channels, initialised to zero so that an untrained decoder
/// is exactly bilinear upsampling; tanh. With G = 32 it adds about 13 k parameters.
/// </remarks>
public sealed class GuidedUpsamplingDecoder : SegmentationDecoder
{
    private readonly Conv2d classifier, guidanceOutput;
    private readonly Sequential guidanceModule;

    /// <summary>Creates the decoder.</summary>
    /// <param name="inChannels">Encoder channels.</param>
    /// <param name="numClasses">Classes C.</param>
    /// <param name="offsetScale">Length, in encoder pixels, of a unit offset (default 1).</param>
    /// <param name="guidanceChannels">Width G of the guidance module (default 32, at least 4).</param>
    public GuidedUpsamplingDecoder(long inChannels, long numClasses, double offsetScale = 1.0, long guidanceChannels = 32)
        : base(nameof(GuidedUpsamplingDecoder), inChannels, numClasses)
    {
        if (!(offsetScale > 0)) throw new ArgumentOutOfRangeException(nameof(offsetScale), offsetScale, "The offset scale must be positive.");
        if (guidanceChannels < 4) throw new ArgumentOutOfRangeException(nameof(guidanceChannels), guidanceChannels, "The guidance module needs at least 4 channels.");
        OffsetScale = offsetScale;
        classifier = nn.Conv2d(inChannels, numClasses, 1);
        long g = guidanceChannels;
        var widths = new[] { g, g / 2, g / 2, g / 4 };
        var modules = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(inChannels, g, 1, bias: false), nn.BatchNorm2d(g, eps: 1e-3), nn.ReLU(),
        };
        for (int i = 0; i < 3; i++)
        {
            modules.Add(nn.ConvTranspose2d(widths[i], widths[i + 1], 3, stride: 2, padding: 1, output_padding: 1, bias: false));
            modules.Add(nn.BatchNorm2d(widths[i + 1], eps: 1e-3));
            modules.Add(nn.ReLU());
        }
        guidanceModule = nn.Sequential(modules.ToArray());
        guidanceOutput = nn.Conv2d(widths[3], 2, 3, padding: 1);
        using (no_grad())
        {
            guidanceOutput.weight!.zero_();
            guidanceOutput.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Length, in encoder pixels, of a unit offset.</summary>
    public double OffsetScale { get; }

    /// <summary>The 1×1 class head.</summary>
    public Conv2d ClassHead => classifier;

    /// <summary>The guidance module's last convolution (2 channels, before tanh; zero at construction).</summary>
    public Conv2d GuidanceOutput => guidanceOutput;

    /// <summary>The full-resolution guidance offsets table <c>[B, 2, height, width]</c> in [−1, 1].</summary>
    public Tensor GuidanceOffsets(EncoderOutput encoded)
    {
        using var scope = NewDisposeScope();
        return tanh(guidanceOutput.call(guidanceModule.call(encoded.Features))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Decode(EncoderOutput encoded, long height, long width)
    {
        CheckFeatures(encoded, height, width);
        using var scope = NewDisposeScope();
        var logits = classifier.call(encoded.Features);
        return GuidedUpsampling.Upsample(logits, GuidanceOffsets(encoded), OffsetScale).MoveToOuterDisposeScope();
    }
}
