using System.Diagnostics;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>
/// Table 5: the instance regression loss — L2 (Eq. 2, the paper's choice), L1 and Smooth L1 — each training the
/// same Spatial Sampling Network (semantic + instance) and reporting mIoU, AP and AP50.
/// </summary>
internal sealed class Table5InstanceLoss : AblationTable
{
    private static readonly (string Key, InstanceLossKind Loss, string Name)[] Variants =
    {
        ("l2", InstanceLossKind.L2, "L2"),
        ("l1", InstanceLossKind.L1, "L1"),
        ("smoothl1", InstanceLossKind.SmoothL1, "Smooth L1"),
    };

    public override int Number => 5;

    public override double DefaultBudgetMinutes => 12;

    // Measured 2026-11-24 on the project's 2-core CPU while another engineer's training job ran (load average 4–5):
    // one epoch of the three rows 27.5 s (9.0–9.4 s each), evaluation + start ~5 s. 2.8 epochs/min: 34 epochs at the
    // default 12 min ≈ 16 min shared, about half that idle.
    public override double EpochsPerMinute => 2.8;

    public override IReadOnlyList<string> RowKeys { get; } = Variants.Select(v => v.Key).ToArray();

    public override async Task<AblationReport> RunAsync(AblationRun run, IReadOnlyList<string> rows)
    {
        var total = Stopwatch.StartNew();
        var network = run.Network(NetworkPreset.Small);
        var report = new AblationReport
        {
            Table = Number,
            Title = "Instance loss: L2 vs L1 vs Smooth L1 (paper Table 5).",
            Caption = "mIoU (19 classes, Cityscapes pixel protocol) and AP / AP50 (official Cityscapes instance protocol) on the val split, in %. " +
                      "Every row trains the whole network (semantic + instance) and differs only in the instance regression loss. " +
                      run.TrainingDescription(Describe(network)),
            Columns = new AblationColumn[]
            {
                new("loss", "Loss function", ColumnFormat.Text),
                new("meanIoU", "mIoU", ColumnFormat.Percent),
                new("ap", "AP", ColumnFormat.Percent),
                new("ap50", "AP50%", ColumnFormat.Percent),
            },
        };
        foreach (var (key, loss, name) in Variants.Where(v => rows.Contains(v.Key)))
        {
            var options = run.Recipe(network);
            options.InstanceLoss = loss;
            using var model = await run.TrainAsync(name, options);
            var m = run.Evaluate(model, instances: true);
            report.Rows.Add(new Dictionary<string, object?>
            {
                ["key"] = key,
                ["loss"] = name,
                ["meanIoU"] = m.Semantic.MeanIoU,
                ["ap"] = m.Instances?.AP,
                ["ap50"] = m.Instances?.AP50,
                ["ap75"] = m.Instances?.AP75,
                ["boundaryMeanIoU"] = m.Boundary.MeanIoU,
                ["pixelAccuracy"] = m.Semantic.PixelAccuracy,
                ["trainSeconds"] = run.TrainSeconds[^1].Seconds,
            });
        }
        report.Facts["network"] = Describe(network);
        run.AddFacts(report, total);
        return report;
    }

    /// <summary>A short description of an SSN architecture.</summary>
    internal static string Describe(SsnNetworkOptions n, bool withSteps = true) =>
        $"Spatial Sampling Network {n.StemChannels}/{n.MiddleChannels}/{n.DeepChannels} channels, {n.MiddleBlocks} + {n.DeepDilations.Count} blocks" +
        (withSteps ? $", t = {n.SamplingSteps}" : "");
}
