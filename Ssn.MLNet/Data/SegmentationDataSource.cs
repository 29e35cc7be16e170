using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data;

/// <summary>
/// A segmentation dataset on disk exposed as a lazy ML.NET <see cref="IDataView"/>: listing files happens at
/// construction, decoding only when a cursor's getter asks for a row's value. Columns (see
/// <see cref="SegmentationColumns"/>): <c>Image</c> (<see cref="MLImage"/>), <c>Label</c> (train ids,
/// <c>VBuffer&lt;byte&gt;</c>, 255 = ignore), <c>InstanceIds</c> (only when <see cref="HasInstances"/>),
/// <c>Height</c>, <c>Width</c>, <c>ImagePath</c>. The same rows are also available directly through
/// <see cref="LoadImage"/>, <see cref="LoadLabel"/> and <see cref="LoadInstanceIds"/>.
/// </summary>
/// <remarks>Each call of the <c>Image</c> getter returns a new <see cref="MLImage"/> that the caller owns (and
/// should dispose); the previous value is not disposed by the getter.</remarks>
public abstract class SegmentationDataSource : IDataView
{
    private long decodes;

    private protected SegmentationDataSource(IReadOnlyList<SegmentationFiles> rows, IReadOnlyList<string> classNames,
        bool hasInstances, (int Width, int Height)? imageSize)
    {
        Rows = rows;
        ClassNames = classNames;
        HasInstances = hasInstances;
        ImageSize = imageSize;
        if (imageSize is { } s && (s.Width <= 0 || s.Height <= 0))
            throw new ArgumentOutOfRangeException(nameof(imageSize), $"Image size {s.Width}×{s.Height} must be positive.");
        Schema = BuildSchema(hasInstances, imageSize, classNames);
    }

