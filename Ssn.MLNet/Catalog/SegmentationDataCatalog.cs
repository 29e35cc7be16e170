using Microsoft.ML;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.InstanceFormats;

namespace Ssn.MLNet.Catalog;

/// <summary>
/// Dataset sources as lazy <see cref="IDataView"/>s (files are decoded when a cursor reaches the row) with the
/// columns of <see cref="SegmentationColumns"/>: Image (MLImage), Label (train ids), InstanceIds (when the dataset
/// has instances), Height, Width, ImagePath.
/// </summary>
public sealed class SegmentationDataCatalog
{
    internal SegmentationDataCatalog(MLContext context) => Environment = context;

    /// <summary>The environment (the <see cref="MLContext"/>).</summary>
    public MLContext Environment { get; }

    /// <summary>Cityscapes (<c>leftImg8bit/</c> + <c>gtFine/</c>: labelIds → 19 train ids, 16-bit instanceIds).</summary>
    /// <param name="root">Folder holding <c>leftImg8bit</c> and <c>gtFine</c>.</param>
    /// <param name="split">"train", "val" or "test".</param>
    /// <param name="imageSize">All images' size, if known, so that it enters the schema.</param>
    public CityscapesDataSource LoadCityscapes(string root, string split = "train", (int Width, int Height)? imageSize = null) =>
        new(root, split, imageSize);

    /// <summary>CamVid in the SegNet layout (<c>train/ trainannot/ val/ valannot/ test/ testannot/</c>; 11 classes, void → 255).</summary>
    public CamVidDataSource LoadCamVid(string root, string split = "train", (int Width, int Height)? imageSize = null) =>
        new(root, split, imageSize);

    /// <summary>PASCAL VOC 2012 (<c>JPEGImages/</c>, <c>SegmentationClass/</c>, <c>ImageSets/Segmentation/{split}.txt</c>; 21 classes, 255 ignore).</summary>
    public PascalVocDataSource LoadPascalVoc(string root, string split = "train", (int Width, int Height)? imageSize = null) =>
        new(root, split, imageSize);

    /// <summary>An image folder and a mask folder matched by file name stem, with the given class list (mask value = class index, 255 = ignore).</summary>
    /// <remarks>With <paramref name="instanceFolder"/>, 16-bit instance maps of the same stems (<c>class·1000 + n</c>, see <see cref="ImageFolderDataSource"/>).</remarks>
    public ImageFolderDataSource LoadImageFolder(string imageFolder, string maskFolder, IReadOnlyList<string> classNames, string maskSuffix = "",
        (int Width, int Height)? imageSize = null, string? instanceFolder = null) =>
        new(imageFolder, maskFolder, classNames, maskSuffix, imageSize, instanceFolder);

    /// <summary>
    /// COCO instance annotations (<c>instances_*.json</c>: polygons and RLE, <c>iscrowd</c>) with images under
    /// <paramref name="imagesDirectory"/>: classes <c>background</c> + <paramref name="categories"/> (default: all), instance
    /// maps for the instance module (see <see cref="InstanceDataSource"/>). One file per split, as COCO ships them.
    /// </summary>
    public InstanceDataSource LoadCoco(string annotationsJson, string imagesDirectory, IReadOnlyList<string>? categories = null) =>
        LoadInstances(CocoInstances.Read(annotationsJson, imagesDirectory), categories);

    /// <summary>
    /// Ultralytics YOLO segmentation (a <c>dataset.yaml</c> or the folder holding it; <paramref name="split"/> is one of its
    /// <c>train:</c>/<c>val:</c>/<c>test:</c> entries): classes <c>background</c> + <paramref name="categories"/> (default: all
    /// of <c>names:</c>). Label files without an image are skipped with a warning naming them (<c>MLContext.Log</c>).
    /// </summary>
    public InstanceDataSource LoadYolo(string datasetYaml, string split = "train", IReadOnlyList<string>? categories = null) =>
        LoadInstances(YoloSegmentation.Read(datasetYaml, split), categories);

    /// <summary>Instance annotations already read (e.g. one part of <see cref="InstanceDataset.SplitByImage"/>) as a source;
    /// the dataset's warnings (skipped files, each named) go to <c>MLContext.Log</c>.</summary>
    public InstanceDataSource LoadInstances(InstanceDataset dataset, IReadOnlyList<string>? categories = null)
    {
        var source = new InstanceDataSource(dataset, categories);
        using var channel = ((IChannelProvider)Environment).Start("InstanceData");
        foreach (string warning in dataset.Warnings) channel.Warning(MessageSensitivity.None, warning);
        return source;
    }
}
