namespace Ssn.MLNet.Data.Augmentation;

/// <summary>
/// One training sample in the layout networks take: a planar float image (3 × H × W, values in [0, 1] before
/// normalisation), its train-id label map (H × W, 255 = ignore) and optionally its instance map (H × W, Cityscapes
/// encoding). Augmentations keep the three aligned.
/// </summary>
public sealed class SegmentationSample
{
    /// <summary>Creates a sample, checking that the buffers fit the size.</summary>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="image">3 × H × W floats (R, G, B planes).</param>
    /// <param name="label">H × W train ids.</param>
    /// <param name="instances">H × W instance ids, or <c>null</c>.</param>
    public SegmentationSample(int width, int height, float[] image, byte[] label, int[]? instances = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(label);
        int n = width * height;
        if (image.Length != 3 * n) throw new ArgumentException($"image has {image.Length} floats; 3×{height}×{width} needs {3 * n}.", nameof(image));
        if (label.Length != n) throw new ArgumentException($"label has {label.Length} values; {height}×{width} needs {n}.", nameof(label));
        if (instances is not null && instances.Length != n)
            throw new ArgumentException($"instances has {instances.Length} values; {height}×{width} needs {n}.", nameof(instances));
        Width = width;
        Height = height;
        Image = image;
        Label = label;
        Instances = instances;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Planar RGB image, 3 × H × W.</summary>
    public float[] Image { get; }

    /// <summary>Train ids, H × W, 255 = ignore.</summary>
    public byte[] Label { get; }

    /// <summary>Instance ids (Cityscapes encoding), H × W, or <c>null</c>.</summary>
    public int[]? Instances { get; }
}
