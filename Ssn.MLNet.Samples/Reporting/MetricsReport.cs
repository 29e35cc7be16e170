using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Ssn.MLNet.Samples.Jobs;

namespace Ssn.MLNet.Samples.Reporting;

/// <summary>
/// <c>metrics.json</c> (every value computed by the evaluation pass; NaN is written as null) and the summary table
/// printed at the end of a run.
/// </summary>
internal static class MetricsReport
{
    /// <summary>The JSON document: the evaluation, the run facts in <paramref name="extra"/> (keys as given) and the
    /// run's <see cref="RunProvenance"/> (with <paramref name="loadAtStart"/>, the load average when the run began).</summary>
    public static JsonObject ToJson(EvaluationReport report, string datasetRoot, IReadOnlyDictionary<string, JsonNode?> extra, double? loadAtStart = null)
    {
        var m = report.Semantic;
        var perClass = new JsonObject();
        for (int c = 0; c < m.ClassNames.Count; c++) perClass[m.ClassNames[c]] = Number(m.PerClassIoU[c]);
        var json = new JsonObject
        {
            ["meanIoU"] = Number(m.MeanIoU),
            ["pixelAccuracy"] = Number(m.PixelAccuracy),
            ["meanClassAccuracy"] = Number(m.MeanClassAccuracy),
            ["meanInstanceIoU"] = Number(m.MeanInstanceIoU),
            ["perClassIoU"] = perClass,
            ["ap"] = Number(report.CocoInstances?.AP ?? report.Instances?.AP ?? double.NaN),
            ["ap50"] = Number(report.CocoInstances?.AP50 ?? report.Instances?.AP50 ?? double.NaN),
            ["ap75"] = Number(report.CocoInstances?.AP75 ?? report.Instances?.AP75 ?? double.NaN),
            ["inferenceMsPerImage"] = Number(report.InferenceMsPerImage),
            ["imageSize"] = new JsonObject { ["width"] = report.Width, ["height"] = report.Height },
            ["valImages"] = report.ImageCount,
            ["datasetRoot"] = Path.GetFullPath(datasetRoot),
        };
        if (report.CocoInstances is { } coco)
        {
            json["apSmall"] = Number(coco.APSmall);
            json["apMedium"] = Number(coco.APMedium);
            json["apLarge"] = Number(coco.APLarge);
            json["instanceProtocol"] = "coco";
            var perCategory = new JsonObject();
            foreach (var (category, ap) in coco.PerCategoryAP) perCategory[m.ClassNames[category]] = Number(ap);
            json["perClassAP"] = perCategory;
        }
        else if (report.Instances is not null) json["instanceProtocol"] = "cityscapes";
        if (report.Instances is { } inst)
        {
            var ap50 = new JsonObject();
            for (int c = 0; c < inst.ClassNames.Count; c++) ap50[inst.ClassNames[c]] = Number(inst.PerClassAP50[c]);
            json["perClassAP50"] = ap50;
        }
        foreach (var (key, value) in extra) json[key] = value?.DeepClone();
        json["provenance"] = RunProvenance.ToJson(loadAtStart);
        return json;
    }

    public static void Write(string path, JsonObject json) =>
        Ssn.MLNet.Imaging.AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(json, new JsonSerializerOptions { WriteIndented = true }));

    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;

    /// <summary>The summary table: headline metrics, then per-class IoU.</summary>
    /// <param name="split">The split evaluated, named in the headline metric.</param>
    public static void Print(IAnsiConsole console, EvaluationReport report, string split, IEnumerable<(string Name, string Value)> facts)
    {
        var m = report.Semantic;
        var summary = new Table().Title("Results").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        summary.AddRow(Markup.Escape($"mean IoU ({split})"), F(m.MeanIoU));
        summary.AddRow("pixel accuracy", F(m.PixelAccuracy));
        summary.AddRow("mean class accuracy", F(m.MeanClassAccuracy));
        if (report.CocoInstances is { } coco)
        {
            summary.AddRow("mask AP (COCO)", F(coco.AP));
            summary.AddRow("AP50 / AP75", $"{F(coco.AP50)} / {F(coco.AP75)}");
            summary.AddRow("AP small / medium / large", $"{F(coco.APSmall)} / {F(coco.APMedium)} / {F(coco.APLarge)}");
        }
        if (report.Instances is { } inst)
        {
            summary.AddRow("iIoU", F(m.MeanInstanceIoU));
            summary.AddRow("AP", F(inst.AP));
            summary.AddRow("AP50", F(inst.AP50));
        }
        summary.AddRow("inference ms/image", $"{report.InferenceMsPerImage:F1} ({report.Width}×{report.Height})");
        summary.AddRow("images evaluated", report.ImageCount.ToString());
        foreach (var (name, value) in facts) summary.AddRow(Markup.Escape(name), Markup.Escape(value));
        var classes = new Table().Title("Per-class IoU").AddColumn("class").AddColumn(new TableColumn("IoU").RightAligned());
        for (int c = 0; c < m.ClassNames.Count; c++) classes.AddRow(Markup.Escape(m.ClassNames[c]), F(m.PerClassIoU[c]));
        console.Write(new Columns(summary, classes).Collapse());
    }

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F4");
}
