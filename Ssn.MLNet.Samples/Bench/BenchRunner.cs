using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Instances;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Inference;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Trainers.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Samples.Bench;

/// <summary>Settings of one bench run.</summary>
/// <param name="Runs">Timed runs per measurement (the 1024×2048 size uses half, at least 3).</param>
/// <param name="Warmup">Untimed warm-up runs per measurement.</param>
/// <param name="Sizes">Input sizes (height, width) for the end-to-end latencies.</param>
/// <param name="TrainingSteps">Timed training steps.</param>
/// <param name="Threads">Intra-op threads for libtorch and ONNX Runtime (0: one per core).</param>
/// <param name="QualityEpochs">When positive (and <see cref="QualityData"/> is not set), train this many epochs on synthetic scenes and measure each backend's accuracy (slow).</param>
/// <param name="ModelPath">A trained model to time (and, with <see cref="QualityData"/>, to score) instead of random weights.</param>
public sealed record BenchSettings(int Runs, int Warmup, IReadOnlyList<(int H, int W)> Sizes, int TrainingSteps, int Threads, int QualityEpochs = 0,
    string? ModelPath = null)
{
    /// <summary>Labelled images on which the trained model's backends are scored (needs <see cref="ModelPath"/>); int8 is calibrated on the dataset's <c>train</c> split.</summary>
    public Jobs.DatasetSpec? QualityData { get; init; }

    /// <summary>Image size of the stage, t-sweep, decoder and clustering measurements (the paper's 512×1024; tests use a tiny one).</summary>
    public (int H, int W) StageSize { get; init; } = (512, 1024);

    /// <summary>Side of the square matrices of the compute-ceiling probe (2048).</summary>
    public int MatmulSize { get; init; } = 2048;

    /// <summary>Image sizes of the training-throughput measurement (batch 8).</summary>
    public IReadOnlyList<(int H, int W)> TrainingSizes { get; init; } = [(256, 512), (360, 480)];
}

/// <summary>
/// The measurements of <c>bench</c>, all in this process so that ratios are fair: end-to-end latency per backend and
/// size, stages at 512×1024, extraction against clustering, the t sweep (paper Table 6), decoders (Tables 1/2),
/// training throughput, memory, parameters and FLOPs against this CPU's peak.
/// </summary>
public sealed class BenchRunner
{
    private static readonly int[] Steps = { 3, 5, 10, 20, 30, 40 };
    private readonly BenchSettings settings;
    private readonly TextWriter log;
    private readonly InstanceExtractionOptions extraction = new();

    /// <summary>Creates a runner writing progress to <paramref name="log"/>.</summary>
    public BenchRunner(BenchSettings settings, TextWriter log)
    {
        this.settings = settings;
        this.log = log;
        (StageH, StageW) = settings.StageSize;
    }

    private int StageH { get; }

    private int StageW { get; }

    private Timing Time(string what, Action action, int? runs = null, int? warmup = null)
    {
        var t = Timing.Measure(action, warmup ?? settings.Warmup, runs ?? settings.Runs);
        log.WriteLine($"  {what}: median {t.MedianMs:F1} ms, p90 {t.P90Ms:F1} ms ({t.Runs} runs)");
        return t;
    }

