using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// A decoder: turns a <see cref="SegmentationEncoder"/>'s output (stride-8 features and, for an architecture's own
/// decoder, the encoder internals it needs) into class logits at the input resolution.
/// </summary>
public abstract class SegmentationDecoder : nn.Module
{
    /// <summary>Creates the module.</summary>
    protected SegmentationDecoder(string name, long inChannels, long numClasses) : base(name)
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Encoder channels must be positive.");
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be positive.");
        InChannels = inChannels;
        NumClasses = numClasses;
    }

    /// <summary>Channels of the encoder features it reads.</summary>
    public long InChannels { get; }

    /// <summary>Number of classes C of the logits.</summary>
    public long NumClasses { get; }

    /// <summary>Class logits <c>[B, C, height, width]</c>.</summary>
    /// <param name="encoded">The encoder's output for images of <paramref name="height"/>×<paramref name="width"/>.</param>
    /// <param name="height">Image height (8 × the feature height).</param>
    /// <param name="width">Image width (8 × the feature width).</param>
    public abstract Tensor Decode(EncoderOutput encoded, long height, long width);

    /// <summary>Throws <see cref="ArgumentException"/> unless the features are <c>[B, InChannels, height/8, width/8]</c>.</summary>
    protected void CheckFeatures(EncoderOutput encoded, long height, long width)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var f = encoded.Features;
        if (f.dim() != 4 || f.shape[1] != InChannels || f.shape[2] * SegmentationEncoder.OutputStride != height || f.shape[3] * SegmentationEncoder.OutputStride != width)
            throw new ArgumentException(
                $"{GetName()} expects features [B, {InChannels}, {height}/8, {width}/8] for a {height}×{width} image, got [{string.Join(", ", f.shape)}].",
                nameof(encoded));
    }

    /// <summary>Casts <paramref name="encoded"/> to the output type of the encoder this decoder belongs to, or throws naming both.</summary>
    protected T Require<T>(EncoderOutput encoded) where T : EncoderOutput =>
        encoded as T ?? throw new ArgumentException(
            $"{GetName()} is the original decoder of another architecture: it needs a {typeof(T).Name}, got a {encoded.GetType().Name}.",
            nameof(encoded));
}
