using System.Diagnostics;
using Spectre.Console;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>
/// Table 1: ERFNet, ENet and ESPNet, each with its original decoder and with iGUM, plus the SSN encoder with iGUM,
/// the original GUM of [39] and plain bilinear upsampling. All rows are trained for semantic segmentation only (the
/// SSN rows without the instance loss) with one recipe, and report mIoU, boundary mIoU (3-px band around ground-truth
/// class boundaries) and FPS of a forward pass.
/// </summary>
internal sealed class Table1Decoders : AblationTable
{
    private static readonly (Architecture Architecture, DecoderKind Decoder)[] Variants =
    {
        (Architecture.Erfnet, DecoderKind.Original), (Architecture.Erfnet, DecoderKind.ImprovedGuidedUpsampling),
        (Architecture.Enet, DecoderKind.Original), (Architecture.Enet, DecoderKind.ImprovedGuidedUpsampling),
        (Architecture.Espnet, DecoderKind.Original), (Architecture.Espnet, DecoderKind.ImprovedGuidedUpsampling),
        (Architecture.Ssn, DecoderKind.ImprovedGuidedUpsampling), (Architecture.Ssn, DecoderKind.GuidedUpsampling), (Architecture.Ssn, DecoderKind.Bilinear),
    };

    public override int Number => 1;

    public override double DefaultBudgetMinutes => 20;

    // Measured 2026-11-24 on the project's 2-core CPU while another engineer's training job ran (load average 4–5):
    // one epoch of all nine rows 151 s (ERFNet 24/18, ENet 21/15, ESPNet 13/10, SSN iGUM/GUM/bilinear 17/19/16),
    // evaluation + timings + start 35 s. 0.5 epochs/min: 10 epochs at the default 20 min ≈ 26 min on such a shared
    // machine, about half that idle (an idle epoch costs ~0.45× a shared one).
    public override double EpochsPerMinute => 0.5;

    public override IReadOnlyList<string> RowKeys { get; } = Variants.Select(v => Key(v.Architecture, v.Decoder)).ToArray();

    private static string Key(Architecture a, DecoderKind d) => $"{a.ToString().ToLowerInvariant()}/{DecoderKey(d)}";

    private static string DecoderKey(DecoderKind d) => d switch
    {
        DecoderKind.Original => "original",
        DecoderKind.ImprovedGuidedUpsampling => "igum",
        DecoderKind.GuidedUpsampling => "gum",
        DecoderKind.Bilinear => "bilinear",
        _ => d.ToString().ToLowerInvariant(),
    };

    private static string ArchitectureName(Architecture a) =>
        a == Architecture.Erfnet ? "ERFNet" : a == Architecture.Enet ? "ENet" : a == Architecture.Espnet ? "ESPNet" : a == Architecture.Ssn ? "SSN (ours)" : a.Name;

    private static string DecoderName(DecoderKind d) => d switch
    {
        DecoderKind.Original => "original",
        DecoderKind.ImprovedGuidedUpsampling => "iGUM",
        DecoderKind.GuidedUpsampling => "GUM [39]",
        DecoderKind.Bilinear => "bilinear",
        _ => d.ToString(),
    };

    public override async Task<AblationReport> RunAsync(AblationRun run, IReadOnlyList<string> rows)
    {
        var total = Stopwatch.StartNew();
        var ssn = run.Network(NetworkPreset.Paper);
        var report = new AblationReport
        {
            Table = Number,
            Title = "Original decoder vs iGUM on efficient encoders, and the SSN encoder with iGUM, GUM and bilinear upsampling (paper Table 1).",
            Caption = "mIoU (Cityscapes pixel protocol, val split, in %), **boundary mIoU** (the same, counting only pixels within 3 px of a ground-truth class boundary: " +
                      "where decoders differ) and speed. Every row is trained for semantic segmentation only (cross-entropy; the SSN rows without the instance loss), from scratch. " +
                      "ERFNet, ENet and ESPNet are their papers' networks (ESPNet α₂ = 2, α₃ = 8); the SSN encoder is the paper's (16/64/128 channels, 5 + 8 blocks). " +
                      $"**FPS** = 1000 / **ms**, where ms is one forward pass (image → full-resolution class logits, no argmax) of the network the row trained " +
                      "(for SSN + iGUM the Spatial Sampling Network without its instance module), eval mode, no_grad, BatchNorm left unfolded in every row so the comparison is fair (the paper folds it; so FPS here is lower than with folding). " +
                      run.TimingDescription + " " + run.TrainingDescription(Table5InstanceLoss.Describe(ssn, withSteps: false) + " for the SSN rows"),
            Columns = new AblationColumn[]
            {
                new("model", "Model", ColumnFormat.Text),
                new("decoderName", "Decoder", ColumnFormat.Text),
                new("meanIoU", "mIoU", ColumnFormat.Percent),
                new("boundaryMeanIoU", "boundary mIoU", ColumnFormat.Percent),
                new("fps", "FPS", ColumnFormat.Number1),
                new("ms", "ms", ColumnFormat.Number1),
                new("parametersMillions", "Params (M)", ColumnFormat.Number2),
            },
        };
        // One objective for every row: the instance maps are dropped, so the SSN + iGUM row trains semantic only too.
        var semanticOnly = run.SemanticOnlyTrain;
        foreach (var (architecture, decoder) in Variants.Where(v => rows.Contains(Key(v.Architecture, v.Decoder))))
        {
            string key = Key(architecture, decoder);
            var options = run.Recipe(ssn);
            options.Network = options.Network with { Architecture = architecture, Decoder = decoder };
            using var model = await run.TrainAsync(key, options, semanticOnly);
            var m = run.Evaluate(model, instances: false);
            var (ms, parameters) = run.TimeForward(model);
            run.Console.MarkupLine(Markup.Escape($"[{key}] mIoU {m.Semantic.MeanIoU:F4}, boundary mIoU {m.Boundary.MeanIoU:F4}, forward {ms:F1} ms"));
            report.Rows.Add(new Dictionary<string, object?>
            {
                ["key"] = key,
                ["model"] = ArchitectureName(architecture),
                ["architecture"] = architecture.ToString(),
                ["decoder"] = decoder.ToString(),
                ["decoderName"] = DecoderName(decoder),
                ["meanIoU"] = m.Semantic.MeanIoU,
                ["boundaryMeanIoU"] = m.Boundary.MeanIoU,
                ["pixelAccuracy"] = m.Semantic.PixelAccuracy,
                ["boundaryPixels"] = m.Boundary.EvaluatedPixels,
                ["fps"] = AblationRun.Fps(ms),
                ["ms"] = ms,
                ["parameters"] = parameters,
                ["parametersMillions"] = parameters / 1e6,
                ["trainSeconds"] = run.TrainSeconds[^1].Seconds,
            });
        }
        report.Facts["ssnNetwork"] = Table5InstanceLoss.Describe(ssn, withSteps: false);
        report.Facts["objective"] = "semantic only (cross-entropy with ENet class weights) for every row";
        run.AddFacts(report, total);
        return report;
    }
}