    /// <summary>Runs everything and returns the report.</summary>
    public BenchReport Run()
    {
        TorchRuntime.EnsureLoaded();
        int threads = settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount;
        set_num_threads(threads);
        double? loadAtStart = Reporting.RunProvenance.LoadAverage();
        var report = new BenchReport { Threads = threads, Cpu = CpuPeak.Detect(), StageSize = [StageH, StageW] };
        report.PeakGFlops = report.Cpu.PeakGFlops;
        log.WriteLine($"CPU: {report.Cpu.Model}, {report.Cpu.Cores} physical cores ({report.Cpu.LogicalProcessors} logical) at {report.Cpu.GHz} GHz ({report.Cpu.ClockSource}), " +
                      $"{report.Cpu.Lanes} fp32 lanes → estimated peak {report.PeakGFlops} GFLOP/s; threads {threads}; load {loadAtStart}");

        manual_seed(1);
        // A trained model (--model) predicts instances as deployed models do, on street scenes rather than noise; the
        // default network has random weights (the paper's architecture) and is timed on random images.
        using var model = settings.ModelPath is null ? null
            : MLNetInterop.SsnModelFile.LoadTransformer<Trainers.Transforms.SpatialSamplingTransformer>(new Microsoft.ML.MLContext(1), settings.ModelPath, out _);
        var trained = model is null ? BenchNetwork() : model.Model.HasInstanceHead ? model.Model : throw new ArgumentException(
            $"--model '{settings.ModelPath}' holds a {model.Model.Options.Architecture}/{model.Model.Options.Decoder} baseline; bench times the Spatial Sampling Network.");
        using var randomNetwork = model is null ? trained : null;
        trained.eval();
        int classes = trained.Options.NumClasses;
        report.Weights = model is null ? "random (paper network), random input images" : $"trained: {Path.GetFullPath(settings.ModelPath!)}, synthetic street scenes as input";
        var complexity = ModelComplexity.Measure(trained, StageH, StageW);
        report.Params = complexity.Parameters;
        report.GFlops512x1024 = Math.Round(complexity.GFlops, 2);
        using var folded = trained.ToInferenceModel();
        var session = new SsnOnnxSessionOptions { IntraOpThreads = settings.Threads };
        using var onnx = SsnOnnxExporter.ToOnnxPredictor(trained, extraction, session);
        log.WriteLine("calibrating the int8 model on 4 synthetic training images (512×1024)…");
        var calibration = SyntheticImages("train", 4, StageH, StageW, seed: 21);
        using var onnxInt8 = new SsnOnnxPredictor(SsnOnnxExporter.ExportInt8(trained, calibration, StageH, StageW,
            new SsnOnnxExportOptions { FullResolutionOutputs = false }), extraction, session);

        // 1. End-to-end latency: image tensor in → class map + instances out.
        foreach (var (h, w) in settings.Sizes)
        {
            string size = $"{h}x{w}";
            bool large = h * w > 1_000_000;
            int runs = large ? Math.Max(3, settings.Runs / 2) : settings.Runs;
            log.WriteLine($"end-to-end {size}:");
            manual_seed(2);
            using var image = model is null ? randn(1, 3, h, w) : tensor(SyntheticImages("val", 1, h, w, seed: 5)[0], new long[] { 1, 3, h, w });
            var data = image.data<float>().ToArray();
            using var predictor = new SegmentationPredictor(trained, extraction);
            using var bf16 = new SegmentationPredictor(trained, extraction, InferencePrecision.BFloat16);
            Record(report, "torchsharp-eager", size, () => Eager(trained, image), runs);
            Record(report, "torchsharp-folded-unfused", size, () => Eager(folded, image), runs);
            Record(report, "torchsharp-fp32", size, () => predictor.Predict(image), runs);
            Record(report, "torchsharp-bf16", size, () => bf16.Predict(image), runs);
            Record(report, "onnxruntime-fp32", size, () => onnx.Predict(data, 1, h, w), runs);
            Record(report, "onnxruntime-int8", size, () => onnxInt8.Predict(data, 1, h, w), runs);
        }

        // 2. Stages at 512×1024 (BN-folded TorchSharp network).
        log.WriteLine($"stages at {StageH}x{StageW}:");
        manual_seed(2);
        using (var scope = NewDisposeScope())
        using (inference_mode())
        using (var fp32Predictor = new SegmentationPredictor(trained, extraction))
        using (var bf16Predictor = new SegmentationPredictor(trained, extraction, InferencePrecision.BFloat16))
        {
            var image = randn(1, 3, StageH, StageW);
            var features = folded.Encoder.call(image);
            var output = folded.ForwardHeads(image);
            // The encoders as the predictors run them: channels-last, fp32 and bf16.
            var imageCl = image.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            var imageBf16 = imageCl.to(ScalarType.BFloat16);
            report.StageMs["encoder"] = Time("encoder (fp32, channels-last)", () => { using var _ = fp32Predictor.Model.Encoder.call(imageCl); }).MedianMs;
            report.StageMs["encoder_bf16"] = Time("encoder (bf16, channels-last)", () => { using var _ = bf16Predictor.Model.Encoder.call(imageBf16); }).MedianMs;
            report.StageMs["encoder_nchw"] = Time("encoder (fp32, NCHW)", () => { using var _ = folded.Encoder.call(image); }).MedianMs;
            report.StageMs["heads"] = Time("1×1 heads + tanh", () =>
            {
                using var s = NewDisposeScope();
                folded.GuidedDecoder!.ClassHead.call(features); tanh(folded.GuidedDecoder.GuidanceHead.call(features)); tanh(folded.InstanceGuidanceHead!.call(features));
            }).MedianMs;
            var sampling = Time("instance sampling t = 30", () => { using var _ = folded.InstanceModule!.forward(output.InstanceGuidance!, 30); });
            report.StageMs["instance_sampling_t30"] = sampling.MedianMs;
            var logits = output.Logits.contiguous().data<float>().ToArray();
            var guidance = output.Guidance.contiguous().data<float>().ToArray();
            var centres = output.Centres!.contiguous().data<float>().ToArray();
            int lh = StageH / 8, lw = StageW / 8;
            DenseMaps maps = null!;
            report.StageMs["igum_classmap"] = Time("iGUM + class map + centres (fused C#)", () =>
                maps = GuidedClassMap.Compute(logits, guidance, centres, classes, lh, lw, StageH, StageW, StageH, StageW, 1.0, false)).MedianMs;
            report.StageMs["instance_extraction"] = Time("instance extraction", () =>
                InstanceExtractor.Extract(maps.CentreX, maps.CentreY, maps.Labels, maps.Confidence, StageW, StageH, extraction)).MedianMs;

            // 5. Decoders on the same encoder output: iGUM (fused, and tensor by tensor) against plain bilinear upsampling.
            report.DecoderMs["igum_fused"] = report.StageMs["igum_classmap"];
            report.DecoderMs["igum_tensor"] = Time("iGUM tensor by tensor (grid, grid_sample of 19 channels, softmax, max)", () =>
            {
                using var s = NewDisposeScope();
                softmax(folded.Decode(output with { Centres = null }, GridSampleMode.Nearest).Logits, 1).max(1);
            }).MedianMs;
            report.DecoderMs["bilinear_tensor"] = Time("plain bilinear upsampling (interpolate, softmax, max)", () =>
            {
                using var s = NewDisposeScope();
                softmax(interpolate(output.Logits, new long[] { StageH, StageW }, mode: InterpolationMode.Bilinear, align_corners: false), 1).max(1);
            }).MedianMs;
            var zero = new float[guidance.Length];
            report.DecoderMs["bilinear_fused"] = Time("plain bilinear upsampling (fused C#, zero guidance)", () =>
                GuidedClassMap.Compute(logits, zero, default, classes, lh, lw, StageH, StageW, StageH, StageW, 1.0, false)).MedianMs;
            // ERFNet's own decoder (3 deconvolutions + 4 non-bt-1D, Romera et al.) on the same 128-channel features, to the
            // same full-resolution class map; its BatchNorms are not folded (the baselines cannot fold yet).
            using (var erfnet = new ErfnetDecoder(folded.Encoder.OutputChannels, classes))
            {
                erfnet.eval();
                foreach (var p in erfnet.parameters()) p.requires_grad = false;
                var encoded = new EncoderOutput(features);
                report.DecoderMs["erfnet_deconv"] = Time("ERFNet decoder (deconvolutions + non-bt-1D) + softmax, max", () =>
                {
                    using var s = NewDisposeScope();
                    softmax(erfnet.Decode(encoded, StageH, StageW), 1).max(1);
                }).MedianMs;
            }

            // 4. t sweep (Table 6).
            log.WriteLine("t sweep (instance sampling module at 1/8 of 512×1024):");
            foreach (int t in Steps)
                report.TSweepMs[t.ToString()] = Time($"t = {t}", () => { using var _ = folded.InstanceModule!.forward(output.InstanceGuidance!, t); }).MedianMs;
            report.SamplingOverEncoder = Math.Round(report.StageMs["instance_sampling_t30"] / report.StageMs["encoder"], 3);
            output.Dispose();
        }
        report.AchievedGFlops["encoder"] = Math.Round(report.GFlops512x1024 / (report.StageMs["encoder"] / 1000), 1);
        report.AchievedGFlops["encoder_bf16"] = Math.Round(report.GFlops512x1024 / (report.StageMs["encoder_bf16"] / 1000), 1);
        foreach (var (backend, sizes) in report.LatencyMs)
            if (sizes.TryGetValue($"{StageH}x{StageW}", out var ms)) report.AchievedGFlops[backend] = Math.Round(report.GFlops512x1024 / (ms / 1000), 1);

        // A practical compute ceiling: libtorch's own matrix multiply (2048², fp32 and bf16) on this CPU.
        using (inference_mode())
        {
            int n = settings.MatmulSize;
            double flops = 2.0 * n * n * n;
            foreach (var (name, type) in new[] { ("fp32", ScalarType.Float32), ("bf16", ScalarType.BFloat16) })
            {
                using var a = randn(n, n).to(type);
                using var b = randn(n, n).to(type);
                // Without native bf16 one emulated 2048² product takes about a minute: time it once, without warm-up.
                bool emulated = type == ScalarType.BFloat16 && !TrainingPrecisions.CpuHasNativeBFloat16;
                var t = emulated ? Time($"matmul {n}² {name} (emulated)", () => { using var _ = a.mm(b); }, runs: 1, warmup: 0)
                    : Time($"matmul {n}² {name}", () => { using var _ = a.mm(b); });
                report.MeasuredMatmulGFlops[name] = Math.Round(flops / (t.MedianMs / 1000) / 1e9, 1);
            }
        }

        // 3. Extraction against clustering on the same predicted centres.
        Clustering(report);

        // 6. Training throughput.
        Training(report);

        // 7. Optional: accuracy of the reduced-precision backends, on the trained model's data or after a short synthetic training.
        if (settings.QualityData is { } qualityData && model is not null)
        {
            var ml = new Microsoft.ML.MLContext(1);
            var quality = QualityCheck.Run(model, qualityData.Open(ml), qualityData.WithSplit("train").Open(ml), log);
            quality["weights"] = Path.GetFullPath(settings.ModelPath!);
            quality["data"] = $"{qualityData.Format.ToString().ToLowerInvariant()} {qualityData.Root ?? qualityData.Images} ({qualityData.Split})";
            report.Extra["quality"] = quality;
        }
        else if (settings.QualityEpochs > 0) report.Extra["quality"] = QualityCheck.Run(settings.QualityEpochs, threads, log);
        report.Provenance = Reporting.RunProvenance.ToJson(loadAtStart);
        return report;
    }

