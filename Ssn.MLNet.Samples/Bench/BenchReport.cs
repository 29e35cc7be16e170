using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Ssn.MLNet.Samples.Bench;

/// <summary>Everything <c>bench</c> measured; serialised as the JSON file and printed as markdown tables.</summary>
public sealed class BenchReport
{
    /// <summary>Median end-to-end latency, ms, per backend and size (<c>"512x1024"</c>).</summary>
    [JsonPropertyName("latency_ms")] public SortedDictionary<string, SortedDictionary<string, double>> LatencyMs { get; } = new();

    /// <summary>90th percentile of the same runs.</summary>
    [JsonPropertyName("latency_p90_ms")] public SortedDictionary<string, SortedDictionary<string, double>> LatencyP90Ms { get; } = new();

    /// <summary>Median per stage at 512×1024, ms.</summary>
    [JsonPropertyName("stage_ms")] public Dictionary<string, double> StageMs { get; } = new();

    /// <summary>Mean-shift (every thing pixel a seed) time over thresholding extraction time, same centres; both medians after warm-up.</summary>
    [JsonPropertyName("extraction_vs_meanshift_ratio")] public double ExtractionVsMeanShiftRatio { get; set; }

    /// <summary>Bin-seeded mean-shift time over thresholding extraction time (the faster, usual variant).</summary>
    [JsonPropertyName("extraction_vs_meanshift_bin_seeding_ratio")] public double ExtractionVsBinSeededMeanShiftRatio { get; set; }

    /// <summary>Nearest-centre grouping time over thresholding extraction time.</summary>
    [JsonPropertyName("extraction_vs_nearest_centre_ratio")] public double ExtractionVsNearestCentreRatio { get; set; }

    /// <summary>Grouping times, ms.</summary>
    [JsonPropertyName("clustering_ms")] public Dictionary<string, double> ClusteringMs { get; } = new();

    /// <summary>Instances found by each grouping (and the truth).</summary>
    [JsonPropertyName("clustering_instances")] public Dictionary<string, int> ClusteringInstances { get; } = new();

    /// <summary>Thing pixels clustered.</summary>
    [JsonPropertyName("clustering_thing_pixels")] public int ClusteringThingPixels { get; set; }

    /// <summary>Instance module latency per t, ms (Table 6).</summary>
    [JsonPropertyName("t_sweep_ms")] public Dictionary<string, double> TSweepMs { get; } = new();

    /// <summary>Sampling (t = 30) over encoder time.</summary>
    [JsonPropertyName("sampling_t30_over_encoder")] public double SamplingOverEncoder { get; set; }

    /// <summary>Decoder (full-resolution class map) latency on the same encoder output, ms; null = not available.</summary>
    [JsonPropertyName("decoder_ms")] public Dictionary<string, double?> DecoderMs { get; } = new();

    /// <summary>
    /// Training images per second by precision ("fp32", "bf16") and size ("256x512", "360x480"): the paper network,
    /// batch 8, the trainer's full step (forward, iGUM, both losses, backward, Adam), median after warm-up.
    /// </summary>
    [JsonPropertyName("training_images_per_s")] public SortedDictionary<string, SortedDictionary<string, double>> TrainingImagesPerSecond { get; } = new();

    /// <summary>Median training step, ms, keyed like <see cref="TrainingImagesPerSecond"/>.</summary>
    [JsonPropertyName("training_step_ms")] public SortedDictionary<string, SortedDictionary<string, double>> TrainingStepMs { get; } = new();

    /// <summary>
    /// Median milliseconds of each phase of the training step (zero_grad, forward = encoder, heads and instance sampling at
    /// stride 8, upsample = iGUM to full size, loss, backward, optimizer, readout), keyed like <see cref="TrainingImagesPerSecond"/>;
    /// host_to_tensor is the trainer loop's copy of a prepared batch into tensors before each step (not in the step's time).
    /// Timed with wall clocks between phases: on the CPU libtorch runs each operation synchronously.
    /// </summary>
    [JsonPropertyName("training_phase_ms")] public SortedDictionary<string, SortedDictionary<string, Dictionary<string, double>>> TrainingPhaseMs { get; } = new();

    /// <summary>Median minor page faults per phase of the step (fresh memory mapped and zeroed by the kernel), keyed like <see cref="TrainingPhaseMs"/>.</summary>
    [JsonPropertyName("training_phase_minor_faults")] public SortedDictionary<string, SortedDictionary<string, Dictionary<string, long>>> TrainingPhaseMinorFaults { get; } = new();

