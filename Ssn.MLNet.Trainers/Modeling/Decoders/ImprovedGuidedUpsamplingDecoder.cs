using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// iGUM as the whole decoder (paper §3.1, Table 1): two 1×1 heads at the encoder's resolution — class logits and a
/// 2-channel guidance offsets table limited to [−1, 1] by tanh (§5, "Two practical tips") — and
/// <see cref="ImprovedGuidedUpsampling"/>, which upsamples the offsets bilinearly and samples the logits at the
/// displaced grid.
/// </summary>
/// <remarks>The guidance head starts at zero, so an untrained decoder is exactly bilinear upsampling.</remarks>
public sealed class ImprovedGuidedUpsamplingDecoder : SegmentationDecoder
{
    private readonly Conv2d classifier, guidanceHead;
    private readonly ImprovedGuidedUpsampling upsampler;

    /// <summary>Creates the decoder.</summary>
    /// <param name="inChannels">Encoder channels.</param>
    /// <param name="numClasses">Classes C.</param>
    /// <param name="offsetScale">Length, in encoder pixels, of a unit offset (default 1, as <see cref="SsnNetworkOptions.GuidanceOffsetScale"/>).</param>
    public ImprovedGuidedUpsamplingDecoder(long inChannels, long numClasses, double offsetScale = 1.0)
        : base(nameof(ImprovedGuidedUpsamplingDecoder), inChannels, numClasses)
    {
        classifier = nn.Conv2d(inChannels, numClasses, 1);
        guidanceHead = nn.Conv2d(inChannels, 2, 1);
        using (no_grad())
        {
            guidanceHead.weight!.zero_();
            guidanceHead.bias!.zero_();
        }
        upsampler = new ImprovedGuidedUpsampling(offsetScale);
        RegisterComponents();
    }

    /// <summary>The 1×1 class head.</summary>
    public Conv2d ClassHead => classifier;

    /// <summary>The 1×1 guidance head (before tanh).</summary>
    public Conv2d GuidanceHead => guidanceHead;

    /// <summary>The upsampling operator.</summary>
    public ImprovedGuidedUpsampling Upsampler => upsampler;

    /// <summary>The low-resolution guidance offsets table <c>[B, 2, h, w]</c> in [−1, 1].</summary>
    public Tensor GuidanceOffsets(EncoderOutput encoded) => tanh(guidanceHead.call(encoded.Features));

    /// <inheritdoc />
    public override Tensor Decode(EncoderOutput encoded, long height, long width)
    {
        CheckFeatures(encoded, height, width);
        using var scope = NewDisposeScope();
        var logits = classifier.call(encoded.Features);
        return upsampler.forward(logits, GuidanceOffsets(encoded), height, width).MoveToOuterDisposeScope();
    }
}
