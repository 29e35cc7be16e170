namespace Ssn.MLNet.Data.Augmentation;

/// <summary>
/// Random training augmentation: horizontal flip, random scale then random crop (padding with ignore labels when
/// the scaled image is smaller than the crop), and colour jitter. Deterministic for a given <see cref="Random"/>
/// state: the same seed gives the same samples.
/// </summary>
public sealed class SegmentationAugmenter
{
    /// <summary>Creates the augmenter.</summary>
    /// <param name="options">Options; <c>null</c> for the defaults.</param>
    public SegmentationAugmenter(AugmentationOptions? options = null)
    {
        Options = options ?? new AugmentationOptions();
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public AugmentationOptions Options { get; }

    /// <summary>Applies flip, scale + crop and colour jitter, drawing every random choice from <paramref name="rng"/>.</summary>
    /// <param name="sample">The input sample (not modified).</param>
    /// <param name="rng">Source of randomness.</param>
    public SegmentationSample Apply(SegmentationSample sample, Random rng)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(rng);
        AugmentationOptions o = Options;
        SegmentationSample s = rng.NextDouble() < o.FlipProbability ? SegmentationTransforms.FlipHorizontal(sample) : sample;

        float scale = o.MinScale + (float)rng.NextDouble() * (o.MaxScale - o.MinScale);
        int cw = o.CropWidth > 0 ? o.CropWidth : s.Width, ch = o.CropHeight > 0 ? o.CropHeight : s.Height;
        (int sw, int sh) = SegmentationTransforms.ScaledSize(s, scale);
        int ox = Offset(rng, sw, cw), oy = Offset(rng, sh, ch);
        s = SegmentationTransforms.ScaleAndCrop(s, scale, ox, oy, cw, ch);

        float b = 1 + o.Brightness * (2 * (float)rng.NextDouble() - 1);
        float c = 1 + o.Contrast * (2 * (float)rng.NextDouble() - 1);
        float sat = 1 + o.Saturation * (2 * (float)rng.NextDouble() - 1);
        return b == 1 && c == 1 && sat == 1 ? s : SegmentationTransforms.AdjustColor(s, b, c, sat);
    }

    /// <summary>A random window offset: inside the image when it is larger than the crop, else a random padding.</summary>
    private static int Offset(Random rng, int size, int crop) =>
        size >= crop ? rng.Next(size - crop + 1) : -rng.Next(crop - size + 1);
}
