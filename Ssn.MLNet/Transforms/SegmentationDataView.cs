using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Inference;

namespace Ssn.MLNet.Transforms;

/// <summary>
/// The lazy output of <see cref="SegmentationTransformer.Transform"/>. A cursor reads the input twice in step:
/// the main cursor serves the input columns, a look-ahead cursor over the image column collects up to
/// <c>SpatialSamplingTransformerOptions.BatchSize</c> consecutive same-size images and predicts them in one
/// batch the first time an added column of one of them is read. Nothing is predicted when no added column is active.
/// </summary>
internal sealed class SegmentationDataView : IDataView
{
    private readonly SegmentationTransformer transformer;
    private readonly IDataView input;

    public SegmentationDataView(SegmentationTransformer transformer, IDataView input, DataViewSchema schema)
    {
        this.transformer = transformer;
        this.input = input;
        Schema = schema;
    }

    public bool CanShuffle => input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        int inputCount = input.Schema.Count;
        bool predict = needed.Any(i => i >= inputCount);
        int? seed = rand?.Next();
        var main = input.GetRowCursor(input.Schema.Where(c => needed.Contains(c.Index)), seed is null ? null : new Random(seed.Value));
        DataViewRowCursor? lookahead = predict
            ? input.GetRowCursor(new[] { transformer.ImageColumn(input.Schema) }, seed is null ? null : new Random(seed.Value))
            : null;
        return new Cursor(this, main, lookahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly SegmentationDataView parent;
        private readonly DataViewRowCursor main;
        private readonly DataViewRowCursor? lookahead;
        private readonly ValueGetter<MLImage>? lookaheadImage;
        private readonly HashSet<int> active;
        private readonly Queue<SsnPrediction> ready = new(); // predictions of rows readyFrom, readyFrom + 1, …
        private long readyFrom;
        private MLImage? pending; // an image read ahead that did not fit the last batch (another size)

        public Cursor(SegmentationDataView parent, DataViewRowCursor main, DataViewRowCursor? lookahead, HashSet<int> active)
        {
            this.parent = parent;
            this.main = main;
            this.lookahead = lookahead;
            this.active = active;
            if (lookahead is not null) lookaheadImage = lookahead.GetGetter<MLImage>(parent.transformer.ImageColumn(lookahead.Schema));
        }

        public override DataViewSchema Schema => parent.Schema;

        public override long Position => main.Position;

        public override long Batch => main.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => main.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override bool MoveNext() => main.MoveNext();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = parent.input.Schema.Count;
            if (column.Index < inputCount) return main.GetGetter<TValue>(main.Schema[column.Index]);
            if (!active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            return SegmentationColumnGetters.Cast<TValue>(SegmentationColumnGetters.Create(column.Index - inputCount, Current), column);
        }

        /// <summary>The prediction of the main cursor's row, predicting the next batch if needed.</summary>
        private SsnPrediction Current()
        {
            long position = main.Position;
            if (position < readyFrom) throw new InvalidOperationException("Predictions are read in row order.");
            while (ready.Count > 0 && readyFrom < position) { ready.Dequeue(); readyFrom++; }
            while (ready.Count == 0)
            {
                // Skip rows whose outputs were never read.
                readyFrom = Math.Max(readyFrom, position);
                PredictNextBatch();
                while (ready.Count > 0 && readyFrom < position) { ready.Dequeue(); readyFrom++; }
            }
            return ready.Peek();
        }

        private void PredictNextBatch()
        {
            var batch = new List<MLImage>();
            if (pending is not null) { batch.Add(pending); pending = null; }
            while (batch.Count < parent.transformer.Options.BatchSize && lookahead!.MoveNext())
            {
                MLImage image = null!;
                lookaheadImage!(ref image);
                if (image is null)
                    throw new InvalidOperationException($"Row {lookahead.Position}: the image column '{parent.transformer.Options.ImageColumnName}' is empty.");
                if (batch.Count > 0 && (image.Width != batch[0].Width || image.Height != batch[0].Height)) { pending = image; break; }
                batch.Add(image);
            }
            if (batch.Count == 0) throw new InvalidOperationException("The image cursor ended before the row cursor.");
            foreach (var p in parent.transformer.PredictImages(batch)) ready.Enqueue(p);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                main.Dispose();
                lookahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
