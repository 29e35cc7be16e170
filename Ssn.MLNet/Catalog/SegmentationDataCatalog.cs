using Microsoft.ML;
using Ssn.MLNet.Data;

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
    public ImageFolderDataSource LoadImageFolder(string imageFolder, string maskFolder, IReadOnlyList<string> classNames, string maskSuffix = "",
        (int Width, int Height)? imageSize = null) =>
        new(imageFolder, maskFolder, classNames, maskSuffix, imageSize);
}
