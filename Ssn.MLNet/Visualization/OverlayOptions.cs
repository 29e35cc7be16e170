namespace Ssn.MLNet.Visualization;

/// <summary>Options of <see cref="SegmentationOverlay"/>.</summary>
public sealed record OverlayOptions
{
    /// <summary>Class colours (default: the Cityscapes palette).</summary>
    public SegmentationPalette Palette { get; init; } = SegmentationPalette.Cityscapes;

    /// <summary>Weight of the class colour in the blend, 0 (image only) to 1 (colours only). Default 0.55.</summary>
    public float Alpha { get; init; } = 0.55f;

    /// <summary>Class value left uncoloured (the image shows through). Default 255, the ignore label.</summary>
    public int IgnoreLabel { get; init; } = 255;

    /// <summary>Colour of instance outlines. Default white.</summary>
    public (byte R, byte G, byte B) OutlineColor { get; init; } = (255, 255, 255);

    /// <summary>Whether instance outlines are drawn when an instance map is given. Default true.</summary>
    public bool DrawInstanceOutlines { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Palette, nameof(Palette));
        if (!(Alpha is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, $"{nameof(Alpha)} must be in [0, 1].");
        if (IgnoreLabel is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(IgnoreLabel), IgnoreLabel, $"{nameof(IgnoreLabel)} must be in [0, 255].");
    }
}
