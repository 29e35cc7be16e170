using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Inference;

namespace Ssn.MLNet.Transforms;

/// <summary>Row-to-row mapping for <c>PredictionEngine</c>: predicts the current row's image on first access.</summary>
internal sealed class SegmentationRowMapper : IRowToRowMapper
{
    private readonly SegmentationTransformer transformer;

    public SegmentationRowMapper(SegmentationTransformer transformer, DataViewSchema inputSchema, DataViewSchema outputSchema)
    {
        this.transformer = transformer;
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        dependingColumns.Any(c => c.Index >= InputSchema.Count)
            ? new[] { transformer.ImageColumn(InputSchema) }
            : Array.Empty<DataViewSchema.Column>();

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly SegmentationRowMapper parent;
        private readonly DataViewRow input;
        private readonly HashSet<int> active;
        private readonly ValueGetter<MLImage>? imageGetter;
        private long cachedPosition = -1;
        private SsnPrediction? cached;

        public Row(SegmentationRowMapper parent, DataViewRow input, HashSet<int> active)
        {
            this.parent = parent;
            this.input = input;
            this.active = active;
            if (active.Any(i => i >= parent.InputSchema.Count))
                imageGetter = input.GetGetter<MLImage>(parent.transformer.ImageColumn(input.Schema));
        }

        public override DataViewSchema Schema => parent.OutputSchema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < parent.InputSchema.Count ? input.IsColumnActive(input.Schema[column.Index]) : active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < parent.InputSchema.Count) return input.GetGetter<TValue>(input.Schema[column.Index]);
            if (imageGetter is null) throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            return SegmentationColumnGetters.Cast<TValue>(SegmentationColumnGetters.Create(column.Index - parent.InputSchema.Count, Predict), column);
        }

        private SsnPrediction Predict()
        {
            if (cached is null || cachedPosition != input.Position)
            {
                MLImage image = null!;
                imageGetter!(ref image);
                if (image is null)
                    throw new InvalidOperationException($"Row {input.Position}: the image column '{parent.transformer.Options.ImageColumnName}' is empty.");
                cached = parent.transformer.PredictImages(new[] { image })[0];
                cachedPosition = input.Position;
            }
            return cached;
        }
    }
}
