using System.Diagnostics;
using Spectre.Console;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Transforms;
using static TorchSharp.torch;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>
/// Table 6: the number t of sampling iterations of the instance module. As in the paper (whose AP is identical at
/// t = 30 and 40), ONE network is trained with t = 30 and then evaluated with each t; the weights do not depend on
/// t (the module has no parameters), only how far the centres diffuse.
/// </summary>
internal sealed class Table6SamplingSteps : AblationTable
{
    /// <summary>The t the network is trained with (the paper's).</summary>
    public const int TrainedSteps = 30;

    private static readonly int[] Steps = { 40, 30, 20, 15, 10, 7, 5, 3 };

    public override int Number => 6;

    public override double DefaultBudgetMinutes => 6;

    // Measured 2026-11-24 on the project's 2-core CPU while another engineer's training job ran (load average 4–7):
    // 9.4–10.5 s per epoch, eight evaluations + timings + start ~22 s. 8 epochs/min: 48 epochs at the default 6 min
    // ≈ 8 min shared, about half that idle.
    public override double EpochsPerMinute => 8.0;

    public override IReadOnlyList<string> RowKeys { get; } = Steps.Select(t => t.ToString()).ToArray();

    public override async Task<AblationReport> RunAsync(AblationRun run, IReadOnlyList<string> rows)
    {
        var total = Stopwatch.StartNew();
        var network = run.Network(NetworkPreset.Small) with { SamplingSteps = TrainedSteps };
        var report = new AblationReport
        {
            Table = Number,
            Title = $"Sampling iterations t of the instance module, one network trained with t = {TrainedSteps} (paper Table 6).",
            Caption = $"AP / AP50 (official Cityscapes instance protocol, val split, in %) of one network trained with t = {TrainedSteps} and evaluated with each t. " +
                      $"**ms** is the instance module alone: the t bilinear sampling steps on the stride-8 instance guidance table of a {run.Settings.TimingWidth}×{run.Settings.TimingHeight} input " +
                      $"({run.Settings.TimingWidth / 8}×{run.Settings.TimingHeight / 8}), no_grad; **inference ms** and **FPS** are the whole prediction of that image by the library's predictor " +
                      "(BatchNorm folded as in the paper, encoder, heads, t steps, iGUM class map to full size, nearest-upsampled centres, instance extraction). " +
                      run.TimingDescription + " " + run.TrainingDescription(Table5InstanceLoss.Describe(network), "The network"),
            Columns = new AblationColumn[]
            {
                new("t", "Iterations", ColumnFormat.Integer),
                new("ap", "AP", ColumnFormat.Percent),
                new("ap50", "AP50%", ColumnFormat.Percent),
                new("instanceModuleMs", "ms", ColumnFormat.Number2),
                new("inferenceMs", "inference ms", ColumnFormat.Number1),
                new("fps", "FPS", ColumnFormat.Number1),
            },
        };
        var options = run.Recipe(network);
        using var trained = await run.TrainAsync($"t = {TrainedSteps}", options);
        var x = run.TimingInput;
        foreach (int t in Steps.Where(t => rows.Contains(t.ToString())))
        {
            using var model = WithSteps(run, trained, t);
            var m = run.Evaluate(model, instances: true);
            var predictor = model.Predictor;
            double moduleMs, inferenceMs;
            using (var scope = NewDisposeScope())
            using (inference_mode())
            {
                var guidance = predictor.Model.ForwardHeads(x).InstanceGuidance!;
                moduleMs = run.TimeMs(() => { using var _ = predictor.Model.InstanceModule!.forward(guidance, t); });
                inferenceMs = run.TimeMs(() => predictor.Predict(x));
            }
            run.Console.WriteLine($"t = {t}: AP {m.Instances?.AP:F4}, AP50 {m.Instances?.AP50:F4}, module {moduleMs:F2} ms, inference {inferenceMs:F1} ms");
            report.Rows.Add(new Dictionary<string, object?>
            {
                ["t"] = t,
                ["ap"] = m.Instances?.AP,
                ["ap50"] = m.Instances?.AP50,
                ["ap75"] = m.Instances?.AP75,
                ["meanIoU"] = m.Semantic.MeanIoU,
                ["instanceModuleMs"] = moduleMs,
                ["inferenceMs"] = inferenceMs,
                ["fps"] = AblationRun.Fps(inferenceMs),
            });
        }
        report.Facts["network"] = Table5InstanceLoss.Describe(network);
        report.Facts["trainedSteps"] = TrainedSteps;
        run.AddFacts(report, total);
        return report;
    }

    /// <summary>The trained weights in a network that runs <paramref name="steps"/> sampling iterations.</summary>
    private static SpatialSamplingTransformer WithSteps(AblationRun run, SpatialSamplingTransformer trained, int steps)
    {
        var source = trained.Model.HasInstanceHead ? trained.Model : throw new InvalidOperationException("Table 6 needs a Spatial Sampling Network.");
        var network = SegmentationModels.Create(source.Options with { SamplingSteps = steps });
        using (no_grad()) network.load_state_dict(source.state_dict());
        network.eval();
        return new SpatialSamplingTransformer(run.Ml, network, trained.ClassNames, trained.Normalization, trained.Options);
    }
}
