using TorchSharp.Modules;
using static Ssn.MLNet.Trainers.OnnxExport.OnnxGraph;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.OnnxExport;

/// <summary>Calibration (records the encoder convolutions' inputs and outputs) or quantisation (uses their ranges).</summary>
internal sealed class Quantisation
{
    public List<string> Observed { get; } = new();

    public Dictionary<string, (float Min, float Max)>? Ranges { get; init; }
}

/// <summary>A module that writes its own ONNX nodes (<see cref="SsnOnnxExporter"/> calls it for each encoder block).</summary>
internal interface IOnnxWritable
{
    /// <summary>Appends this module's nodes reading <paramref name="input"/> and returns the name of its output.</summary>
    string WriteOnnx(OnnxModuleWriter writer, string input);
}

/// <summary>
/// What a module needs to write itself into an ONNX graph: the graph, and the layer writers (convolution — quantised
/// to int8 QDQ when calibrated ranges are given —, PReLU, BatchNorm) that turn TorchSharp layers into nodes.
/// </summary>
internal sealed class OnnxModuleWriter(OnnxGraph graph, Quantisation? quantisation)
{
    /// <summary>The graph being written.</summary>
    public OnnxGraph Graph => graph;

    /// <summary>A tensor's values as fp32 on the CPU.</summary>
    internal static float[] Values(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float32).cpu().contiguous();
        return c.data<float>().ToArray();
    }

    /// <summary>A <c>Conv</c> node with the layer's weights (int8 QDQ when calibrated; recorded for calibration when calibrating).</summary>
    public string Conv(Conv2d conv, string x, long stride, long padH, long padW, long dilH, long dilW, string? output = null)
    {
        var weight = conv.weight!;
        var attributes = new[]
        {
            Attr("kernel_shape", new[] { weight.shape[2], weight.shape[3] }),
            Attr("strides", new[] { stride, stride }),
            Attr("pads", new[] { padH, padW, padH, padW }),
            Attr("dilations", new[] { dilH, dilW }),
        };
        var values = Values(weight);
        float[]? bias = conv.bias is null ? null : Values(conv.bias);
        if (quantisation?.Ranges is { } ranges && ranges.TryGetValue(x, out var inRange))
        {
            // Predict the output name (the next Conv's) to find its calibrated range.
            var y = QuantisedConv(x, inRange, weight.shape, values, bias, attributes, out var convOut);
            if (!ranges.TryGetValue(convOut, out var outRange))
                throw new InvalidOperationException($"No calibration range for '{convOut}'.");
            return QuantiseDequantise(y, outRange);
        }
        var w = graph.Constant("weight", weight.shape, values);
        var inputs = bias is null ? new[] { x, w } : new[] { x, w, graph.Constant("bias", conv.bias!.shape, bias) };
        var result = graph.Node("Conv", inputs, output, attributes);
        if (quantisation is { Ranges: null })
        {
            if (!quantisation.Observed.Contains(x)) quantisation.Observed.Add(x);
            quantisation.Observed.Add(result);
        }
        return result;
    }

    /// <summary>uint8 scale and zero point of a range (widened to contain 0, as quantisation requires).</summary>
    private static (float Scale, byte Zero) Affine((float Min, float Max) range)
    {
        float min = Math.Min(range.Min, 0), max = Math.Max(range.Max, 0);
        float scale = Math.Max((max - min) / 255f, 1e-8f);
        return (scale, (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255));
    }

    private string QuantiseDequantise(string x, (float Min, float Max) range)
    {
        var (scale, zero) = Affine(range);
        var s = graph.Scalar(scale);
        var z = graph.Tensor("zp", OnnxDataType.UInt8, Array.Empty<long>(), new[] { zero });
        return graph.Node("DequantizeLinear", new[] { graph.Node("QuantizeLinear", new[] { x, s, z }), s, z });
    }

    private string QuantisedConv(string x, (float Min, float Max) inRange, long[] shape, float[] weight, float[]? bias,
        OnnxAttribute[] attributes, out string convOut)
    {
        var xd = QuantiseDequantise(x, inRange);
        float inScale = Affine(inRange).Scale;
        int outChannels = (int)shape[0], perChannel = weight.Length / outChannels;
        var wq = new byte[weight.Length];
        var ws = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            float amax = 0;
            for (int k = 0; k < perChannel; k++) amax = Math.Max(amax, Math.Abs(weight[o * perChannel + k]));
            ws[o] = Math.Max(amax / 127f, 1e-12f);
            for (int k = 0; k < perChannel; k++)
                wq[o * perChannel + k] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(weight[o * perChannel + k] / ws[o]), -127, 127));
        }
        var wScale = graph.Constant("w_scale", new long[] { outChannels }, ws);
        var wZero = graph.Tensor("w_zp", OnnxDataType.Int8, new long[] { outChannels }, new byte[outChannels]);
        var wd = graph.Node("DequantizeLinear", new[] { graph.Tensor("w_q", OnnxDataType.Int8, shape, wq), wScale, wZero }, null, Attr("axis", 0L));
        var inputs = new List<string> { xd, wd };
        if (bias is not null)
        {
            // int32 bias with scale = input scale × weight scale (what an integer convolution accumulates in).
            var bs = new float[outChannels];
            var bq = new int[outChannels];
            for (int o = 0; o < outChannels; o++)
            {
                bs[o] = inScale * ws[o];
                bq[o] = (int)Math.Clamp(Math.Round(bias[o] / bs[o]), int.MinValue, int.MaxValue);
            }
            inputs.Add(graph.Node("DequantizeLinear", new[] { graph.Int32s("b_q", new long[] { outChannels }, bq), graph.Constant("b_scale", new long[] { outChannels }, bs),
                graph.Int32s("b_zp", new long[] { outChannels }, new int[outChannels]) }, null, Attr("axis", 0L)));
        }
        convOut = graph.Node("Conv", inputs.ToArray(), null, attributes);
        return convOut;
    }

    /// <summary>A per-channel constant <c>[C, 1, 1]</c>.</summary>
    public string Channelwise(string name, Tensor values) => graph.Constant(name, new long[] { values.shape[0], 1, 1 }, Values(values));

    /// <summary>
    /// PReLU. ONNX Runtime's <c>PRelu</c> kernel broadcasts a per-channel slope slowly (it cost as much as all the
    /// convolutions), so the same function is written with fast element-wise ops: <c>max(x, s·x)</c> when every slope
    /// is ≤ 1 (then it equals PReLU exactly), else <c>max(x, 0) + s·min(x, 0)</c>.
    /// </summary>
    public string PRelu(PReLU act, string x)
    {
        var slopes = Values(act.weight!);
        var s = graph.Constant("slope", new long[] { slopes.Length, 1, 1 }, slopes);
        if (slopes.All(v => v <= 1)) return graph.Node("Max", new[] { x, graph.Node("Mul", new[] { x, s }) });
        var zero = graph.Scalar(0);
        return graph.Node("Add", new[] { graph.Node("Max", new[] { x, zero }), graph.Node("Mul", new[] { graph.Node("Min", new[] { x, zero }), s }) });
    }

    /// <summary>An eval-mode BatchNorm as a per-channel affine.</summary>
    public string BatchNorm(BatchNorm2d bn, string x)
    {
        // Unfolded networks are folded before export; kept for completeness (a BN left in place by a caller).
        using var scale = (bn.weight! / (bn.running_var! + bn.eps).sqrt()).detach();
        using var shift = (bn.bias! - bn.running_mean! * scale).detach();
        return graph.Node("Add", new[] { graph.Node("Mul", new[] { x, Channelwise("bn_scale", scale) }), Channelwise("bn_shift", shift) });
    }
}
