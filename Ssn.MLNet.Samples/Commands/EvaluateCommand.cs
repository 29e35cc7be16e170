using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Spectre.Console;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Samples.Reporting;

namespace Ssn.MLNet.Samples.Commands;

/// <summary><c>evaluate</c>: model + labelled dataset → <c>metrics.json</c> and a table (optionally overlays and Cityscapes results).</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliEnvironment env)
    {
        var modelOption = new Option<string>("--model", "-m") { Description = "Model file (model.zip), or a pretrained model's name (camvid-ssn, camvid-espnet, cityscapes-espnet).", Required = true };
        var dataset = new DatasetOptions("val");
        var output = new Option<string>("--out", "-o") { Description = "Folder for metrics.json (and overlays/, cityscapes-results/).", DefaultValueFactory = _ => "ssn-evaluation" };
        var overlays = new Option<int>("--overlays") { Description = "Overlay PNGs to write (first images).", DefaultValueFactory = _ => 0 };
        var backend = new BackendOption();
        var results = new Option<bool>("--cityscapes-results") { Description = "Also write the predictions in the Cityscapes results format (Cityscapes models)." };
        var command = new Command("evaluate", "Evaluate a model on a labelled dataset: mean IoU, accuracies, per-class IoU, AP/AP50 (Cityscapes protocol).");
        command.Options.Add(modelOption);
        dataset.AddTo(command);
        var cocoResults = new Option<bool>("--coco-results") { Description = "Also write the instances as a COCO results file (coco-results.json: image_id, category_id, RLE segmentation, score; --format coco or yolo)." };
        foreach (var o in new Option[] { output, overlays, results, cocoResults }) command.Options.Add(o);
        backend.AddTo(command);
        CommandRunner.SetAction(command, env, async (p, token) =>
        {
            double? loadAtStart = RunProvenance.LoadAverage();
            var ml = new MLContext(seed: 1);
            var spec = dataset.Read(p);
            var data = spec.Open(ml);
            using var model = backend.Load(ml, p.GetValue(modelOption)!, p);
            string outDir = Path.GetFullPath(p.GetValue(output)!);
            var report = await MainJobCommand.EvaluateAsync(env.Console, ml, model.Transformer, model.ClassNames, data, new EvaluationJob
            {
                OverlayDirectory = p.GetValue(overlays) > 0 ? Path.Combine(outDir, "overlays") : null,
                MaxOverlays = p.GetValue(overlays),
                CityscapesResultsDirectory = p.GetValue(results) ? Path.Combine(outDir, "cityscapes-results") : null,
                CocoResultsPath = !p.GetValue(cocoResults) ? null
                    : spec.IsInstanceFormat ? Path.Combine(outDir, "coco-results.json") : throw new CliException("--coco-results needs --format coco or yolo (the results name the dataset's image and category ids)."),
            }, token);
            var json = MetricsReport.ToJson(report, spec.Root ?? spec.Images ?? "", new Dictionary<string, JsonNode?>
            {
                ["model"] = Path.GetFullPath(p.GetValue(modelOption)!),
                ["format"] = spec.Format.ToString().ToLowerInvariant(),
                ["split"] = spec.Split,
                ["backend"] = model.EngineName,
            }, loadAtStart);
            MetricsReport.Write(Path.Combine(outDir, "metrics.json"), json);
            ConfusionMatrixPlot.Write(Path.Combine(outDir, "confusion-matrix.png"), report.Semantic, $"Confusion matrix ({spec.Split}, {report.ImageCount} images)");
            MetricsReport.Print(env.Console, report, spec.Split, [("backend", model.EngineName)]);
            env.Console.MarkupLine(Markup.Escape($"Wrote {Path.Combine(outDir, "metrics.json")} and confusion-matrix.png"));
            return 0;
        });
        return command;
    }
}