    /// <summary>Convolution GFLOP of one training step per size (batch 8): 3 × the forward pass (backward ≈ 2 × forward).</summary>
    [JsonPropertyName("training_gflop_per_step")] public SortedDictionary<string, double> TrainingGFlopPerStep { get; } = new();

    /// <summary>Images per second if the step's convolutions ran at the measured matmul ceiling of the same precision and nothing else took time.</summary>
    [JsonPropertyName("training_bound_images_per_s")] public SortedDictionary<string, SortedDictionary<string, double>> TrainingBoundImagesPerSecond { get; } = new();

    /// <summary><see cref="TrainingImagesPerSecond"/> over <see cref="TrainingBoundImagesPerSecond"/>: the share of the compute bound reached.</summary>
    [JsonPropertyName("training_share_of_bound")] public SortedDictionary<string, SortedDictionary<string, double>> TrainingShareOfBound { get; } = new();

    /// <summary>Whether this CPU has native bfloat16 instructions (without them libtorch emulates bf16 and it is slower than fp32).</summary>
    [JsonPropertyName("training_bf16_native")] public bool TrainingBf16Native { get; set; }

    /// <summary>Peak resident memory per measurement, MiB.</summary>
    [JsonPropertyName("peak_memory_mib")] public SortedDictionary<string, double> PeakMemoryMiB { get; } = new();

    /// <summary>Parameters.</summary>
    [JsonPropertyName("params")] public long Params { get; set; }

    /// <summary>Convolution GFLOPs at 3 × <see cref="StageSize"/> (512×1024 by default, hence the key's name).</summary>
    [JsonPropertyName("gflops_512x1024")] public double GFlops512x1024 { get; set; }

    /// <summary>Image size (height, width) of the stage, t-sweep, decoder and clustering measurements.</summary>
    [JsonPropertyName("stage_size")] public int[] StageSize { get; set; } = [512, 1024];

    /// <summary>Achieved GFLOP/s (network GFLOPs over the encoder time or a backend's end-to-end time).</summary>
    [JsonPropertyName("achieved_gflops_per_s")] public Dictionary<string, double> AchievedGFlops { get; } = new();

    /// <summary>This CPU's estimated fp32 peak, GFLOP/s (<see cref="CpuPeak"/> says how it is derived; the measured ceiling is <see cref="MeasuredMatmulGFlops"/>).</summary>
    [JsonPropertyName("peak_gflops")] public double PeakGFlops { get; set; }

    /// <summary>GFLOP/s of libtorch's 2048² matrix multiply (fp32, bf16): the practical ceiling on this CPU.</summary>
    [JsonPropertyName("matmul_gflops_per_s")] public Dictionary<string, double> MeasuredMatmulGFlops { get; } = new();

    /// <summary>CPU description.</summary>
    [JsonPropertyName("cpu")] public CpuPeak Cpu { get; set; } = null!;

    /// <summary>Intra-op threads.</summary>
    [JsonPropertyName("threads")] public int Threads { get; set; }

    /// <summary>Which weights were timed (bench --model) and on what input.</summary>
    [JsonPropertyName("weights")] public string Weights { get; set; } = "";

    /// <summary>Date, commit, machine, threads and the load average at the start and end (<see cref="Reporting.RunProvenance"/>).</summary>
    [JsonPropertyName("provenance")] public JsonObject Provenance { get; set; } = new();

    /// <summary>Extra results (reduced precision, quality checks).</summary>
    [JsonPropertyName("extra")] public Dictionary<string, object> Extra { get; } = new();

    internal void Latency(string backend, string size, Timing t)
    {
        if (!LatencyMs.TryGetValue(backend, out var m)) LatencyMs[backend] = m = new();
        if (!LatencyP90Ms.TryGetValue(backend, out var p)) LatencyP90Ms[backend] = p = new();
        m[size] = t.MedianMs;
        p[size] = t.P90Ms;
    }

    internal void Memory(string backend, string size, double mib) => PeakMemoryMiB[$"{backend}@{size}"] = mib;

    /// <summary>The JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never });