    /// <summary>ImageNet-normalised CHW synthetic Cityscapes images.</summary>
    internal static List<float[]> SyntheticImages(string split, int count, int height, int width, int seed)
    {
        var generator = new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = width, Height = height, TrainCount = count, ValCount = count, Seed = seed });
        var normalization = Transforms.ImageNormalization.ImageNet;
        return Enumerable.Range(0, count).Select(i =>
        {
            var chw = new float[3 * height * width];
            normalization.ToChw(generator.Render(split, i).Image, chw);
            return chw;
        }).ToList();
    }

    private void Record(BenchReport report, string backend, string size, Action action, int runs)
    {
        // Peak resident memory of this measurement: start from a collected heap so earlier garbage does not count.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        PeakMemory.Reset();
        var t = Time(backend, action, runs);
        report.Latency(backend, size, t);
        if (PeakMemory.PeakMiB() is double mib) report.Memory(backend, size, mib);
    }

    /// <summary>The paper's network with random weights and non-zero guidance heads (timings do not depend on training).</summary>
    private static SegmentationModel BenchNetwork()
    {
        var network = SegmentationModels.Create();
        using (no_grad())
            foreach (var head in new[] { network.GuidedDecoder!.GuidanceHead, network.InstanceGuidanceHead! })
                head.weight!.copy_(randn_like(head.weight) * 0.05);
        network.eval();
        return network;
    }

    /// <summary>The straightforward path: the model's forward (iGUM grid_sample of all classes, nearest centres), softmax, max, extraction.</summary>
    private SsnPrediction Eager(SegmentationModel network, Tensor image)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        using var output = network.forward(image);
        var (confidence, labels) = softmax(output.Logits, 1).max(1);
        var centres = output.Centres!.contiguous();
        int h = (int)image.shape[2], w = (int)image.shape[3], n = h * w;
        var l = labels.to(ScalarType.Byte).data<byte>().ToArray();
        var c = confidence.contiguous().data<float>().ToArray();
        var xy = centres.data<float>().ToArray();
        var instances = InstanceExtractor.Extract(xy.AsSpan(0, n), xy.AsSpan(n, n), l, c, w, h, extraction);
        return new SsnPrediction(w, h, l, c, instances);
    }

    private void Clustering(BenchReport report)
    {
        // A Cityscapes-like scene at 512×1024 with predicted centres = the true instance centres + N(0, 1.5 px) noise,
        // i.e. what a trained instance module outputs; labels are the true ones.
        log.WriteLine("instance extraction vs clustering (synthetic 512×1024 scene, true centres + 1.5 px noise):");
        // The scene with the most instance pixels among the first eight validation scenes.
        var generator = new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = StageW, Height = StageH, TrainCount = 1, ValCount = 8, Seed = 11 });
        var scene = Enumerable.Range(0, 8).Select(i => generator.Render("val", i)).MaxBy(s => s.InstanceIds.Data.Count(id => id >= 1000))!;
        int n = StageW * StageH;
        var labels = scene.LabelIds.Data.Select(id => CityscapesLabels.LabelIdToTrainId[id]).ToArray();
        var cx = new float[n];
        var cy = new float[n];
        var mask = new bool[n];
        InstanceCentres.Compute(scene.InstanceIds.Data, StageW, StageH, cx, cy, mask);
        var rng = new Random(5);
        double Noise() => 1.5 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var thing = new HashSet<int>(extraction.ThingClasses);
        var px = new List<float>();
        var py = new List<float>();
        for (int i = 0; i < n; i++)
        {
            double x = mask[i] ? SamplingCoordinates.ToPixel(cx[i], StageW) : i % StageW, y = mask[i] ? SamplingCoordinates.ToPixel(cy[i], StageH) : i / StageW;
            x += Noise();
            y += Noise();
            cx[i] = (float)SamplingCoordinates.ToNormalized(x, StageW);
            cy[i] = (float)SamplingCoordinates.ToNormalized(y, StageH);
            if (thing.Contains(labels[i])) { px.Add((float)x); py.Add((float)y); }
        }
        var xs = px.ToArray();
        var ys = py.ToArray();
        int truth = scene.InstanceIds.Data.Where(id => id >= 1000).Distinct().Count();
        InstanceExtractionResult result = null!;
        var threshold = Time("thresholding (InstanceExtractor)", () => result = InstanceExtractor.Extract(cx, cy, labels, ReadOnlySpan<float>.Empty, StageW, StageH, extraction));
        int meanShiftCount = 0, nearestCount = 0;
        // Timed like everything else (one warm-up, median of 3: it takes seconds per run); single-threaded, like the thresholding.
        var meanShift = Time("mean-shift (bandwidth 8 px, every pixel a seed)", () => meanShiftCount = ClusteringBaselines.MeanShift(xs, ys, 8).Count, 3, 1);
        int binnedCount = 0;
        var binned = Time("mean-shift (bandwidth 8 px, bin seeding)", () => binnedCount = ClusteringBaselines.MeanShift(xs, ys, 8, binSeeding: true).Count, Math.Max(3, settings.Runs / 3));
        report.ClusteringMs["mean_shift_bin_seeding"] = binned.MedianMs;
        report.ClusteringInstances["mean_shift_bin_seeding"] = binnedCount;
        var nearest = Time("nearest-centre grouping (Panoptic-DeepLab)", () => nearestCount = ClusteringBaselines.NearestCentre(xs, ys, StageW, StageH).Count, Math.Max(3, settings.Runs / 3));
        report.ClusteringMs["threshold_extraction"] = threshold.MedianMs;
        report.ClusteringMs["mean_shift"] = meanShift.MedianMs;
        report.ClusteringMs["nearest_centre"] = nearest.MedianMs;
        report.ClusteringInstances["ground_truth"] = truth;
        report.ClusteringInstances["threshold_extraction"] = result.Instances.Count;
        report.ClusteringInstances["mean_shift"] = meanShiftCount;
        report.ClusteringInstances["nearest_centre"] = nearestCount;
        report.ClusteringThingPixels = xs.Length;
        report.ExtractionVsMeanShiftRatio = Math.Round(meanShift.MedianMs / threshold.MedianMs, 1);
        report.ExtractionVsBinSeededMeanShiftRatio = Math.Round(binned.MedianMs / threshold.MedianMs, 1);
        report.ExtractionVsNearestCentreRatio = Math.Round(nearest.MedianMs / threshold.MedianMs, 1);
        log.WriteLine($"  instances: truth {truth}, thresholding {result.Instances.Count} (≥ {extraction.MinArea} px), mean-shift {meanShiftCount}, nearest-centre {nearestCount}; {xs.Length} thing pixels");
    }

    private static TValue Entry<TValue>(SortedDictionary<string, TValue> map, string key) where TValue : new() =>
        map.TryGetValue(key, out var value) ? value : map[key] = new();

    /// <summary>The JSON name of a phase: <c>ZeroGrad</c> → <c>zero_grad</c>.</summary>
    private static string PhaseName(TrainingPhase phase) =>
        string.Concat(phase.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>Training throughput through the trainer's own step (<see cref="TrainingThroughput"/>) per precision and size.</summary>
    private void Training(BenchReport report)
    {
        const int batch = 8;
        report.TrainingBf16Native = TrainingPrecisions.CpuHasNativeBFloat16;
        log.WriteLine($"training throughput (paper network, batch {batch}, trainer step; native bf16: {report.TrainingBf16Native}):");
        // "fp32-2-replicas": the same fp32 step with SpatialSamplingTrainerOptions.Replicas = 2 (one thread each here).
        var rows = new[] { (TrainingPrecision.Float32, 1, "fp32"), (TrainingPrecision.Float32, 2, "fp32-2-replicas"), (TrainingPrecision.BFloat16, 1, "bf16") };
        foreach (var (precision, replicas, key) in rows.Where(r => r.Item2 <= Math.Max(1, report.Threads)))
            foreach (var (h, w) in settings.TrainingSizes)
            {
                if (precision == TrainingPrecision.BFloat16 && !report.TrainingBf16Native)
                {
                    // Emulated bf16 runs for minutes a step here (2026-11-26: a 2048² bf16 matmul took 56 s against 0.14 s in
                    // fp32), which measures nothing a user would choose; the JSON says why the entry is missing.
                    log.WriteLine($"  {key} {h}x{w}: skipped, this CPU has no native bf16 (training_bf16_native false)");
                    continue;
                }
                var options = new SpatialSamplingTrainerOptions { Precision = precision, Replicas = replicas, Seed = 3, NumberOfThreads = report.Threads };
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                PeakMemory.Reset();
                var profile = TrainingThroughput.MeasurePhases(options, 19, batch, h, w, warmup: 1, steps: settings.TrainingSteps);
                var step = Timing.Of(profile.StepMs);
                double median = step.MedianMs;
                string size = $"{h}x{w}";
                double imagesPerSecond = Math.Round(batch / (median / 1000), 2);
                Entry(report.TrainingImagesPerSecond, key)[size] = imagesPerSecond;
                Entry(report.TrainingStepMs, key)[size] = Math.Round(median, 1);
                if (PeakMemory.PeakMiB() is double mib) report.PeakMemoryMiB[$"training_{key}_{size}_b{batch}"] = mib;
                // Per phase: medians over the same steps (they need not add up exactly to the median step).
                var phaseMs = profile.PhaseMs.ToDictionary(p => PhaseName(p.Key), p => Timing.Of(p.Value).MedianMs);
                phaseMs["host_to_tensor"] = Timing.Of(profile.HostToTensorMs).MedianMs;
                Entry(report.TrainingPhaseMs, key)[size] = phaseMs;
                Entry(report.TrainingPhaseMinorFaults, key)[size] = profile.PhaseMinorFaults.ToDictionary(p => PhaseName(p.Key), p => (long)Timing.Of(p.Value.Select(v => (double)v).ToArray()).MedianMs);
                report.TrainingGFlopPerStep[size] = Math.Round(profile.StepGFlop, 1);
                log.WriteLine($"  {key} {size}: step median {median:F0} ms ({step.Runs} steps) → {imagesPerSecond} images/s; " +
                              "phases (ms): " + string.Join(", ", phaseMs.Select(p => $"{p.Key} {p.Value:F0}")));
                // The compute bound: the step's convolution FLOPs at libtorch's measured matmul rate of the same precision.
                if (report.MeasuredMatmulGFlops.TryGetValue(key.Split('-')[0], out double ceiling) && ceiling > 0)
                {
                    double bound = profile.BoundImagesPerSecond(ceiling);
                    Entry(report.TrainingBoundImagesPerSecond, key)[size] = Math.Round(bound, 2);
                    Entry(report.TrainingShareOfBound, key)[size] = Math.Round(imagesPerSecond / bound, 3);
                    log.WriteLine($"  {key} {size}: {profile.StepGFlop:F0} GFLOP per step, bound {bound:F2} images/s at {ceiling} GFLOP/s → {imagesPerSecond / bound:P0} of the bound");
                }
            }
    }
}
