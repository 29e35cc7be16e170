using Microsoft.ML;
using Microsoft.ML.Data;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// Base of the simple Ssn.MLNet transforms that add one column computed lazily, row by row, from some input
/// columns: the data view, its cursors and the row mapper for <c>PredictionEngine</c> live here once.
/// </summary>
public abstract class OneColumnTransformer : ITransformer
{
    /// <summary>Name of the added column.</summary>
    public abstract string OutputColumnName { get; }

    /// <summary>Validates the input schema and returns the input columns the output depends on.</summary>
    protected abstract IReadOnlyList<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema);

    /// <summary>Type of the added column for this input schema.</summary>
    protected abstract DataViewType OutputType(DataViewSchema inputSchema);

    /// <summary>A getter of the output value that reads the current row of <paramref name="input"/>.</summary>
    protected abstract Delegate MakeGetter(DataViewRow input);

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        InputColumns(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(OutputColumnName, OutputType(inputSchema));
        return builder.ToSchema();
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new View(this, input, GetOutputSchema(input.Schema));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema, GetOutputSchema(inputSchema));

    /// <inheritdoc />
    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);

    /// <summary>Saves the transformer (see <see cref="MLNetInterop.SsnModelFormat"/>).</summary>
    protected abstract void SaveModel(ModelSaveContext ctx);

    private sealed class View(OneColumnTransformer parent, IDataView input, DataViewSchema schema) : IDataView
    {
        public bool CanShuffle => input.CanShuffle;
        public DataViewSchema Schema => schema;
        public long? GetRowCount() => input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
            bool output = needed.Contains(input.Schema.Count);
            var inputColumns = input.Schema.Where(c => needed.Contains(c.Index));
            if (output) inputColumns = inputColumns.Concat(parent.InputColumns(input.Schema)).DistinctBy(c => c.Index);
            return new Cursor(parent, input.GetRowCursor(inputColumns, rand), schema, needed);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };
    }

    private sealed class Cursor(OneColumnTransformer parent, DataViewRowCursor input, DataViewSchema schema, HashSet<int> active) : DataViewRowCursor
    {
        private Delegate? getter;
        public override DataViewSchema Schema => schema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override bool MoveNext() => input.MoveNext();
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < input.Schema.Count) return input.GetGetter<TValue>(input.Schema[column.Index]);
            getter ??= parent.MakeGetter(input);
            return SegmentationColumnGetters.Cast<TValue>(getter, column);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class Mapper(OneColumnTransformer parent, DataViewSchema inputSchema, DataViewSchema outputSchema) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => inputSchema;
        public DataViewSchema OutputSchema => outputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            dependingColumns.Any(c => c.Index >= inputSchema.Count) ? parent.InputColumns(inputSchema) : Array.Empty<DataViewSchema.Column>();

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
            new Row(parent, input, outputSchema, activeColumns.Select(c => c.Index).ToHashSet());
    }

    private sealed class Row(OneColumnTransformer parent, DataViewRow input, DataViewSchema schema, HashSet<int> active) : DataViewRow
    {
        private Delegate? getter;
        public override DataViewSchema Schema => schema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < input.Schema.Count) return input.GetGetter<TValue>(input.Schema[column.Index]);
            getter ??= parent.MakeGetter(input);
            return SegmentationColumnGetters.Cast<TValue>(getter, column);
        }
    }

    /// <summary>Finds a column or throws naming it and what was expected.</summary>
    protected static DataViewSchema.Column RequireColumn(DataViewSchema schema, string name, Func<DataViewType, bool> ok, string expected)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{name}' not found ({expected} expected). Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (!ok(column.Type))
            throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{name}' has type {column.Type}; expected {expected}.");
        return column;
    }
}
