using System.Globalization;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Ssn.MLNet.Onnx.OnnxGraph;

namespace Ssn.MLNet.Onnx;

/// <summary>
/// Writes a trained <see cref="SpatialSamplingNetwork"/> as an ONNX model, in C# (TorchSharp has no exporter): the
/// graph is written from the module tree — BatchNorm folded (paper §6), convolutions, PReLU, max-pool, concat, the
/// residual adds, tanh heads, the instance module's t sampling steps unrolled as <c>GridSample</c> nodes (§4) and,
/// optionally, iGUM (§3.1: <c>Resize</c> of the guidance, grid, <c>GridSample</c>) with the class map.
/// Height and width are symbolic (any multiple of 8); the regular grids are computed in the graph.
/// </summary>
public static class SsnOnnxExporter
{
    /// <summary>Exports <paramref name="network"/> (a folded copy is made if it is not folded) to ONNX bytes.</summary>
    public static byte[] Export(SpatialSamplingNetwork network, SsnOnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new SsnOnnxExportOptions();
        options.Validate();
        if (network.IsBatchNormFolded) return Build(network, options);
        using var folded = network.ToInferenceNetwork();
        return Build(folded, options);
    }

    /// <summary>Exports <paramref name="network"/> to the file <paramref name="path"/> (written via a temporary file and a rename).</summary>
    public static void Export(SpatialSamplingNetwork network, string path, SsnOnnxExportOptions? options = null)
    {
        var bytes = Export(network, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static byte[] Build(SpatialSamplingNetwork net, SsnOnnxExportOptions options)
    {
        var o = net.Options;
        var g = new OnnxGraph("SpatialSamplingNetwork", options.Opset);
        var x = g.Input(SsnOnnxNames.Image, OnnxDataType.Float, "N", (long)o.InputChannels, "H", "W");
        int block = 0;
        foreach (var m in net.Encoder.Blocks)
        {
            x = m switch
            {
                DownsamplerBlock d => Downsampler(g, d, x),
                LightweightNonBottleneck1D l => NonBottleneck(g, l, x),
                _ => throw new NotSupportedException($"Encoder block {block} ({m.GetType().Name}) has no ONNX export."),
            };
            block++;
        }
        var features = x;
        var logits = Conv(g, net.ClassHead, features, 1, 0, 0, 1, 1, SsnOnnxNames.Logits);
        var guidance = g.Node("Tanh", new[] { Conv(g, net.GuidanceHead, features, 1, 0, 0, 1, 1) }, SsnOnnxNames.Guidance);
        var instanceGuidance = g.Node("Tanh", new[] { Conv(g, net.InstanceGuidanceHead, features, 1, 0, 0, 1, 1) }, SsnOnnxNames.InstanceGuidance);

        // Instance module (§4): grid = regular + offsets·unit; centres₀ = regular; t × GridSample(bilinear, border).
        string linear = options.Opset >= 20 ? "linear" : "bilinear";
        var lowShape = g.Node("Shape", new[] { instanceGuidance });
        var (lowH, lowW) = (Dim(g, lowShape, 2), Dim(g, lowShape, 3));
        var regular = RegularGrid(g, lowH, lowW);
        var unit = Unit(g, lowH, lowW, net.InstanceModule.OffsetScale);
        var grid = g.Node("Add", new[] { regular, g.Node("Mul", new[] { g.Node("Transpose", new[] { instanceGuidance }, null, Attr("perm", new long[] { 0, 2, 3, 1 })), unit }) });
        var centres = g.Node("Expand", new[] { g.Node("Transpose", new[] { regular }, null, Attr("perm", new long[] { 0, 3, 1, 2 })), lowShape });
        int steps = options.SamplingSteps ?? net.InstanceModule.Steps;
        for (int i = 0; i < steps; i++)
            centres = g.Node("GridSample", new[] { centres, grid }, i == steps - 1 ? SsnOnnxNames.Centres : null,
                Attr("mode", linear), Attr("padding_mode", "border"), Attr("align_corners", 0L));

        g.Output(SsnOnnxNames.Logits, OnnxDataType.Float, "N", (long)o.NumClasses, "h", "w");
        g.Output(SsnOnnxNames.Guidance, OnnxDataType.Float, "N", 2L, "h", "w");
        g.Output(SsnOnnxNames.InstanceGuidance, OnnxDataType.Float, "N", 2L, "h", "w");
        g.Output(SsnOnnxNames.Centres, OnnxDataType.Float, "N", 2L, "h", "w");

        if (options.FullResolutionOutputs)
        {
            // iGUM (§3.1): bilinear upsampling of the guidance to H×W, added to the regular H×W grid.
            var inShape = g.Node("Shape", new[] { SsnOnnxNames.Image });
            var (fullH, fullW) = (Dim(g, inShape, 2), Dim(g, inShape, 3));
            var sizes = g.Node("Concat", new[] { g.Node("Slice", new[] { lowShape, g.Ints(0), g.Ints(2) }), g.Node("Slice", new[] { inShape, g.Ints(2), g.Ints(4) }) }, null, Attr("axis", 0L));
            var up = g.Node("Resize", new[] { guidance, "", "", sizes }, null, Attr("mode", "linear"), Attr("coordinate_transformation_mode", "half_pixel"));
            var guidanceUnit = Unit(g, lowH, lowW, net.Upsampler.OffsetScale);
            var fullGrid = g.Node("Add", new[] { RegularGrid(g, fullH, fullW), g.Node("Mul", new[] { g.Node("Transpose", new[] { up }, null, Attr("perm", new long[] { 0, 2, 3, 1 })), guidanceUnit }) });
            var fullLogits = g.Node("GridSample", new[] { logits, fullGrid }, null, Attr("mode", linear), Attr("padding_mode", "border"), Attr("align_corners", 0L));
            g.Node("ArgMax", new[] { fullLogits }, SsnOnnxNames.Labels, Attr("axis", 1L), Attr("keepdims", 0L));
            var probabilities = g.Node("Softmax", new[] { fullLogits }, null, Attr("axis", 1L));
            if (options.Opset >= 18) g.Node("ReduceMax", new[] { probabilities, g.Ints(1) }, SsnOnnxNames.Confidence, Attr("keepdims", 0L));
            else g.Node("ReduceMax", new[] { probabilities }, SsnOnnxNames.Confidence, Attr("axes", new long[] { 1 }), Attr("keepdims", 0L));
            g.Node("GridSample", new[] { centres, fullGrid }, SsnOnnxNames.FullCentres, Attr("mode", "nearest"), Attr("padding_mode", "border"), Attr("align_corners", 0L));
            g.Output(SsnOnnxNames.Labels, OnnxDataType.Int64, "N", "H", "W");
            g.Output(SsnOnnxNames.Confidence, OnnxDataType.Float, "N", "H", "W");
            g.Output(SsnOnnxNames.FullCentres, OnnxDataType.Float, "N", 2L, "H", "W");
        }
        string doc = $"Spatial Sampling Network (Mazzini & Schettini), BatchNorm folded; {o.NumClasses} classes, t = {steps}; " +
                     "input normalised RGB [N,3,H,W], H and W multiples of 8.";
        var metadata = new Dictionary<string, string>
        {
            [SsnOnnxNames.ClassesKey] = o.NumClasses.ToString(CultureInfo.InvariantCulture),
            [SsnOnnxNames.GuidanceOffsetScaleKey] = net.Upsampler.OffsetScale.ToString("R", CultureInfo.InvariantCulture),
            [SsnOnnxNames.SamplingStepsKey] = steps.ToString(CultureInfo.InvariantCulture),
        };
        return g.ToModel(typeof(SsnOnnxExporter).Assembly.GetName().Version?.ToString() ?? "0", doc, metadata);
    }

    /// <summary>Scalar int64 dim <paramref name="axis"/> of a Shape output.</summary>
    private static string Dim(OnnxGraph g, string shape, long axis) => g.Node("Gather", new[] { shape, g.IntScalar(axis) }, null, Attr("axis", 0L));

    /// <summary>The regular grid <c>[1, h, w, 2]</c> of pixel centres, (2j + 1)/size − 1, as <see cref="SamplingGrid.Regular"/>.</summary>
    private static string RegularGrid(OnnxGraph g, string h, string w)
    {
        string Axis(string size)
        {
            var f = g.Node("Cast", new[] { size }, null, Attr("to", (long)OnnxDataType.Float));
            var r = g.Node("Range", new[] { g.Scalar(0), f, g.Scalar(1) });
            return g.Node("Sub", new[] { g.Node("Div", new[] { g.Node("Add", new[] { g.Node("Mul", new[] { r, g.Scalar(2) }), g.Scalar(1) }), f }), g.Scalar(1) });
        }
        var hw = g.Node("Concat", new[] { g.Node("Unsqueeze", new[] { h, g.Ints(0) }), g.Node("Unsqueeze", new[] { w, g.Ints(0) }) }, null, Attr("axis", 0L));
        var xs = g.Node("Expand", new[] { g.Node("Unsqueeze", new[] { Axis(w), g.Ints(0) }), hw });
        var ys = g.Node("Expand", new[] { g.Node("Unsqueeze", new[] { Axis(h), g.Ints(1) }), hw });
        var grid = g.Node("Concat", new[] { g.Node("Unsqueeze", new[] { xs, g.Ints(2) }), g.Node("Unsqueeze", new[] { ys, g.Ints(2) }) }, null, Attr("axis", 2L));
        return g.Node("Unsqueeze", new[] { grid, g.Ints(0) });
    }

    /// <summary>[2s/w, 2s/h]: one offset unit in normalised coordinates of an h×w map (<see cref="SamplingGrid.OffsetsToDisplacement"/>).</summary>
    private static string Unit(OnnxGraph g, string h, string w, double scale)
    {
        var hw = g.Node("Cast", new[] { g.Node("Concat", new[] { g.Node("Unsqueeze", new[] { w, g.Ints(0) }), g.Node("Unsqueeze", new[] { h, g.Ints(0) }) }, null, Attr("axis", 0L)) },
            null, Attr("to", (long)OnnxDataType.Float));
        return g.Node("Div", new[] { g.Scalar((float)(2 * scale)), hw });
    }

    private static string Downsampler(OnnxGraph g, DownsamplerBlock d, string x)
    {
        var parts = Children(d);
        var conv = Conv(g, (Conv2d)parts["conv"], x, 2, 1, 1, 1, 1);
        var pooled = g.Node("MaxPool", new[] { x }, null, Attr("kernel_shape", new long[] { 2, 2 }), Attr("strides", new long[] { 2, 2 }));
        if (d.IsFolded)
        {
            var buffers = d.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            pooled = g.Node("Add", new[] { g.Node("Mul", new[] { pooled, Channelwise(g, "pool_scale", buffers["pool_scale"]) }), Channelwise(g, "pool_shift", buffers["pool_shift"]) });
        }
        var y = g.Node("Concat", new[] { conv, pooled }, null, Attr("axis", 1L));
        if (!d.IsFolded) y = BatchNorm(g, (BatchNorm2d)parts["bn"], y);
        return PRelu(g, (PReLU)parts["act"], y);
    }

    private static string NonBottleneck(OnnxGraph g, LightweightNonBottleneck1D l, string x)
    {
        var p = Children(l);
        long d = l.Dilation;
        var y = PRelu(g, (PReLU)p["act1"], Conv(g, (Conv2d)p["conv1x1In"], x, 1, 0, 0, 1, 1));
        y = PRelu(g, (PReLU)p["act2"], Conv(g, (Conv2d)p["conv3x1"], y, 1, d, 0, d, 1));
        y = Conv(g, (Conv2d)p["conv1x3"], y, 1, 0, d, 1, d);
        if (((Conv2d)p["conv1x3"]).bias is null) y = BatchNorm(g, (BatchNorm2d)p["bn1"], y);
        y = Conv(g, (Conv2d)p["conv1x1Out"], PRelu(g, (PReLU)p["act3"], y), 1, 0, 0, 1, 1);
        if (((Conv2d)p["conv1x1Out"]).bias is null) y = BatchNorm(g, (BatchNorm2d)p["bn2"], y);
        return PRelu(g, (PReLU)p["actOut"], g.Node("Add", new[] { y, x }));
    }

    private static Dictionary<string, nn.Module> Children(nn.Module m) => m.named_children().ToDictionary(c => c.name, c => c.module);

    private static float[] Values(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float32).cpu().contiguous();
        return c.data<float>().ToArray();
    }

    private static string Conv(OnnxGraph g, Conv2d conv, string x, long stride, long padH, long padW, long dilH, long dilW, string? output = null)
    {
        var weight = conv.weight!;
        var w = g.Constant("weight", weight.shape, Values(weight));
        var inputs = conv.bias is null ? new[] { x, w } : new[] { x, w, g.Constant("bias", conv.bias.shape, Values(conv.bias)) };
        return g.Node("Conv", inputs, output,
            Attr("kernel_shape", new[] { weight.shape[2], weight.shape[3] }),
            Attr("strides", new[] { stride, stride }),
            Attr("pads", new[] { padH, padW, padH, padW }),
            Attr("dilations", new[] { dilH, dilW }));
    }

    private static string Channelwise(OnnxGraph g, string name, Tensor values) => g.Constant(name, new long[] { values.shape[0], 1, 1 }, Values(values));

    private static string PRelu(OnnxGraph g, PReLU act, string x) => g.Node("PRelu", new[] { x, Channelwise(g, "slope", act.weight!) });

    private static string BatchNorm(OnnxGraph g, BatchNorm2d bn, string x)
    {
        // Unfolded networks are folded before export; kept for completeness (a BN left in place by a caller).
        using var scale = (bn.weight! / (bn.running_var! + bn.eps).sqrt()).detach();
        using var shift = (bn.bias! - bn.running_mean! * scale).detach();
        return g.Node("Add", new[] { g.Node("Mul", new[] { x, Channelwise(g, "bn_scale", scale) }), Channelwise(g, "bn_shift", shift) });
    }
}
