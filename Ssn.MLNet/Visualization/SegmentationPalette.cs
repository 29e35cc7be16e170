using Ssn.MLNet.Data;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Visualization;

/// <summary>
/// Display colours of class indices (train ids). The 19 Cityscapes classes use the official Cityscapes palette
/// (<c>cityscapesscripts/helpers/labels.py</c>); other class lists use the PASCAL VOC colour map, whose colours are
/// distinct for all 256 indices. Index 255 (ignore) is black.
/// </summary>
public sealed class SegmentationPalette
{
    private readonly (byte R, byte G, byte B)[] colors;

    /// <summary>Creates a palette from explicit colours, indexed by class; classes beyond the list (and 255) are black.</summary>
    /// <param name="colors">Colour of each class index (at most 256).</param>
    public SegmentationPalette(IReadOnlyList<(byte R, byte G, byte B)> colors)
    {
        ArgumentNullException.ThrowIfNull(colors);
        if (colors.Count > 256) throw new ArgumentOutOfRangeException(nameof(colors), colors.Count, "A palette holds at most 256 colours.");
        this.colors = new (byte, byte, byte)[256];
        for (int i = 0; i < colors.Count; i++) this.colors[i] = colors[i];
        ClassCount = colors.Count;
    }

    /// <summary>Number of colours given at construction.</summary>
    public int ClassCount { get; }

    /// <summary>The colour of class index <paramref name="classIndex"/> (black for indices without a colour).</summary>
    /// <param name="classIndex">Class index 0–255.</param>
    public (byte R, byte G, byte B) this[byte classIndex] => colors[classIndex];

    /// <summary>The Cityscapes palette of the 19 train ids (road = (128, 64, 128), …, bicycle = (119, 11, 32)).</summary>
    public static SegmentationPalette Cityscapes { get; } =
        new(CityscapesLabels.TrainClasses.Select(l => l.Color).ToArray());

    /// <summary>
    /// The palette for a model or dataset with <paramref name="classNames"/>: the Cityscapes palette when the names are
    /// the 19 Cityscapes train classes, else the VOC colour map (index 0 = black, as VOC's background).
    /// </summary>
    /// <param name="classNames">Class names indexed by class.</param>
    public static SegmentationPalette For(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.SequenceEqual(CityscapesLabels.TrainClassNames)) return Cityscapes;
        return new SegmentationPalette(Enumerable.Range(0, classNames.Count).Select(i => VocColorMap.GetColor((byte)i)).ToArray());
    }
}
