using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data;

/// <summary>
/// A user's own dataset: an image folder and a mask folder, matched by file stem. Masks are 8-bit grayscale PNGs
/// whose values index the given class list; 255 is ignored. An optional instance folder adds instance maps: 16-bit PNGs
/// of the same stem, <c>class·1000 + n</c> for instance n of a class, the plain class for a crowd region, 0 elsewhere
/// (the encoding of <see cref="InstanceDataSource"/>; evaluated with COCO's mask AP).
/// </summary>
public sealed class ImageFolderDataSource : SegmentationDataSource
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    /// <summary>Pairs every image in <paramref name="imageFolder"/> with <c>{maskFolder}/{stem}{maskSuffix}.png</c>.</summary>
    /// <param name="imageFolder">Folder of images (<c>.png</c>, <c>.jpg</c>, <c>.jpeg</c>, <c>.bmp</c>), listed sorted by name.</param>
    /// <param name="maskFolder">Folder of masks.</param>
    /// <param name="classNames">Class names indexed by mask value (1 to 255 classes).</param>
    /// <param name="maskSuffix">Text between the stem and <c>.png</c> in mask names, e.g. <c>"_mask"</c>. Default none.</param>
    /// <param name="imageSize">When every image has this size, pass it so the schema carries it.</param>
    /// <param name="instanceFolder">Folder of 16-bit instance maps <c>{stem}.png</c>, or null for none.</param>
    /// <exception cref="DirectoryNotFoundException">A folder is missing.</exception>
    /// <exception cref="InvalidDataException">The image folder holds no images.</exception>
    /// <exception cref="FileNotFoundException">An image has no mask (or no instance map); the message names the expected file.</exception>
    public ImageFolderDataSource(string imageFolder, string maskFolder, IReadOnlyList<string> classNames,
        string maskSuffix = "", (int Width, int Height)? imageSize = null, string? instanceFolder = null)
        : base(List(imageFolder, maskFolder, maskSuffix, instanceFolder), CheckClasses(classNames), hasInstances: instanceFolder is not null, imageSize) { }

    /// <inheritdoc />
    public override IReadOnlyList<int>? ThingClasses => HasInstances ? Enumerable.Range(1, ClassNames.Count - 1).ToArray() : null;

    private static IReadOnlyList<string> CheckClasses(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(classNames), classNames.Count, "Between 1 and 255 classes are supported (255 means ignore).");
        return classNames.ToArray();
    }

    private static SegmentationFiles[] List(string imageFolder, string maskFolder, string maskSuffix, string? instanceFolder)
    {
        if (instanceFolder is not null && !Directory.Exists(instanceFolder)) throw new DirectoryNotFoundException($"Instance folder '{instanceFolder}' does not exist.");
        ArgumentException.ThrowIfNullOrEmpty(imageFolder);
        ArgumentException.ThrowIfNullOrEmpty(maskFolder);
        ArgumentNullException.ThrowIfNull(maskSuffix);
        if (!Directory.Exists(maskFolder)) throw new DirectoryNotFoundException($"Mask folder '{maskFolder}' does not exist.");
        string[] images = ListSorted(imageFolder, "*", SearchOption.TopDirectoryOnly)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToArray();
        if (images.Length == 0) throw new InvalidDataException($"Image folder '{imageFolder}' holds no .png/.jpg/.jpeg/.bmp images.");
        return images.Select(img => new SegmentationFiles(img,
            Require(Path.Combine(maskFolder, Path.GetFileNameWithoutExtension(img) + maskSuffix + ".png"), img),
            instanceFolder is null ? null : Require(Path.Combine(instanceFolder, Path.GetFileNameWithoutExtension(img) + ".png"), img))).ToArray();
    }

    private protected override Raster<int> DecodeInstances(SegmentationFiles files) => LabelPng.ReadGray16(files.Instances!);

    private protected override Raster<byte> DecodeLabel(SegmentationFiles files)
    {
        Raster<byte> mask = LabelPng.ReadGray8(files.Label);
        int n = ClassNames.Count;
        for (int i = 0; i < mask.Data.Length; i++)
        {
            byte v = mask.Data[i];
            if (v >= n && v != IgnoreLabel)
                throw new InvalidDataException(
                    $"Mask '{files.Label}' holds value {v} at ({i % mask.Width}, {i / mask.Width}), outside the {n} classes (0–{n - 1}, or 255 = ignore).");
        }
        return mask;
    }
}
