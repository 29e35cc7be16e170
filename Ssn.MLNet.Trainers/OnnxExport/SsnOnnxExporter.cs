using System.Globalization;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Instances;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Transforms;
using static Ssn.MLNet.Trainers.OnnxExport.OnnxGraph;

namespace Ssn.MLNet.Trainers.OnnxExport;

/// <summary>
/// Writes a trained Spatial Sampling Network (a <see cref="SegmentationModel"/> with SSN encoder, iGUM and instance
/// head) as an ONNX model, in C# (TorchSharp has no exporter): the encoder blocks write their own nodes
/// (<see cref="IOnnxWritable"/>: BatchNorm folded (paper §6), convolutions, PReLU, max-pool, concat, the residual adds),
/// the exporter the rest from the model's public parts: tanh heads, the instance module's t sampling steps unrolled as
/// <c>GridSample</c> nodes (§4) and, optionally, iGUM (§3.1: <c>Resize</c> of the guidance, grid, <c>GridSample</c>)
/// with the class map.
/// Height and width are symbolic (any multiple of 8); the regular grids are computed in the graph.
/// </summary>
public static class SsnOnnxExporter
{
    /// <summary>Exports the network of a TorchSharp-backed transformer and wraps it as an ONNX Runtime-backed transformer
    /// (same classes, normalisation and options), which runs without libtorch.</summary>
    public static SsnOnnxTransformer ToOnnxTransformer(IHostEnvironment env, SpatialSamplingTransformer transformer, SsnOnnxSessionOptions? sessionOptions = null)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        var bytes = Export(transformer.Model, new SsnOnnxExportOptions { FullResolutionOutputs = false });
        return new SsnOnnxTransformer(env, bytes, transformer.ClassNames, transformer.Normalization, transformer.Options, sessionOptions);
    }

    /// <summary>Exports <paramref name="network"/> (stride-8 outputs only) and loads it into an ONNX Runtime predictor.</summary>
    public static SsnOnnxPredictor ToOnnxPredictor(SegmentationModel network, InstanceExtractionOptions? extraction = null,
        SsnOnnxSessionOptions? options = null, int opset = 17) =>
        new(Export(network, new SsnOnnxExportOptions { Opset = opset, FullResolutionOutputs = false }), extraction, options);

    /// <summary>Exports <paramref name="network"/> (a folded copy is made if it is not folded) to ONNX bytes.</summary>
    /// <exception cref="NotSupportedException">The network's <see cref="SsnNetworkOptions.LnbDesign"/> is a Table 3 ablation design, not <see cref="LnbDesign.Lightweight"/>.</exception>
    public static byte[] Export(SegmentationModel network, SsnOnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new SsnOnnxExportOptions();
        options.Validate();
        if (network.IsBatchNormFolded) return Build(network, options, null);
        using var folded = network.ToInferenceModel();
        return Build(folded, options, null);
    }

    /// <summary>
    /// Exports <paramref name="network"/> with its encoder's convolutions quantised to int8 as QuantizeLinear/
    /// DequantizeLinear pairs (QDQ; ONNX Runtime fuses them into integer convolutions, VNNI where available):
    /// weights symmetric per output channel, activations asymmetric uint8 with ranges calibrated (min/max) by running
    /// the fp32 model in ONNX Runtime on <paramref name="calibrationImages"/>. The heads, the instance module and iGUM
    /// stay fp32.
    /// </summary>
    /// <param name="network">The trained network.</param>
    /// <param name="calibrationImages">Normalised CHW images of <paramref name="height"/>×<paramref name="width"/> (training images).</param>
    /// <param name="height">Calibration image height (a multiple of 8).</param>
    /// <param name="width">Calibration image width (a multiple of 8).</param>
    /// <param name="options">Export options.</param>
    /// <param name="percentile">Activation ranges cover this percentile of the calibration values at each end
    /// (default 99.99: outliers do not stretch the uint8 grid); 100 = plain min/max.</param>
    /// <exception cref="NotSupportedException">The network's <see cref="SsnNetworkOptions.LnbDesign"/> is not <see cref="LnbDesign.Lightweight"/>.</exception>
    public static byte[] ExportInt8(SegmentationModel network, IReadOnlyList<float[]> calibrationImages, int height, int width,
        SsnOnnxExportOptions? options = null, double percentile = 99.99)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(calibrationImages);
        options ??= new SsnOnnxExportOptions();
        options.Validate();
        if (calibrationImages.Count == 0) throw new ArgumentException("At least one calibration image is needed.", nameof(calibrationImages));
        if (!(percentile is > 50 and <= 100)) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The calibration percentile must be in (50, 100].");
        if (height % SsnNetworkOptions.OutputStride != 0 || width % SsnNetworkOptions.OutputStride != 0)
            throw new ArgumentException($"Calibration images must have sizes that are multiples of {SsnNetworkOptions.OutputStride}; got {height}×{width}.", nameof(height));
        SegmentationModel? copy = network.IsBatchNormFolded ? null : network.ToInferenceModel();
        try
        {
            var net = copy ?? network;
            var calibration = new Quantisation();
            var model = Build(net, options with { FullResolutionOutputs = false }, calibration);
            var samples = new Dictionary<string, List<float>>();
            var extremes = new Dictionary<string, (float Min, float Max)>();
            using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model))
            {
                var names = calibration.Observed.ToArray();
                foreach (var image in calibrationImages)
                {
                    if (image.Length != 3 * height * width)
                        throw new ArgumentException($"A calibration image holds {image.Length} floats; expected 3×{height}×{width}.", nameof(calibrationImages));
                    using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(image, new long[] { 1, 3, height, width });
                    using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
                    using var outputs = session.Run(run, new[] { SsnOnnxNames.Image }, new[] { input }, names);
                    for (int i = 0; i < names.Length; i++)
                    {
                        var values = outputs[i].GetTensorDataAsSpan<float>();
                        float min = float.MaxValue, max = float.MinValue;
                        foreach (var v in values) { if (v < min) min = v; if (v > max) max = v; }
                        extremes[names[i]] = extremes.TryGetValue(names[i], out var r) ? (Math.Min(r.Min, min), Math.Max(r.Max, max)) : (min, max);
                        if (!samples.TryGetValue(names[i], out var list)) samples[names[i]] = list = new List<float>();
                        int step = Math.Max(1, values.Length / 262_144); // a regular subsample of ≤ 256 Ki values per image
                        for (int k = 0; k < values.Length; k += step) list.Add(values[k]);
                    }
                }
            }
            var ranges = new Dictionary<string, (float Min, float Max)>();
            foreach (var (name, range) in extremes)
            {
                if (percentile >= 100) { ranges[name] = range; continue; }
                var sorted = samples[name].ToArray();
                Array.Sort(sorted);
                int tail = (int)Math.Floor(sorted.Length * (100 - percentile) / 100);
                ranges[name] = (sorted[tail], sorted[sorted.Length - 1 - tail]);
            }
            return Build(net, options, new Quantisation { Ranges = ranges });
        }
        finally
        {
            copy?.Dispose();
        }
    }

    /// <summary>Exports <paramref name="network"/> to the file <paramref name="path"/> (written via a temporary file and a rename).</summary>
    public static void Export(SegmentationModel network, string path, SsnOnnxExportOptions? options = null)
    {
        var bytes = Export(network, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static byte[] Build(SegmentationModel net, SsnOnnxExportOptions options, Quantisation? quantisation)
    {
        var o = net.Options;
        if (net.Encoder is not SsnEncoder encoder || net.GuidedDecoder is not { } igum || net.InstanceGuidanceHead is not { } instanceHead || net.InstanceModule is not { } instanceModule)
            throw new NotSupportedException($"ONNX export covers the Spatial Sampling Network only (SSN encoder, iGUM, instance head); this network is {o.Architecture}/{o.Decoder}.");
        if (o.LnbDesign != LnbDesign.Lightweight)
            throw new NotSupportedException($"ONNX export supports only the Lightweight Non-bt-1D blocks; this network has {nameof(SsnNetworkOptions)}.{nameof(SsnNetworkOptions.LnbDesign)} = \"{o.LnbDesign.Name}\" (a Table 3 ablation design).");
        var g = new OnnxGraph("SpatialSamplingNetwork", options.Opset);
        var x = g.Input(SsnOnnxNames.Image, OnnxDataType.Float, "N", (long)o.InputChannels, "H", "W");
        var encoderWriter = new OnnxModuleWriter(g, quantisation);
        int block = 0;
        foreach (var m in encoder.Blocks)
        {
            x = m is IOnnxWritable writable ? writable.WriteOnnx(encoderWriter, x)
                : throw new NotSupportedException($"Encoder block {block} ({m.GetType().Name}) has no ONNX export.");
            block++;
        }
        var features = x;
        var heads = new OnnxModuleWriter(g, null); // the heads stay fp32
        var logits = heads.Conv(igum.ClassHead, features, 1, 0, 0, 1, 1, SsnOnnxNames.Logits);
        var guidance = g.Node("Tanh", new[] { heads.Conv(igum.GuidanceHead, features, 1, 0, 0, 1, 1) }, SsnOnnxNames.Guidance);
        var instanceGuidance = g.Node("Tanh", new[] { heads.Conv(instanceHead, features, 1, 0, 0, 1, 1) }, SsnOnnxNames.InstanceGuidance);

        // Instance module (§4): grid = regular + offsets·unit; centres₀ = regular; t × GridSample(bilinear, border).
        string linear = options.Opset >= 20 ? "linear" : "bilinear";
        var lowShape = g.Node("Shape", new[] { instanceGuidance });
        var (lowH, lowW) = (Dim(g, lowShape, 2), Dim(g, lowShape, 3));
        var regular = RegularGrid(g, lowH, lowW);
        var unit = Unit(g, lowH, lowW, instanceModule.OffsetScale);
        var grid = g.Node("Add", new[] { regular, g.Node("Mul", new[] { g.Node("Transpose", new[] { instanceGuidance }, null, Attr("perm", new long[] { 0, 2, 3, 1 })), unit }) });
        var centres = g.Node("Expand", new[] { g.Node("Transpose", new[] { regular }, null, Attr("perm", new long[] { 0, 3, 1, 2 })), lowShape });
        int steps = options.SamplingSteps ?? instanceModule.Steps;
        for (int i = 0; i < steps; i++)
            centres = g.Node("GridSample", new[] { centres, grid }, i == steps - 1 ? SsnOnnxNames.Centres : null,
                Attr("mode", linear), Attr("padding_mode", "border"), Attr("align_corners", 0L));

        if (quantisation is { Ranges: null })
            foreach (var name in quantisation.Observed) g.OutputUnknownShape(name);
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
            var guidanceUnit = Unit(g, lowH, lowW, igum.Upsampler.OffsetScale);
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
            [SsnOnnxNames.GuidanceOffsetScaleKey] = igum.Upsampler.OffsetScale.ToString("R", CultureInfo.InvariantCulture),
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
}
