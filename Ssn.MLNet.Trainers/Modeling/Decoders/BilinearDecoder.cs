using Ssn.MLNet.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The decoder-free baseline: a 1×1 class head at the encoder's resolution and bilinear upsampling
/// (<c>align_corners = false</c>) of the logits to the input size — iGUM with its offsets fixed at zero.
/// </summary>
public sealed class BilinearDecoder : SegmentationDecoder
{
    private readonly Conv2d classifier;

    /// <summary>Creates the decoder for <paramref name="inChannels"/>-channel features and <paramref name="numClasses"/> classes.</summary>
    public BilinearDecoder(long inChannels, long numClasses) : base(nameof(BilinearDecoder), inChannels, numClasses)
    {
        classifier = nn.Conv2d(inChannels, numClasses, 1);
        RegisterComponents();
    }

    /// <summary>The 1×1 class head.</summary>
    public Conv2d ClassHead => classifier;

    /// <inheritdoc />
    public override Tensor Decode(EncoderOutput encoded, long height, long width)
    {
        CheckFeatures(encoded, height, width);
        using var scope = NewDisposeScope();
        return interpolate(classifier.call(encoded.Features), new[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: SamplingCoordinates.AlignCorners)
            .MoveToOuterDisposeScope();
    }
}
