using System.Text.Json;
using Ssn.MLNet.Samples.Bench;

namespace Ssn.MLNet.Tests.Bench;

/// <summary>
/// <c>bench</c> end to end at tiny sizes (one run per figure): every section reports, the derived figures are the ones
/// their inputs give (ratios, achieved GFLOP/s, images per second), the network is the paper's, and the JSON holds what
/// the report holds. Timings themselves are not asserted beyond being positive and finite (they belong in bench's JSON,
/// not in tests).
/// </summary>
[TestClass]
[DoNotParallelize] // seeds libtorch's process-wide generator and trains
public sealed class BenchRunnerTests
{
    [TestMethod]
    public void EverySectionReportsAndTheDerivedFiguresFollowFromTheMeasured()
    {
        var settings = new BenchSettings(Runs: 1, Warmup: 0, Sizes: [(64, 128)], TrainingSteps: 1, Threads: 2)
        {
            StageSize = (64, 128), MatmulSize = 128, TrainingSizes = [(32, 64)],
        };
        var log = new StringWriter();
        var report = new BenchRunner(settings, log).Run();

        Assert.AreEqual(1_271_011, report.Params, "the paper's network (README: 1,271,011 parameters at 19 classes)");
        CollectionAssert.AreEqual(new[] { 64, 128 }, report.StageSize);
        foreach (var backend in new[] { "torchsharp-eager", "torchsharp-folded-unfused", "torchsharp-fp32", "torchsharp-bf16", "onnxruntime-fp32", "onnxruntime-int8" })
            Assert.IsTrue(report.LatencyMs[backend]["64x128"] is > 0 and < double.PositiveInfinity, backend);
        foreach (var stage in new[] { "encoder", "heads", "instance_sampling_t30", "igum_classmap", "instance_extraction" })
            Assert.IsTrue(report.StageMs[stage] is > 0 and < double.PositiveInfinity, stage);

        // Derived figures are computed from the measured ones.
        Assert.AreEqual(Math.Round(report.ClusteringMs["mean_shift"] / report.ClusteringMs["threshold_extraction"], 1), report.ExtractionVsMeanShiftRatio);
        Assert.AreEqual(Math.Round(report.ClusteringMs["nearest_centre"] / report.ClusteringMs["threshold_extraction"], 1), report.ExtractionVsNearestCentreRatio);
        Assert.AreEqual(Math.Round(report.GFlops512x1024 / (report.StageMs["encoder"] / 1000), 1), report.AchievedGFlops["encoder"]);
        // images/s = 8 / step time; the JSON's step time is rounded to 0.1 ms, so the bound is what that rounding allows.
        double stepMs = report.TrainingStepMs["fp32"]["32x64"];
        Assert.AreEqual(8000 / stepMs, report.TrainingImagesPerSecond["fp32"]["32x64"], 8000 * 0.05 / (stepMs * (stepMs - 0.05)) + 0.005);
        Assert.IsTrue(report.MeasuredMatmulGFlops["fp32"] > 0);
        // The step's FLOPs: 3 × forward (1/4 of the network's cost at 64×128 per image) × batch 8; the bound is those FLOPs at
        // the measured matmul ceiling, the share images/s over the bound; the phases (one step: medians are its values)
        // fit in the step, and the host-to-tensor copy is reported beside them.
        Assert.AreEqual(3 * 8 * 29.1 / 256, report.TrainingGFlopPerStep["32x64"], 0.05);
        double bound = report.TrainingBoundImagesPerSecond["fp32"]["32x64"];
        Assert.AreEqual(8 * report.MeasuredMatmulGFlops["fp32"] / report.TrainingGFlopPerStep["32x64"], bound, 0.03 * bound);
        Assert.AreEqual(report.TrainingImagesPerSecond["fp32"]["32x64"] / bound, report.TrainingShareOfBound["fp32"]["32x64"], 0.01 * report.TrainingShareOfBound["fp32"]["32x64"] + 0.001);
        var phases = report.TrainingPhaseMs["fp32"]["32x64"];
        CollectionAssert.IsSubsetOf(new[] { "zero_grad", "forward", "upsample", "loss", "backward", "optimizer", "readout", "host_to_tensor" }, phases.Keys.ToArray());
        Assert.IsTrue(phases["forward"] > 0 && phases["backward"] > 0);
        Assert.IsTrue(phases.Where(p => p.Key != "host_to_tensor").Sum(p => p.Value) <= stepMs + 0.1, string.Join(", ", phases));
        Assert.IsTrue(report.TrainingPhaseMinorFaults["fp32"]["32x64"].Values.All(f => f >= 0));
        StringAssert.Contains(report.ToMarkdown(), "of the bound");
        // The network's cost at 64×128 is 1/64 of that at 512×1024 (README: 29.1 GFLOPs), as convolutions scale with pixels.
        Assert.AreEqual(29.1 / 64, report.GFlops512x1024, 0.01);

        // Instance extraction against clustering on the same synthetic scene: every method finds instances.
        Assert.IsTrue(report.ClusteringInstances["ground_truth"] > 0, "the clustering scene holds instances");
        foreach (var method in new[] { "threshold_extraction", "mean_shift", "mean_shift_bin_seeding", "nearest_centre" })
            Assert.IsTrue(report.ClusteringInstances[method] > 0, method);

        using var json = JsonDocument.Parse(report.ToJson());
        Assert.AreEqual(report.Params, json.RootElement.GetProperty("params").GetInt64());
        Assert.AreEqual(report.LatencyMs["torchsharp-fp32"]["64x128"], json.RootElement.GetProperty("latency_ms").GetProperty("torchsharp-fp32").GetProperty("64x128").GetDouble());
        StringAssert.Contains(report.ToMarkdown(), "64×128");

        // Provenance: the commit is the one the binaries were built from (the SDK writes it into the informational
        // version), i.e. this checkout's HEAD; the machine is this CPU; the load average was read at start and end.
        var provenance = json.RootElement.GetProperty("provenance");
        if (GitHead() is { } head) Assert.AreEqual(head[..7], provenance.GetProperty("commit").GetString());
        if (File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name")) is { } model)
            StringAssert.StartsWith(provenance.GetProperty("machine").GetString(), model.Split(':', 2)[1].Trim());
        if (File.Exists("/proc/loadavg"))
            Assert.IsTrue(provenance.GetProperty("loadAverageStart").GetDouble() >= 0 && provenance.GetProperty("loadAverageEnd").GetDouble() >= 0);
    }

    private static string? GitHead()
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git", "rev-parse HEAD")
            {
                WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var git = System.Diagnostics.Process.Start(start)!;
            string sha = git.StandardOutput.ReadToEnd().Trim();
            return git.WaitForExit(10_000) && git.ExitCode == 0 && sha.Length >= 7 ? sha : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git: a build from a source archive, whose commit is "unknown"
        }
    }
}
