using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data;

/// <summary>
/// Row cursor of a <see cref="SegmentationDataSource"/>. Moving does no I/O; a getter decodes what it needs for the
/// current row on first use and keeps it until the cursor moves.
/// </summary>
internal sealed class SegmentationCursor : DataViewRowCursor
{
    private readonly SegmentationDataSource dataSource;
    private readonly bool[] active;
    private readonly int[]? order;
    private long position = -1;
    private int currentRow = -1;
    private bool done;
    private (int Width, int Height)? size;
    private Raster<byte>? label;
    private Raster<int>? instances;

    internal SegmentationCursor(SegmentationDataSource source, IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand)
    {
        dataSource = source;
        active = new bool[source.Schema.Count];
        foreach (var c in columnsNeeded ?? []) active[CheckColumn(c).Index] = true;
        if (rand is not null)
        {
            order = Enumerable.Range(0, source.Count).ToArray();
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = rand.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
    }

    public override DataViewSchema Schema => dataSource.Schema;

    public override long Position => position;

    public override long Batch => 0;

    public override bool MoveNext()
    {
        size = null; label = null; instances = null;
        if (done || position + 1 >= dataSource.Count)
        {
            done = true;
            currentRow = -1;
            return false;
        }
        position++;
        currentRow = order is null ? (int)position : order[position];
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) =>
    {
        EnsureRow();
        value = new DataViewRowId((ulong)currentRow, 0);
    };

    public override bool IsColumnActive(DataViewSchema.Column column) => active[CheckColumn(column).Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CheckColumn(column);
        if (!active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
        Delegate getter = column.Name switch
        {
            SegmentationColumns.Image => (ValueGetter<MLImage>)GetImage,
            SegmentationColumns.Label => (ValueGetter<VBuffer<byte>>)GetLabel,
            SegmentationColumns.InstanceIds => (ValueGetter<VBuffer<int>>)GetInstances,
            SegmentationColumns.Height => (ValueGetter<int>)((ref int v) => v = Size().Height),
            SegmentationColumns.Width => (ValueGetter<int>)((ref int v) => v = Size().Width),
            SegmentationColumns.ImagePath => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) =>
            {
                EnsureRow();
                v = dataSource.Rows[currentRow].Image.AsMemory();
            }),
            _ => throw new InvalidOperationException($"Unknown column '{column.Name}'."),
        };
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' has type {column.Type}; a getter of {typeof(TValue).Name} was requested.");
    }

    private void GetImage(ref MLImage value)
    {
        EnsureRow();
        RgbImage image = dataSource.LoadImage(currentRow);
        size ??= (image.Width, image.Height);
        value = image.ToMLImage();
    }

    private void GetLabel(ref VBuffer<byte> value)
    {
        EnsureRow();
        label ??= dataSource.LoadLabelSized(currentRow, Size());
        Fill(ref value, label.Data);
    }

    private void GetInstances(ref VBuffer<int> value)
    {
        EnsureRow();
        instances ??= dataSource.LoadInstanceIdsSized(currentRow, Size());
        Fill(ref value, instances.Data);
    }

    private static void Fill<T>(ref VBuffer<T> value, T[] data)
    {
        var editor = VBufferEditor.Create(ref value, data.Length);
        data.AsSpan().CopyTo(editor.Values);
        value = editor.Commit();
    }

    private (int Width, int Height) Size()
    {
        EnsureRow();
        return size ??= dataSource.ReadImageSize(currentRow);
    }

    private void EnsureRow()
    {
        if (currentRow < 0) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
    }

    private DataViewSchema.Column CheckColumn(DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= dataSource.Schema.Count || dataSource.Schema[column.Index].Name != column.Name)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not part of this data view's schema.");
        return column;
    }

    protected override void Dispose(bool disposing)
    {
        done = true;
        currentRow = -1;
        base.Dispose(disposing);
    }
}
