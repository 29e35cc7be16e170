using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Ssn.MLNet.MLNetInterop;

namespace Ssn.MLNet.Tests.MLNetInterop;

/// <summary>
/// Test-only transformer that genuinely needs persistence: appends <c>Score = Bias + Σ Weights[i]·Features[i]</c>,
/// its weights saved as a binary stream (as TorchSharp weights will be) and its options in the body.
/// Lives in the test assembly to prove that loaders in any assembly are found.
/// </summary>
public sealed class PayloadTransformer : ITransformer, ISsnModelLoadable
{
    internal const string WeightsStream = "Weights.bin";

    public PayloadTransformer(string inputColumn, string outputColumn, float bias, float[] weights)
    {
        InputColumn = inputColumn;
        OutputColumn = outputColumn;
        Bias = bias;
        Weights = weights.ToArray();
    }

    public string InputColumn { get; }
    public string OutputColumn { get; }
    public float Bias { get; }
    public float[] Weights { get; }

    public static string LoaderSignature => "SsnPayloadProbe";
    public static uint ModelVersion => 1;

    public static ITransformer Load(IHostEnvironment env, SsnModelLoadContext context)
    {
        string input = context.Body.ReadString();
        string output = context.Body.ReadString();
        float bias = context.Body.ReadSingle();
        int count = context.Body.ReadInt32();
        using var stream = context.OpenBinaryStream(WeightsStream);
        if (stream.Length != 4L * count)
            throw new InvalidDataException($"'{context.Entry}/{WeightsStream}' holds {stream.Length} bytes, expected {4L * count}.");
        var weights = new float[count];
        using (var reader = new BinaryReader(stream))
            for (int i = 0; i < count; i++)
                weights[i] = reader.ReadSingle();
        return new PayloadTransformer(input, output, bias, weights);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => SsnModelFormat.Save<PayloadTransformer>(ctx,
        body =>
        {
            body.Write(InputColumn);
            body.Write(OutputColumn);
            body.Write(Bias);
            body.Write(Weights.Length);
        },
        new Dictionary<string, Action<Stream>>
        {
            [WeightsStream] = s =>
            {
                using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
                foreach (float v in Weights)
                    w.Write(v);
            },
        });

    public bool IsRowToRowMapper => false;

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var column = inputSchema.GetColumnOrNull(InputColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Input column '{InputColumn}' not found.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType t, Size: var size } ||
            t != NumberDataViewType.Single || size != Weights.Length)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{InputColumn}' must be a Single vector of size {Weights.Length}.");
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(OutputColumn, NumberDataViewType.Single);
        return builder.ToSchema();
    }

    public IDataView Transform(IDataView input) => new View(this, input, GetOutputSchema(input.Schema));

    private sealed class View(PayloadTransformer parent, IDataView input, DataViewSchema schema) : IDataView
    {
        public DataViewSchema Schema => schema;
        public bool CanShuffle => input.CanShuffle;
        public long? GetRowCount() => input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
            int scoreIndex = schema.Count - 1;
            var inputColumn = input.Schema[parent.InputColumn];
            var inputNeeded = input.Schema.Where(c => needed.Contains(c.Index) || (needed.Contains(scoreIndex) && c.Index == inputColumn.Index));
            return new Cursor(parent, schema, input.GetRowCursor(inputNeeded, rand), inputColumn, needed.Contains(scoreIndex));
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];
    }

    private sealed class Cursor(PayloadTransformer parent, DataViewSchema schema, DataViewRowCursor input,
        DataViewSchema.Column inputColumn, bool scoreActive) : DataViewRowCursor
    {
        public override DataViewSchema Schema => schema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool MoveNext() => input.MoveNext();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index == schema.Count - 1 ? scoreActive : input.IsColumnActive(input.Schema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != schema.Count - 1)
                return input.GetGetter<TValue>(input.Schema[column.Index]);
            var features = input.GetGetter<VBuffer<float>>(inputColumn);
            VBuffer<float> buffer = default;
            ValueGetter<float> score = (ref float value) =>
            {
                features(ref buffer);
                float sum = parent.Bias;
                int i = 0;
                foreach (float x in buffer.DenseValues())
                    sum += parent.Weights[i++] * x;
                value = sum;
            };
            return (ValueGetter<TValue>)(Delegate)score;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                input.Dispose();
            base.Dispose(disposing);
        }
    }
}
