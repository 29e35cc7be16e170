using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data;

/// <summary>
/// CamVid in the SegNet layout (<c>train/ trainannot/ val/ valannot/ test/ testannot/</c>, 480×360 images):
/// each <c>{split}/{name}.png</c> is paired with <c>{split}annot/{name}.png</c>, an 8-bit map of 11 classes
/// (<see cref="ClassNamesList"/>) where 11 is void, returned as 255.
/// </summary>
public sealed class CamVidDataSource : SegmentationDataSource
{
    /// <summary>The void value in CamVid annotation files.</summary>
    public const byte VoidValue = 11;

    /// <summary>The 11 CamVid classes of the SegNet split, indexed by annotation value.</summary>
    public static IReadOnlyList<string> ClassNamesList { get; } =
        ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist"];

    /// <summary>Lists the images of a split and pairs them with their annotations.</summary>
    /// <param name="root">Folder holding <c>{split}/</c> and <c>{split}annot/</c>.</param>
    /// <param name="split"><c>train</c>, <c>val</c> or <c>test</c>.</param>
    /// <param name="imageSize">When every image has this size (480×360 for SegNet's CamVid), pass it so the schema carries it.</param>
    /// <exception cref="DirectoryNotFoundException">The split folder is missing.</exception>
    /// <exception cref="InvalidDataException">The split holds no images.</exception>
    /// <exception cref="FileNotFoundException">An image has no annotation; the message names it.</exception>
    public CamVidDataSource(string root, string split = "train", (int Width, int Height)? imageSize = null)
        : base(List(root, split), ClassNamesList, hasInstances: false, imageSize) { }

    private static SegmentationFiles[] List(string root, string split)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(split);
        string dir = Path.Combine(root, split);
        string[] images = ListSorted(dir, "*.png", SearchOption.TopDirectoryOnly);
        if (images.Length == 0) throw new InvalidDataException($"CamVid split '{split}' is empty: no *.png in '{dir}'.");
        string annot = Path.Combine(root, split + "annot");
        return images.Select(img => new SegmentationFiles(img, Require(Path.Combine(annot, Path.GetFileName(img)), img))).ToArray();
    }

    private protected override Raster<byte> DecodeLabel(SegmentationFiles files)
    {
        Raster<byte> labels = LabelPng.ReadGray8(files.Label);
        for (int i = 0; i < labels.Data.Length; i++)
        {
            byte v = labels.Data[i];
            if (v == VoidValue) labels.Data[i] = IgnoreLabel;
            else if (v > VoidValue && v != IgnoreLabel)
                throw new InvalidDataException(
                    $"CamVid annotation '{files.Label}' holds value {v} at ({i % labels.Width}, {i / labels.Width}); expected 0–10 or void 11.");
        }
        return labels;
    }
}