    /// <summary>Markdown tables of the results.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var sizes = LatencyMs.Values.SelectMany(v => v.Keys).Distinct().OrderBy(s => int.Parse(s.Split('x')[0]) * int.Parse(s.Split('x')[1])).ToList();
        sb.AppendLine($"{Provenance["machine"]} @ {Cpu.GHz} GHz, {Threads} threads, commit {Provenance["commit"]}, {Provenance["date"]}, " +
                      $"load {Provenance["loadAverageStart"]} → {Provenance["loadAverageEnd"]}; weights: {Weights}");
        sb.AppendLine();
        sb.AppendLine("End-to-end latency (image tensor → class map + instances), median / p90 ms:");
        sb.AppendLine();
        sb.AppendLine("| backend | " + string.Join(" | ", sizes) + " |");
        sb.AppendLine("| --- |" + string.Concat(sizes.Select(_ => " ---: |")));
        foreach (var (backend, m) in LatencyMs)
            sb.AppendLine($"| {backend} | " + string.Join(" | ", sizes.Select(s => m.TryGetValue(s, out var v) ? $"{v:F1} / {LatencyP90Ms[backend][s]:F1}" : "–")) + " |");
        sb.AppendLine();
        sb.AppendLine($"| stage at {StageSize[0]}×{StageSize[1]} (TorchSharp, BN folded) | ms |");
        sb.AppendLine("| --- | ---: |");
        foreach (var (k, v) in StageMs) sb.AppendLine($"| {k} | {v:F2} |");
        sb.AppendLine($"| sampling t = 30 / encoder | {SamplingOverEncoder:P1} |");
        sb.AppendLine();
        sb.AppendLine($"| grouping on the same centres ({ClusteringThingPixels:N0} thing pixels) | ms | instances | × thresholding |");
        sb.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var (k, v) in ClusteringMs)
            sb.AppendLine($"| {k} | {v:F2} | {ClusteringInstances.GetValueOrDefault(k)} | {v / ClusteringMs["threshold_extraction"]:F1} |");
        sb.AppendLine($"| (ground truth) | | {ClusteringInstances.GetValueOrDefault("ground_truth")} | |");
        sb.AppendLine();
        sb.AppendLine("| t (Table 6) | " + string.Join(" | ", TSweepMs.Keys) + " |");
        sb.AppendLine("| --- |" + string.Concat(TSweepMs.Keys.Select(_ => " ---: |")));
        sb.AppendLine("| sampling module, ms | " + string.Join(" | ", TSweepMs.Values.Select(v => v.ToString("F2", CultureInfo.InvariantCulture))) + " |");
        sb.AppendLine();
        sb.AppendLine($"| decoder on the same encoder, {StageSize[0]}×{StageSize[1]} | ms |");
        sb.AppendLine("| --- | ---: |");
        foreach (var (k, v) in DecoderMs) sb.AppendLine($"| {k} | {(v is null ? "n/a" : v.Value.ToString("F2", CultureInfo.InvariantCulture))} |");
        sb.AppendLine();
        sb.AppendLine("Training (paper network, batch 8, full step), images/s: " + string.Join("; ", TrainingImagesPerSecond.Select(p =>
            $"{p.Key} " + string.Join(", ", p.Value.Select(v => $"{v.Key} {v.Value}" +
                (TrainingShareOfBound.GetValueOrDefault(p.Key)?.TryGetValue(v.Key, out var share) == true ? $" ({share:P0} of the bound)" : ""))))) +
            $" (native bf16: {(TrainingBf16Native ? "yes" : "no")}).");
        foreach (var (precision, sizesMs) in TrainingPhaseMs)
            foreach (var (size, phases) in sizesMs)
                sb.AppendLine($"Training step {precision} {size}, median ms per phase: " + string.Join(", ", phases.Select(p => $"{p.Key} {p.Value:F1}")) + ".");
        double ceiling = MeasuredMatmulGFlops.GetValueOrDefault("fp32", double.NaN);
        sb.AppendLine("Measured ceiling, libtorch 2048² matmul: " + string.Join(", ", MeasuredMatmulGFlops.Select(m => $"{m.Key} {m.Value} GFLOP/s")) + ".");
        sb.AppendLine($"Parameters {Params:N0}; {GFlops512x1024} GFLOPs at 3×{StageSize[0]}×{StageSize[1]}; achieved (share of the fp32 matmul ceiling): " +
                      string.Join(", ", AchievedGFlops.Select(a => $"{a.Key} {a.Value} GFLOP/s ({a.Value / ceiling:P0})")) + ".");
        sb.AppendLine($"Estimated fp32 peak {PeakGFlops} GFLOP/s = {Cpu.Cores} physical cores ({Cpu.LogicalProcessors} logical) × {Cpu.GHz} GHz " +
                      $"[{Cpu.ClockSource}] × {Cpu.Lanes} lanes × 2 × {Cpu.FmaPipes} FMA pipes (assumed); bf16 {Cpu.PeakGFlopsBf16}.");
        sb.AppendLine("Peak memory (MiB): " + string.Join(", ", PeakMemoryMiB.Select(p => $"{p.Key} {p.Value}")) + ".");
        foreach (var (k, v) in Extra) sb.AppendLine($"{k}: {JsonSerializer.Serialize(v)}");
        return sb.ToString();
    }
}
