using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Trainers;

/// <summary>Reads <see cref="SegmentationSample"/>s (image CHW in [0, 1]) from an <see cref="IDataView"/>, validating columns and sizes.</summary>
internal sealed class TrainingData
{
    private readonly IDataView data;
    private readonly DataViewSchema.Column image, label;
    private readonly DataViewSchema.Column? instances, path;

    public TrainingData(IDataView data, string imageColumn, string labelColumn, string? instanceColumn, string role)
    {
        this.data = data;
        Role = role;
        image = Column(data.Schema, imageColumn, role, t => t is ImageDataViewType, "an image column (MLImage)");
        label = Column(data.Schema, labelColumn, role, t => t is VectorDataViewType { ItemType: var it } && it == NumberDataViewType.Byte, "a vector of Byte (train ids)");
        if (instanceColumn is not null && data.Schema.GetColumnOrNull(instanceColumn) is { } ic)
            instances = Column(data.Schema, instanceColumn, role, t => t is VectorDataViewType { ItemType: var it } && it == NumberDataViewType.Int32, "a vector of Int32 (instance ids)");
        path = data.Schema.GetColumnOrNull("ImagePath") is { Type: TextDataViewType } p ? p : null;
        if (data.GetRowCount() == 0) throw new ArgumentException($"The {role} set is empty.", nameof(data));
    }

    /// <summary>"training" or "validation", for messages.</summary>
    public string Role { get; }

    /// <summary>Whether the data has an instance column.</summary>
    public bool HasInstances => instances is not null;

    /// <summary>The rows in a random order (when the data can shuffle and <paramref name="random"/> is given) or in order.</summary>
    public IEnumerable<SegmentationSample> Read(Random? random)
    {
        var columns = new List<DataViewSchema.Column> { image, label };
        if (instances is { } ic) columns.Add(ic);
        if (path is { } pc) columns.Add(pc);
        using var cursor = data.GetRowCursor(columns, data.CanShuffle ? random : null);
        var getImage = cursor.GetGetter<MLImage>(image);
        var getLabel = cursor.GetGetter<VBuffer<byte>>(label);
        var getInstances = instances is { } i ? cursor.GetGetter<VBuffer<int>>(i) : null;
        var getPath = path is { } p ? cursor.GetGetter<ReadOnlyMemory<char>>(p) : null;
        MLImage img = null!;
        VBuffer<byte> lab = default;
        VBuffer<int> ins = default;
        ReadOnlyMemory<char> name = default;
        long rows = 0;
        while (cursor.MoveNext())
        {
            rows++;
            getPath?.Invoke(ref name);
            string where = getPath is null ? $"{Role} row {cursor.Position}" : $"{Role} image '{name}'";
            getImage(ref img);
            if (img is null) throw new InvalidDataException($"{where}: the image column '{image.Name}' is empty.");
            var rgb = RgbImage.FromMLImage(img);
            img.Dispose();
            getLabel(ref lab);
            int n = rgb.Width * rgb.Height;
            if (lab.Length != n)
                throw new InvalidDataException($"{where}: the label column '{label.Name}' holds {lab.Length} values, the {rgb.Width}×{rgb.Height} image needs {n}.");
            int[]? ids = null;
            if (getInstances is not null)
            {
                getInstances(ref ins);
                if (ins.Length != n)
                    throw new InvalidDataException($"{where}: the instance column '{instances!.Value.Name}' holds {ins.Length} values, the image needs {n}.");
                ids = ins.DenseValues().ToArray();
            }
            yield return new SegmentationSample(rgb.Width, rgb.Height, rgb.ToChw(), lab.DenseValues().ToArray(), ids);
        }
        if (rows == 0) throw new InvalidDataException($"The {Role} set is empty.");
    }

    private static DataViewSchema.Column Column(DataViewSchema schema, string name, string role, Func<DataViewType, bool> ok, string expected)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"The {role} data has no column '{name}' ({expected} expected). Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (!ok(column.Type))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' of the {role} data has type {column.Type}; expected {expected}.");
        return column;
    }
}