    /// <summary>The files of each row, in row order.</summary>
    public IReadOnlyList<SegmentationFiles> Rows { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Rows.Count;

    /// <summary>Class names indexed by train id (the values of the <c>Label</c> column other than 255).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Whether the source has an <c>InstanceIds</c> column.</summary>
    public bool HasInstances { get; }

    /// <summary>The size every image is required to have, when given at construction; then the schema's image and
    /// vector types carry it.</summary>
    public (int Width, int Height)? ImageSize { get; }

    /// <summary>The classes whose pixels form instances, when the dataset says (COCO/YOLO: every kept category; an image
    /// folder with instance maps: every class but 0); null when it does not (a trainer then keeps its options' classes).</summary>
    public virtual IReadOnlyList<int>? ThingClasses => null;

    /// <summary>The value of ignored pixels in the <c>Label</c> column.</summary>
    public const byte IgnoreLabel = 255;

    /// <summary>Number of files decoded so far (image, label or instance files; headers not counted).</summary>
    internal long DecodeCount => Interlocked.Read(ref decodes);

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <inheritdoc/>
    public bool CanShuffle => true;

    /// <inheritdoc/>
    public long? GetRowCount() => Rows.Count;

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new SegmentationCursor(this, columnsNeeded, rand);

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>Decodes the image of row <paramref name="row"/>.</summary>
    /// <param name="row">Row index.</param>
    public RgbImage LoadImage(int row)
    {
        SegmentationFiles f = Rows[row];
        Interlocked.Increment(ref decodes);
        RgbImage image = ImageFile.ReadRgb(f.Image);
        CheckExpectedSize(f.Image, image.Width, image.Height);
        return image;
    }

    /// <summary>Reads only the size of row <paramref name="row"/>'s image from its header.</summary>
    /// <param name="row">Row index.</param>
    public (int Width, int Height) ReadImageSize(int row)
    {
        SegmentationFiles f = Rows[row];
        var size = ImageFile.ReadSize(f.Image);
        CheckExpectedSize(f.Image, size.Width, size.Height);
        return size;
    }

    /// <summary>Decodes the train-id map of row <paramref name="row"/> (255 = ignore), checked against the image size.</summary>
    /// <param name="row">Row index.</param>
    /// <exception cref="InvalidDataException">The label map's size differs from the image's (both files named), or it
    /// holds values outside the dataset's label set.</exception>
    public Raster<byte> LoadLabel(int row) => LoadLabelSized(row, ReadImageSize(row));

    /// <summary>Decodes the instance map of row <paramref name="row"/> (Cityscapes encoding).</summary>
    /// <param name="row">Row index.</param>
    /// <exception cref="NotSupportedException">The source has no instances.</exception>
    public Raster<int> LoadInstanceIds(int row) => LoadInstanceIdsSized(row, ReadImageSize(row));

    /// <summary>
    /// Loads row <paramref name="row"/> as a training sample: image as planar floats in [0, 1], train ids and
    /// (when <see cref="HasInstances"/>) instance ids, ready for <see cref="Augmentation.SegmentationAugmenter"/>.
    /// </summary>
    /// <param name="row">Row index.</param>
    public Augmentation.SegmentationSample LoadSample(int row)
    {
        RgbImage image = LoadImage(row);
        var size = (image.Width, image.Height);
        Raster<byte> label = LoadLabelSized(row, size);
        int[]? instances = HasInstances ? LoadInstanceIdsSized(row, size).Data : null;
        return new Augmentation.SegmentationSample(image.Width, image.Height, image.ToChw(), label.Data, instances);
    }

    internal Raster<byte> LoadLabelSized(int row, (int Width, int Height) imageSize)
    {
        SegmentationFiles f = Rows[row];
        Interlocked.Increment(ref decodes);
        Raster<byte> label = DecodeLabel(f);
        CheckSameSize(f.Image, imageSize, f.Label, label.Width, label.Height);
        return label;
    }

    internal Raster<int> LoadInstanceIdsSized(int row, (int Width, int Height) imageSize)
    {
        if (!HasInstances) throw new NotSupportedException($"{GetType().Name} has no instance annotations.");
        SegmentationFiles f = Rows[row];
        Interlocked.Increment(ref decodes);
        Raster<int> inst = DecodeInstances(f);
        CheckSameSize(f.Image, imageSize, f.Instances ?? f.Label, inst.Width, inst.Height);
        return inst;
    }

    /// <summary>Decodes a label file into train ids (255 = ignore).</summary>
    private protected abstract Raster<byte> DecodeLabel(SegmentationFiles files);

    /// <summary>Decodes the instance map in the Cityscapes encoding; only called when <see cref="HasInstances"/>.</summary>
    private protected virtual Raster<int> DecodeInstances(SegmentationFiles files) =>
        throw new NotSupportedException($"{GetType().Name} has no instance annotations.");

    private void CheckExpectedSize(string file, int width, int height)
    {
        if (ImageSize is { } s && (s.Width != width || s.Height != height))
            throw new InvalidDataException($"Image '{file}' is {width}×{height}, but this source was created for {s.Width}×{s.Height} images.");
    }

    private static void CheckSameSize(string image, (int Width, int Height) size, string annotation, int width, int height)
    {
        if (size.Width != width || size.Height != height)
            throw new InvalidDataException(
                $"Annotation '{annotation}' is {width}×{height} but image '{image}' is {size.Width}×{size.Height}.");
    }

    /// <summary>Lists files matching <paramref name="pattern"/> under <paramref name="dir"/>, sorted ordinally by path.</summary>
    private protected static string[] ListSorted(string dir, string pattern, SearchOption option)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"Directory '{dir}' does not exist.");
        var files = Directory.GetFiles(dir, pattern, option);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>Throws <see cref="FileNotFoundException"/> naming <paramref name="path"/> (and the image it belongs to) when it is missing.</summary>
    private protected static string Require(string path, string forImage)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Annotation file '{path}' for image '{forImage}' does not exist.", path);
        return path;
    }

    /// <summary>Decides whether optional instance files exist for all rows (true), none (false), or only some (error).</summary>
    private protected static bool AllOrNone(IReadOnlyList<(string Image, string Instances)> candidates)
    {
        int present = candidates.Count(c => File.Exists(c.Instances));
        if (present == 0) return false;
        if (present == candidates.Count) return true;
        var missing = candidates.First(c => !File.Exists(c.Instances));
        throw new FileNotFoundException(
            $"Instance file '{missing.Instances}' for image '{missing.Image}' does not exist, although other images have one.", missing.Instances);
    }

    private static DataViewSchema BuildSchema(bool hasInstances, (int Width, int Height)? size, IReadOnlyList<string> classNames)
    {
        var b = new DataViewSchema.Builder();
        var names = SegmentationEvaluation.ClassNamesAnnotations(classNames);
        if (size is { } s)
        {
            b.AddColumn(SegmentationColumns.Image, new ImageDataViewType(s.Height, s.Width));
            b.AddColumn(SegmentationColumns.Label, new VectorDataViewType(NumberDataViewType.Byte, s.Height, s.Width), names);
            if (hasInstances) b.AddColumn(SegmentationColumns.InstanceIds, new VectorDataViewType(NumberDataViewType.Int32, s.Height, s.Width));
        }
        else
        {
            b.AddColumn(SegmentationColumns.Image, new ImageDataViewType());
            b.AddColumn(SegmentationColumns.Label, new VectorDataViewType(NumberDataViewType.Byte), names);
            if (hasInstances) b.AddColumn(SegmentationColumns.InstanceIds, new VectorDataViewType(NumberDataViewType.Int32));
        }
        b.AddColumn(SegmentationColumns.Height, NumberDataViewType.Int32);
        b.AddColumn(SegmentationColumns.Width, NumberDataViewType.Int32);
        b.AddColumn(SegmentationColumns.ImagePath, TextDataViewType.Instance);
        return b.ToSchema();
    }
}
