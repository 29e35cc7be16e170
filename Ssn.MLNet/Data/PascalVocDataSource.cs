using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data;

/// <summary>
/// PASCAL VOC 2012 segmentation: ids from <c>ImageSets/Segmentation/{split}.txt</c>, images
/// <c>JPEGImages/{id}.jpg</c>, class maps <c>SegmentationClass/{id}.png</c> (palette PNG, 21 classes,
/// 255 = boundary/ignore) and, when present for every id, object maps <c>SegmentationObject/{id}.png</c>.
/// </summary>
/// <remarks>The <c>InstanceIds</c> column follows the Cityscapes encoding with VOC class indices in place of
/// label ids: <c>class * 1000 + n</c> on object <c>n</c> (1-based, as numbered in the object map), the plain class
/// index (0 for background, 255 for boundaries) elsewhere.</remarks>
public sealed class PascalVocDataSource : SegmentationDataSource
{
    /// <summary>The 21 VOC classes indexed by class value.</summary>
    public static IReadOnlyList<string> ClassNamesList { get; } =
    [
        "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    /// <summary>Reads the split's id list and pairs each id with its files.</summary>
    /// <param name="root">The <c>VOC2012</c> folder (holding <c>JPEGImages/</c>, <c>SegmentationClass/</c>, <c>ImageSets/</c>).</param>
    /// <param name="split"><c>train</c>, <c>val</c> or <c>trainval</c>.</param>
    /// <param name="imageSize">When every image has this size, pass it so the schema carries it.</param>
    /// <exception cref="FileNotFoundException">The split list, an image or a class map is missing; the message names it.</exception>
    /// <exception cref="InvalidDataException">The split list is empty.</exception>
    public PascalVocDataSource(string root, string split = "train", (int Width, int Height)? imageSize = null)
        : this(List(root, split), imageSize) { }

    private PascalVocDataSource((SegmentationFiles[] Rows, bool HasInstances) listing, (int Width, int Height)? imageSize)
        : base(listing.Rows, ClassNamesList, listing.HasInstances, imageSize) { }

    private static (SegmentationFiles[], bool) List(string root, string split)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(split);
        string listFile = Path.Combine(root, "ImageSets", "Segmentation", split + ".txt");
        if (!File.Exists(listFile)) throw new FileNotFoundException($"VOC split list '{listFile}' does not exist.", listFile);
        string[] ids = File.ReadAllLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (ids.Length == 0) throw new InvalidDataException($"VOC split list '{listFile}' names no images.");
        var rows = new (string Image, string Label, string Instances)[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            string image = Path.Combine(root, "JPEGImages", ids[i] + ".jpg");
            if (!File.Exists(image)) throw new FileNotFoundException($"Image '{image}' listed in '{listFile}' does not exist.", image);
            rows[i] = (image, Require(Path.Combine(root, "SegmentationClass", ids[i] + ".png"), image),
                Path.Combine(root, "SegmentationObject", ids[i] + ".png"));
        }
        bool hasInstances = AllOrNone(rows.Select(r => (r.Image, r.Instances)).ToArray());
        return (rows.Select(r => new SegmentationFiles(r.Image, r.Label, hasInstances ? r.Instances : null)).ToArray(), hasInstances);
    }

    private protected override Raster<byte> DecodeLabel(SegmentationFiles files)
    {
        Raster<byte> classes = LabelPng.ReadVocIndexed(files.Label);
        for (int i = 0; i < classes.Data.Length; i++)
        {
            byte v = classes.Data[i];
            if (v >= ClassNamesList.Count && v != IgnoreLabel)
                throw new InvalidDataException(
                    $"VOC class map '{files.Label}' holds index {v} at ({i % classes.Width}, {i / classes.Width}); expected 0–20 or 255.");
        }
        return classes;
    }

    private protected override Raster<int> DecodeInstances(SegmentationFiles files)
    {
        Raster<byte> classes = DecodeLabel(files);
        Raster<byte> objects = LabelPng.ReadVocIndexed(files.Instances!);
        if (objects.Width != classes.Width || objects.Height != classes.Height)
            throw new InvalidDataException($"Object map '{files.Instances}' is {objects.Width}×{objects.Height} but class map '{files.Label}' is {classes.Width}×{classes.Height}.");
        var result = new Raster<int>(classes.Width, classes.Height);
        for (int i = 0; i < result.Data.Length; i++)
        {
            int c = classes.Data[i], n = objects.Data[i];
            result.Data[i] = n is > 0 and < 255 && c is > 0 and < 255 ? c * CityscapesLabels.InstanceIdDivisor + n : c;
        }
        return result;
    }
}
