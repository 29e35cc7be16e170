namespace Ssn.MLNet.Data.Augmentation;

/// <summary>
/// Options of <see cref="SegmentationAugmenter"/>. The defaults follow common Cityscapes training practice
/// (random flip, random scale 0.5–2 and crop, mild colour jitter); the paper (§6.1) trains on random crops.
/// </summary>
public sealed class AugmentationOptions
{
    /// <summary>Probability of a horizontal flip. Default 0.5.</summary>
    public double FlipProbability { get; set; } = 0.5;

    /// <summary>Smallest random scale factor. Default 0.5.</summary>
    public float MinScale { get; set; } = 0.5f;

    /// <summary>Largest random scale factor. Default 2.</summary>
    public float MaxScale { get; set; } = 2f;

    /// <summary>Crop width in pixels; 0 keeps the input width (but see <see cref="MixedSizesCrop"/>). Default 0.</summary>
    public int CropWidth { get; set; }

    /// <summary>Crop height in pixels; 0 keeps the input height (but see <see cref="MixedSizesCrop"/>). Default 0.</summary>
    public int CropHeight { get; set; }

    /// <summary>
    /// The square crop a trainer uses when neither crop size is set and the training images differ in size (as in data
    /// exported by labelling tools): random scale, then a 384×384 window, padded with ignored pixels where the image is smaller.
    /// </summary>
    public const int MixedSizesCrop = 384;

    /// <summary>A copy with the given crop.</summary>
    public AugmentationOptions WithCrop(int width, int height)
    {
        var copy = (AugmentationOptions)MemberwiseClone();
        copy.CropWidth = width;
        copy.CropHeight = height;
        return copy;
    }

    /// <summary>
    /// A copy at <paramref name="factor"/> times the resolution: the random scales and the crop sides multiplied by it, the
    /// crop sides rounded to a multiple of 8 (the encoder's output stride). For progressive resizing (low-resolution epochs
    /// first); the crop must be set.
    /// </summary>
    public AugmentationOptions AtResolution(double factor)
    {
        if (!(factor > 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Must be in (0, 1].");
        if (CropWidth == 0 || CropHeight == 0)
            throw new InvalidOperationException("A lower training resolution needs a crop: set CropWidth and CropHeight.");
        static int Side(double side) => Math.Max(8, (int)Math.Round(side / 8) * 8);
        var copy = WithCrop(Side(CropWidth * factor), Side(CropHeight * factor));
        copy.MinScale = (float)(MinScale * factor);
        copy.MaxScale = (float)(MaxScale * factor);
        return copy;
    }

    /// <summary>Brightness jitter: a factor drawn from [1 − b, 1 + b]. Default 0.2.</summary>
    public float Brightness { get; set; } = 0.2f;

    /// <summary>Contrast jitter: blend with the image mean by a factor from [1 − c, 1 + c]. Default 0.2.</summary>
    public float Contrast { get; set; } = 0.2f;

    /// <summary>Saturation jitter: blend with the grey image by a factor from [1 − s, 1 + s]. Default 0.2.</summary>
    public float Saturation { get; set; } = 0.2f;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (FlipProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(FlipProbability), FlipProbability, "Must be in [0, 1].");
        if (!(MinScale > 0)) throw new ArgumentOutOfRangeException(nameof(MinScale), MinScale, "Must be > 0.");
        if (!(MaxScale >= MinScale)) throw new ArgumentOutOfRangeException(nameof(MaxScale), MaxScale, "Must be ≥ MinScale.");
        if (CropWidth < 0) throw new ArgumentOutOfRangeException(nameof(CropWidth), CropWidth, "Must be ≥ 0.");
        if (CropHeight < 0) throw new ArgumentOutOfRangeException(nameof(CropHeight), CropHeight, "Must be ≥ 0.");
        if (Brightness is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Brightness), Brightness, "Must be in [0, 1).");
        if (Contrast is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Contrast), Contrast, "Must be in [0, 1).");
        if (Saturation is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Saturation), Saturation, "Must be in [0, 1).");
    }
}
