using Ssn.MLNet.Data.InstanceFormats;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data;

/// <summary>
/// Instance annotations exported by a labelling tool (COCO JSON, Ultralytics YOLO segmentation; see
/// <see cref="CocoInstances"/>, <see cref="YoloSegmentation"/>) as a segmentation source with the columns every source has.
/// </summary>
/// <remarks>
/// <para>Classes: <c>background</c> (train id 0, where no instance lies) followed by the selected categories (train ids
/// 1…K, by default every category of the dataset, in its order). Instances of other categories are background.</para>
/// <para><c>InstanceIds</c> uses the Cityscapes encoding with train ids in place of label ids: <c>trainId·1000 + n</c>
/// (n = 0, 1, … per image) for an instance, the plain <c>trainId</c> for a crowd region (COCO <c>iscrowd</c>, as
/// Cityscapes marks group regions), 0 elsewhere. So training takes instances from it as from Cityscapes (ids ≥ 1000) and
/// COCO's mask AP ignores detections on crowd regions (<see cref="CocoMaskEvaluator"/>).</para>
/// <para>Overlaps are resolved by area: instances are painted from the largest to the smallest, so a pixel belongs to the
/// smallest instance that covers it (a person in front of a bus keeps its pixels); crowd regions are painted first.
/// Polygons are rasterised by <see cref="PolygonRaster"/> (even-odd rule, pixel centres, half-open edges).</para>
/// </remarks>
public sealed class InstanceDataSource : SegmentationDataSource
{
    /// <summary>The name of train id 0.</summary>
    public const string BackgroundClassName = "background";

    private readonly Dictionary<SegmentationFiles, AnnotatedImage> imageOfRow;
    private readonly Dictionary<string, int> rowOfImage;
    private readonly int[] trainIdOfCategory;

    /// <summary>A source over <paramref name="dataset"/>'s images.</summary>
    /// <param name="dataset">What <see cref="CocoInstances.Read"/> or <see cref="YoloSegmentation.Read"/> returned.</param>
    /// <param name="categories">The categories to keep, by name (default: all), in the order of their train ids.</param>
    /// <exception cref="ArgumentException">A category is not in the dataset (the message lists those that are), or the dataset has no images.</exception>
    public InstanceDataSource(InstanceDataset dataset, IReadOnlyList<string>? categories = null)
        : base(Files(dataset), Classes(dataset, categories), hasInstances: true, imageSize: null)
    {
        Dataset = dataset;
        imageOfRow = Rows.Zip(dataset.Images).ToDictionary(x => x.First, x => x.Second);
        rowOfImage = Rows.Select((r, i) => (r.Image, i)).ToDictionary(x => x.Image, x => x.i, StringComparer.Ordinal);
        trainIdOfCategory = dataset.CategoryNames.Select(name => ClassNames.Skip(1).ToList().IndexOf(name) + 1).ToArray();
        ThingClasses = Enumerable.Range(1, ClassNames.Count - 1).ToArray();
    }

    /// <summary>The annotations read (with their warnings: skipped files, each named).</summary>
    public InstanceDataset Dataset { get; }

    /// <summary>The train ids that form instances: every class but background.</summary>
    public override IReadOnlyList<int> ThingClasses { get; }

    /// <summary>
    /// What a COCO results file names for row <paramref name="row"/>'s predicted instances of class <paramref name="trainId"/>:
    /// the image's id (<see cref="AnnotatedImage.ImageId"/>, else the row index) and the dataset's category id.
    /// </summary>
    public (long ImageId, int CategoryId) CocoIds(int row, int trainId)
    {
        if (trainId < 1 || trainId >= ClassNames.Count) throw new ArgumentOutOfRangeException(nameof(trainId), trainId, $"Train ids of categories are 1–{ClassNames.Count - 1}.");
        int index = Array.IndexOf(trainIdOfCategory, trainId);
        return (imageOfRow[Rows[row]].ImageId ?? row, Dataset.CategoryIds?[index] ?? index);
    }

    /// <summary>The row of <paramref name="imagePath"/>, or −1.</summary>
    public int RowOf(string imagePath) => rowOfImage.GetValueOrDefault(imagePath, -1);

    /// <summary>The ground truth of row <paramref name="row"/> for COCO's mask AP (category = train id; crowd regions flagged).</summary>
    public IReadOnlyList<CocoGroundTruth> GroundTruth(int row) =>
        imageOfRow[Rows[row]].Instances.Where(a => trainIdOfCategory[a.CategoryIndex] > 0)
            .Select(a => new CocoGroundTruth(trainIdOfCategory[a.CategoryIndex], a.Pixels, a.IsCrowd, a.Area)).ToArray();

    private protected override Raster<byte> DecodeLabel(SegmentationFiles files)
    {
        var (image, labels, _) = Paint(files);
        return new Raster<byte>(image.Width, image.Height, labels);
    }

    private protected override Raster<int> DecodeInstances(SegmentationFiles files)
    {
        var (image, _, ids) = Paint(files);
        return new Raster<int>(image.Width, image.Height, ids);
    }

    private (AnnotatedImage Image, byte[] Labels, int[] Ids) Paint(SegmentationFiles files)
    {
        var image = imageOfRow[files];
        var labels = new byte[image.Width * image.Height];
        var ids = new int[labels.Length];
        var kept = image.Instances.Where(a => trainIdOfCategory[a.CategoryIndex] > 0).ToList();
        int n = 0;
        foreach (var a in kept.Where(a => a.IsCrowd))
            Fill(a, trainIdOfCategory[a.CategoryIndex], trainIdOfCategory[a.CategoryIndex]);
        foreach (var a in kept.Where(a => !a.IsCrowd).OrderByDescending(a => a.Pixels.Length)) // stable: ties keep file order
        {
            int trainId = trainIdOfCategory[a.CategoryIndex];
            Fill(a, trainId, trainId * CityscapesLabels.InstanceIdDivisor + n++);
        }
        return (image, labels, ids);

        void Fill(InstanceAnnotation a, int trainId, int id)
        {
            foreach (int p in a.Pixels)
            {
                labels[p] = (byte)trainId;
                ids[p] = id;
            }
        }
    }

    private static SegmentationFiles[] Files(InstanceDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Images.Count == 0) throw new ArgumentException("The instance dataset has no images.", nameof(dataset));
        // A row's maps are painted from the annotations in memory; its "label file" names them for messages.
        var rows = dataset.Images.Select(image => new SegmentationFiles(image.ImagePath, $"the annotations of '{Path.GetFileName(image.ImagePath)}'")).ToArray();
        if (rows.DistinctBy(r => r.Image).Count() != rows.Length) throw new ArgumentException("The instance dataset lists an image twice.", nameof(dataset));
        return rows;
    }

    private static IReadOnlyList<string> Classes(InstanceDataset dataset, IReadOnlyList<string>? categories)
    {
        categories ??= dataset.CategoryNames;
        foreach (string name in categories)
            if (!dataset.CategoryNames.Contains(name))
                throw new ArgumentException($"Category '{name}' is not in the dataset; it has: {string.Join(", ", dataset.CategoryNames)}.", nameof(categories));
        if (categories.Count == 0 || categories.Count > 254)
            throw new ArgumentException($"Choose 1 to 254 categories ({categories.Count} given).", nameof(categories));
        if (categories.Distinct().Count() != categories.Count)
            throw new ArgumentException($"Categories are named twice: {string.Join(", ", categories)}.", nameof(categories));
        return [BackgroundClassName, .. categories];
    }
}
