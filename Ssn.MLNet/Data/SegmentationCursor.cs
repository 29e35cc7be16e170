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
    private readonly SegmentationDataSource _source;
    private readonly bool[] _active;
    private readonly int[]? _order;
    private long _position = -1;
    private int _row = -1;
    private bool _done;
    private (int Width, int Height)? _size;
    private Raster<byte>? _label;
    private Raster<int>? _instances;

    internal SegmentationCursor(SegmentationDataSource source, IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand)
    {
        _source = source;
        _active = new bool[source.Schema.Count];
        foreach (var c in columnsNeeded ?? []) _active[CheckColumn(c).Index] = true;
        if (rand is not null)
        {
            _order = Enumerable.Range(0, source.Count).ToArray();
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = rand.Next(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
        }
    }

    public override DataViewSchema Schema => _source.Schema;

    public override long Position => _position;

    public override long Batch => 0;

    public override bool MoveNext()
    {
        _size = null; _label = null; _instances = null;
        if (_done || _position + 1 >= _source.Count)
        {
            _done = true;
            _row = -1;
            return false;
        }
        _position++;
        _row = _order is null ? (int)_position : _order[_position];
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) =>
    {
        EnsureRow();
        value = new DataViewRowId((ulong)_row, 0);
    };

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[CheckColumn(column).Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        CheckColumn(column);
        if (!_active[column.Index])
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
                v = _source.Rows[_row].Image.AsMemory();
            }),
            _ => throw new InvalidOperationException($"Unknown column '{column.Name}'."),
        };
        return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' has type {column.Type}; a getter of {typeof(TValue).Name} was requested.");
    }

    private void GetImage(ref MLImage value)
    {
        EnsureRow();
        RgbImage image = _source.LoadImage(_row);
        _size ??= (image.Width, image.Height);
        value = image.ToMLImage();
    }

    private void GetLabel(ref VBuffer<byte> value)
    {
        EnsureRow();
        _label ??= _source.LoadLabelSized(_row, Size());
        Fill(ref value, _label.Data);
    }

    private void GetInstances(ref VBuffer<int> value)
    {
        EnsureRow();
        _instances ??= _source.LoadInstanceIdsSized(_row, Size());
        Fill(ref value, _instances.Data);
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
        return _size ??= _source.ReadImageSize(_row);
    }

    private void EnsureRow()
    {
        if (_row < 0) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
    }

    private DataViewSchema.Column CheckColumn(DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= _source.Schema.Count || _source.Schema[column.Index].Name != column.Name)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not part of this data view's schema.");
        return column;
    }

    protected override void Dispose(bool disposing)
    {
        _done = true;
        _row = -1;
        base.Dispose(disposing);
    }
}
