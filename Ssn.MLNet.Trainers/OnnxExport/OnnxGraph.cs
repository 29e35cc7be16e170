namespace Ssn.MLNet.Trainers.OnnxExport;

/// <summary>
/// Builds one ONNX graph (nodes, initializers, inputs, outputs) and serialises it as a ModelProto. Node outputs get
/// unique names; constants become initializers.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly List<OnnxNode> nodes = new();
    private readonly List<OnnxTensor> initializers = new();
    private readonly List<OnnxValueInfo> inputs = new();
    private readonly List<OnnxValueInfo> outputs = new();
    private readonly Dictionary<string, int> counters = new();

    public OnnxGraph(string name, int opset)
    {
        Name = name;
        Opset = opset;
    }

    public string Name { get; }

    public int Opset { get; }

    private string Fresh(string prefix)
    {
        counters.TryGetValue(prefix, out int n);
        counters[prefix] = n + 1;
        return $"{prefix}_{n}";
    }

    public string Input(string name, OnnxDataType type, params object[] dims)
    {
        inputs.Add(new OnnxValueInfo(name, type, dims));
        return name;
    }

    public void Output(string name, OnnxDataType type, params object[] dims) => outputs.Add(new OnnxValueInfo(name, type, dims));

    /// <summary>Declares an intermediate tensor as an extra output of unknown shape (for calibration).</summary>
    public void OutputUnknownShape(string name) => outputs.Add(new OnnxValueInfo(name, OnnxDataType.Float, null));

    public string Tensor(string name, OnnxDataType type, long[] dims, byte[] raw)
    {
        var unique = Fresh(name);
        initializers.Add(new OnnxTensor(unique, type, dims, raw));
        return unique;
    }

    public string Int32s(string name, long[] dims, ReadOnlySpan<int> values)
    {
        var unique = Fresh(name);
        initializers.Add(OnnxTensor.FromInt32s(unique, dims, values));
        return unique;
    }

    public string Constant(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var unique = Fresh(name);
        initializers.Add(OnnxTensor.FromFloats(unique, dims, values));
        return unique;
    }

    public string Scalar(float value) => Constant("c", Array.Empty<long>(), new[] { value });

    public string Ints(params long[] values)
    {
        var unique = Fresh("i");
        initializers.Add(OnnxTensor.FromInt64s(unique, new long[] { values.Length }, values));
        return unique;
    }

    public string IntScalar(long value)
    {
        var unique = Fresh("i");
        initializers.Add(OnnxTensor.FromInt64s(unique, Array.Empty<long>(), new[] { value }));
        return unique;
    }

    /// <summary>Adds a node with one output; <paramref name="output"/> names it (else a fresh name).</summary>
    public string Node(string opType, string[] nodeInputs, string? output = null, params OnnxAttribute[] attributes)
    {
        var name = Fresh(opType);
        var result = output ?? name + "_out";
        nodes.Add(new OnnxNode(opType, name, nodeInputs, new[] { result }, attributes));
        return result;
    }

    public static OnnxAttribute Attr(string name, object value) => new(name, value);

    /// <summary>The model: IR version for the opset (8 up to opset 17, 9 for 18–20), producer Ssn.MLNet.</summary>
    public byte[] ToModel(string producerVersion, string docString, IReadOnlyDictionary<string, string> metadata)
    {
        // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7, opset_import = 8.
        // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12. OperatorSetIdProto: domain = 1, version = 2.
        var w = new ProtoWriter();
        w.Int(1, Opset <= 17 ? 8 : 9)
         .String(2, "Ssn.MLNet")
         .String(3, producerVersion)
         .String(6, docString)
         .Message(7, g =>
         {
             foreach (var n in nodes) g.Message(1, n.Write);
             g.String(2, Name);
             foreach (var t in initializers) g.Message(5, t.Write);
             foreach (var i in inputs) g.Message(11, i.Write);
             foreach (var o in outputs) g.Message(12, o.Write);
         })
         .Message(8, o => o.String(1, "").Int(2, Opset));
        // metadata_props = 14: StringStringEntryProto key = 1, value = 2.
        foreach (var (key, value) in metadata) w.Message(14, e => e.String(1, key).String(2, value));
        return w.ToArray();
    }
}
