using System.Diagnostics;
using Spectre.Console;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>
/// Table 3: the design steps from ERFNet's Non-bt-1D block to the Lightweight Non-bt-1D module (Conv 1x1, No Bias,
/// PReLU, the three together, + Moved 1x1). Each row trains the SSN encoder built from that block with iGUM
/// (semantic only, as the paper's encoder ablation) and reports mIoU and the FPS of encoder + iGUM.
/// </summary>
internal sealed class Table3LnbDesign : AblationTable
{
    private static readonly (string Key, LnbDesign Design)[] Variants =
        new[] { "nonbt1d", "conv1x1", "nobias", "prelu", "all3", "lightweight" }.Zip(LnbDesign.TableRows).ToArray();

    public override int Number => 3;

    public override double DefaultBudgetMinutes => 15;

    // Measured 2026-11-24 on the project's 2-core CPU while another engineer's training job ran (load average 4–5):
    // one epoch of all six rows 53 s (8.2–9.6 s each; Non-bt-1D and +PReLU the slowest), evaluation + timings at both
    // sizes + start 35 s. 1.4 epochs/min: 21 epochs at the default 15 min ≈ 19 min shared, about half that idle.
    public override double EpochsPerMinute => 1.4;

    public override IReadOnlyList<string> RowKeys { get; } = Variants.Select(v => v.Key).ToArray();

    public override async Task<AblationReport> RunAsync(AblationRun run, IReadOnlyList<string> rows)
    {
        var total = Stopwatch.StartNew();
        var network = run.Network(NetworkPreset.Small);
        var paper = NetworkPresets.Get(NetworkPreset.Paper, run.Train.ClassNames.Count) with { MiddleDropout = 0, DeepDropout = 0 };
        var report = new AblationReport
        {
            Table = Number,
            Title = "Design steps of the Lightweight Non-bottleneck-1D module (paper Table 3, without pretraining).",
            Caption = "mIoU (Cityscapes pixel protocol, val split, in %) of the SSN encoder built from each block design, with iGUM, trained for semantic segmentation only " +
                      "(cross-entropy; the paper's encoder ablation), and speed of encoder + iGUM: **FPS** = 1000 / ms of one forward pass (image → full-resolution class logits) " +
                      $"of the trained network ({network.StemChannels}/{network.MiddleChannels}/{network.DeepChannels} channels, {network.MiddleBlocks} + {network.DeepDilations.Count} blocks), " +
                      "and **FPS paper size** the same for a freshly built network of the paper's widths (16/64/128, 5 + 8 blocks, what the paper's FPS column measures); eval mode, no_grad, BatchNorm unfolded in every row. " +
                      run.TimingDescription + " " + run.TrainingDescription(Table5InstanceLoss.Describe(network, withSteps: false)),
            Columns = new AblationColumn[]
            {
                new("module", "Module Name", ColumnFormat.Text),
                new("conv1x1", "Conv 1x1", ColumnFormat.Check),
                new("noBias", "No Bias", ColumnFormat.Check),
                new("prelu", "PReLU", ColumnFormat.Check),
                new("moved1x1", "Moved 1x1", ColumnFormat.Check),
                new("meanIoU", "mIoU%", ColumnFormat.Percent),
                new("fps", "FPS", ColumnFormat.Number1),
                new("fpsPaperSize", "FPS paper size", ColumnFormat.Number1),
            },
        };
        var semanticOnly = run.SemanticOnlyTrain;
        foreach (var (key, design) in Variants.Where(v => rows.Contains(v.Key)))
        {
            var options = run.Recipe(network with { LnbDesign = design });
            using var model = await run.TrainAsync(design.Name, options, semanticOnly);
            var m = run.Evaluate(model, instances: false);
            var (ms, parameters) = run.TimeForward(model);
            using var paperSize = SegmentationModels.Create(paper with { LnbDesign = design }); // not trained: timed for its size only
            var (paperMs, paperParameters) = run.TimeForward(paperSize);
            run.Console.MarkupLine(Markup.Escape($"[{design.Name}] mIoU {m.Semantic.MeanIoU:F4}, forward {ms:F1} ms (paper size {paperMs:F1} ms)"));
            report.Rows.Add(new Dictionary<string, object?>
            {
                ["key"] = key,
                ["module"] = design.Name,
                ["conv1x1"] = design.Conv1x1,
                ["noBias"] = design.NoBias,
                ["prelu"] = design.PRelu,
                ["moved1x1"] = design.Moved1x1,
                ["meanIoU"] = m.Semantic.MeanIoU,
                ["boundaryMeanIoU"] = m.Boundary.MeanIoU,
                ["pixelAccuracy"] = m.Semantic.PixelAccuracy,
                ["ms"] = ms,
                ["fps"] = AblationRun.Fps(ms),
                ["parameters"] = parameters,
                ["msPaperSize"] = paperMs,
                ["fpsPaperSize"] = AblationRun.Fps(paperMs),
                ["parametersPaperSize"] = paperParameters,
                ["trainSeconds"] = run.TrainSeconds[^1].Seconds,
            });
        }
        report.Facts["network"] = Table5InstanceLoss.Describe(network, withSteps: false);
        report.Facts["objective"] = "semantic only (cross-entropy with ENet class weights) for every row";
        run.AddFacts(report, total);
        return report;
    }
}
