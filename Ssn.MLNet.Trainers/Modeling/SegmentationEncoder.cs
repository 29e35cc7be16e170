using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// An encoder of a semantic segmentation network: images <c>[B, InputChannels, H, W]</c> → features
/// <c>[B, OutputChannels, H/8, W/8]</c> (H and W multiples of <see cref="OutputStride"/>). iGUM replaces the whole
/// decoder that follows such an encoder (paper §3.1, Table 1).
/// </summary>
public abstract class SegmentationEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>The output stride of every encoder: 8.</summary>
    public const int OutputStride = SsnNetworkOptions.OutputStride;

    /// <summary>Creates the module.</summary>
    protected SegmentationEncoder(string name) : base(name) { }

    /// <summary>Channels of the stride-8 features.</summary>
    public abstract long OutputChannels { get; }

    /// <summary>Channels of the input images.</summary>
    public abstract long InputChannels { get; }

    /// <summary>Runs the encoder and returns its features with whatever internals its own decoder needs.</summary>
    /// <param name="images"><c>[B, InputChannels, H, W]</c>, H and W multiples of <see cref="OutputStride"/>.</param>
    public abstract EncoderOutput Encode(Tensor images);

    /// <summary>
    /// Merges BatchNorm into the convolutions before it for inference (paper §6), where the encoder knows how; returns
    /// whether it did (default: no folding, false). Call in eval mode; irreversible.
    /// </summary>
    public virtual bool FoldBatchNorm() => false;

    /// <summary>The stride-8 features only (see <see cref="Encode"/>).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Encode(images).Features.MoveToOuterDisposeScope();
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="images"/> is <c>[B, InputChannels, 8k, 8l]</c>.</summary>
    protected void CheckInput(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != InputChannels || images.shape[2] % OutputStride != 0 || images.shape[3] % OutputStride != 0)
            throw new ArgumentException(
                $"{GetName()} expects images [B, {InputChannels}, H, W] with H and W multiples of {OutputStride}, got [{string.Join(", ", images.shape)}].",
                nameof(images));
    }
}
