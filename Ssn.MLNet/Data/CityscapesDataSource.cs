using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data;

/// <summary>
/// Cityscapes fine annotations (paper §6.1) as a lazy data view: images
/// <c>{root}/leftImg8bit/{split}/{city}/*_leftImg8bit.png</c> (sorted by path), labels from
/// <c>gtFine/…_gtFine_labelIds.png</c> mapped to the 19 train ids (others 255) through
/// <see cref="CityscapesLabels.LabelIdToTrainId"/>, instances from <c>gtFine/…_gtFine_instanceIds.png</c>
/// (16-bit, <c>labelId * 1000 + k</c>) when present for every image.
/// </summary>
public sealed class CityscapesDataSource : SegmentationDataSource
{
    /// <summary>Lists the images of a split and pairs them with their annotation files.</summary>
    /// <param name="root">Dataset root holding <c>leftImg8bit/</c> and <c>gtFine/</c>.</param>
    /// <param name="split"><c>train</c>, <c>val</c> or <c>test</c>.</param>
    /// <param name="imageSize">When every image has this size, pass it so the schema carries it; rows of another
    /// size then fail.</param>
    /// <exception cref="DirectoryNotFoundException">The split folder is missing.</exception>
    /// <exception cref="InvalidDataException">The split holds no images.</exception>
    /// <exception cref="FileNotFoundException">An image has no <c>*_gtFine_labelIds.png</c>, or only some images
    /// have an <c>*_gtFine_instanceIds.png</c>; the message names the file.</exception>
    public CityscapesDataSource(string root, string split = "train", (int Width, int Height)? imageSize = null)
        : this(List(root, split), imageSize) { }

    private CityscapesDataSource((SegmentationFiles[] Rows, bool HasInstances) listing, (int Width, int Height)? imageSize)
        : base(listing.Rows, CityscapesLabels.TrainClassNames, listing.HasInstances, imageSize) { }

    private static (SegmentationFiles[], bool) List(string root, string split)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(split);
        string imageDir = Path.Combine(root, "leftImg8bit", split);
        string[] images = ListSorted(imageDir, "*" + CityscapesPaths.ImageSuffix, SearchOption.AllDirectories);
        if (images.Length == 0)
            throw new InvalidDataException($"Cityscapes split '{split}' is empty: no *{CityscapesPaths.ImageSuffix} under '{imageDir}'.");
        var candidates = new (string Image, string Label, string Instances)[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            string name = Path.GetFileName(images[i]);
            string stem = name[..^CityscapesPaths.ImageSuffix.Length];
            string city = Path.GetFileName(Path.GetDirectoryName(images[i])!);
            string gt = Path.Combine(root, "gtFine", split, city, stem);
            candidates[i] = (images[i], Require(gt + CityscapesPaths.LabelIdsSuffix, images[i]), gt + CityscapesPaths.InstanceIdsSuffix);
        }
        bool hasInstances = AllOrNone(candidates.Select(c => (c.Image, c.Instances)).ToArray());
        return (candidates.Select(c => new SegmentationFiles(c.Image, c.Label, hasInstances ? c.Instances : null)).ToArray(), hasInstances);
    }

    private protected override Raster<byte> DecodeLabel(SegmentationFiles files)
    {
        Raster<byte> ids = LabelPng.ReadGray8(files.Label);
        IReadOnlyList<byte> map = CityscapesLabels.LabelIdToTrainId;
        int maxId = CityscapesLabels.MaxLabelId;
        for (int i = 0; i < ids.Data.Length; i++)
        {
            byte id = ids.Data[i];
            if (id > maxId)
                throw new InvalidDataException(
                    $"Cityscapes label map '{files.Label}' holds id {id} at ({i % ids.Width}, {i / ids.Width}); Cityscapes defines label ids 0–{maxId}.");
            ids.Data[i] = map[id];
        }
        return ids;
    }

    private protected override Raster<int> DecodeInstances(SegmentationFiles files) => LabelPng.ReadGray16(files.Instances!);
}
