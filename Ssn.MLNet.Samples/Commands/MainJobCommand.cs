using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Spectre.Console;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Samples.Reporting;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Runtime;
using static TorchSharp.torch;

namespace Ssn.MLNet.Samples.Commands;

/// <summary>
/// The main job (the root command with no verb): generate the synthetic Cityscapes-format dataset (cached), train the
/// Spatial Sampling Network with <see cref="MainJobDefaults"/>, evaluate on the val split, save the model and write
/// <c>model.zip</c>, <c>metrics.json</c>, <c>overlays/</c>, <c>training-curve.png</c> and <c>cityscapes-results/</c>.
/// </summary>
internal static class MainJobCommand
{
    public static void Configure(RootCommand root, CliEnvironment env)
    {
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", DefaultValueFactory = _ => MainJobDefaults.OutputDirectory };
        var data = new Option<string>("--data", "-d") { Description = "Cache folder of the synthetic dataset.", DefaultValueFactory = _ => MainJobDefaults.DataDirectory };
        var d = MainJobDefaults.Dataset();
        var width = new Option<int>("--width") { Description = "Synthetic image width.", DefaultValueFactory = _ => d.Width };
        var height = new Option<int>("--height") { Description = "Synthetic image height.", DefaultValueFactory = _ => d.Height };
        var trainImages = new Option<int>("--train-images") { Description = "Synthetic training images.", DefaultValueFactory = _ => d.TrainCount };
        var valImages = new Option<int>("--val-images") { Description = "Synthetic validation images.", DefaultValueFactory = _ => d.ValCount };
        var dataSeed = new Option<int>("--data-seed") { Description = "Seed of the synthetic dataset.", DefaultValueFactory = _ => d.Seed };
        var overlays = new Option<int>("--overlays") { Description = "Overlay PNGs to write (first val images).", DefaultValueFactory = _ => MainJobDefaults.Overlays };
        var balance = new Option<bool>("--class-balance") { Description = "Weigh the cross-entropy by 1/ln(1.02 + class frequency) of the train labels (ENet); --class-weights overrides.", DefaultValueFactory = _ => MainJobDefaults.ClassBalance };
        var trainer = new TrainerOptionsBinder();
        foreach (var o in new Option[] { output, data, width, height, trainImages, valImages, dataSeed, overlays, balance }) root.Options.Add(o);
        trainer.AddTo(root);
        CommandRunner.SetAction(root, env, (p, token) => RunAsync(env, new MainJobSettings
        {
            OutputDirectory = p.GetValue(output)!,
            DataDirectory = p.GetValue(data)!,
            Dataset = new SyntheticCityscapesOptions
            {
                Width = p.GetValue(width), Height = p.GetValue(height), TrainCount = p.GetValue(trainImages), ValCount = p.GetValue(valImages), Seed = p.GetValue(dataSeed),
            },
            Overlays = p.GetValue(overlays),
            ClassBalance = p.GetValue(balance),
            Trainer = trainer.Apply(p, MainJobDefaults.Trainer(p.GetValue(width), p.GetValue(height)), 19),
        }, token));
    }

    public static async Task<int> RunAsync(CliEnvironment env, MainJobSettings settings, CancellationToken token)
    {
        var console = env.Console;
        var total = Stopwatch.StartNew();
        double? loadAtStart = RunProvenance.LoadAverage();
        var ds = settings.Dataset;
        if (ds.TrainCount < 1 || ds.ValCount < 1) throw new CliException("--train-images and --val-images must be at least 1.");
        if (settings.Overlays < 0) throw new CliException("--overlays cannot be negative.");
        string output = Path.GetFullPath(settings.OutputDirectory), root = Path.GetFullPath(settings.DataDirectory);
        SsnModelFile.RequireWritable(Path.Combine(output, "model.zip"));
        var o = settings.Trainer;
        if (o.NumberOfThreads > 0) set_num_threads(o.NumberOfThreads);
        console.Write(new Rule("[bold]Spatial Sampling Network — main job[/]").LeftJustified());
        console.MarkupLine(Markup.Escape($"libtorch {TorchRuntime.LoadedFrom}, {get_num_threads()} threads, {Environment.ProcessorCount} cores, device {o.Device}"));

        // 1. Dataset.
        var genClock = Stopwatch.StartNew();
        await GenerationJob.RunAsync(console, root, ds);
        double generateSeconds = genClock.Elapsed.TotalSeconds;
        var ml = new MLContext(seed: o.Seed);
        var train = ml.Segmentation().Data.LoadCityscapes(root, "train", (ds.Width, ds.Height));
        var val = ml.Segmentation().Data.LoadCityscapes(root, "val", (ds.Width, ds.Height));

        // 2. Training.
        o.ValidationSet = val;
        if (!settings.ClassBalance) o.ClassWeighting = ClassWeighting.None; // else the trainer's default: ENet weights of the train labels
        using var probe = SegmentationModels.Create(o.Network with { NumClasses = 19 });
        long parameters = probe.parameters().Sum(t => t.numel());
        console.MarkupLine(Markup.Escape($"Training: {parameters:N0} parameters, {o.Epochs} epochs, batch {o.BatchSize}, lr {o.LearningRate:G3}, " +
                                         $"{train.Count} train / {val.Count} val images at {ds.Width}×{ds.Height}"));
        var trained = await TrainingJob.RunAsync(console, ml, train, o, token);
        using var model = trained.Model;

        // 3. Save, curve.
        Directory.CreateDirectory(output);
        string modelPath = Path.Combine(output, "model.zip");
        SsnModelFile.Save(ml, model, train.Schema, modelPath);
        string curvePath = Path.Combine(output, "training-curve.png");
        TrainingCurvePlot.Write(curvePath, trained.History, $"Spatial Sampling Network on synthetic Cityscapes ({ds.Width}×{ds.Height}, {train.Count} images)");

        // 4. Evaluation, overlays, Cityscapes results.
        string overlays = Path.Combine(output, "overlays"), results = Path.Combine(output, "cityscapes-results");
        foreach (var dir in new[] { overlays, results })
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        var evalClock = Stopwatch.StartNew();
        var report = await EvaluateAsync(console, ml, model, model.ClassNames, val, new EvaluationJob
        {
            OverlayDirectory = settings.Overlays > 0 ? overlays : null, MaxOverlays = settings.Overlays, CityscapesResultsDirectory = results,
        }, token);
        double evalSeconds = evalClock.Elapsed.TotalSeconds;

        var best = trained.History.Where(h => !double.IsNaN(h.ValidationMeanIoU)).MaxBy(h => h.ValidationMeanIoU);
        var json = MetricsReport.ToJson(report, root, new Dictionary<string, JsonNode?>
        {
            ["trainSeconds"] = MetricsReport.Number(trained.Seconds),
            ["trainImages"] = train.Count,
            ["epochs"] = o.Epochs,
            ["bestEpoch"] = best?.Epoch,
            ["batchSize"] = o.BatchSize,
            ["learningRate"] = o.LearningRate,
            ["classWeights"] = o.ClassWeights is null ? null : new JsonArray(o.ClassWeights.Select(w => (JsonNode?)MetricsReport.Number(w)).ToArray()),
            ["parameters"] = parameters,
            ["network"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(o.Network)),
            ["generateSeconds"] = MetricsReport.Number(generateSeconds),
            ["evaluateSeconds"] = MetricsReport.Number(evalSeconds),
            ["totalSeconds"] = MetricsReport.Number(total.Elapsed.TotalSeconds),
        }, loadAtStart);
        MetricsReport.Write(Path.Combine(output, "metrics.json"), json);

        MetricsReport.Print(console, report, "val", new[]
        {
            ("train time", $"{trained.Seconds:F0} s ({o.Epochs} epochs, best epoch {best?.Epoch.ToString() ?? "n/a"})"),
            ("total time", $"{total.Elapsed.TotalSeconds:F0} s"),
        });
        console.MarkupLine($"Wrote [bold]{Markup.Escape(output)}[/]: model.zip, metrics.json, training-curve.png, overlays/ ({report.OverlayCount}), cityscapes-results/pixel/ and instance/.");
        return 0;
    }

    internal static Task<EvaluationReport> EvaluateAsync(IAnsiConsole console, MLContext ml, ITransformer model, IReadOnlyList<string> classNames,
        Ssn.MLNet.Data.SegmentationDataSource data, EvaluationJob job, CancellationToken token) =>
        ConsoleProgress.RunAsync(console, $"Evaluating {data.Count} images", data.Count, task =>
            (job with { Progress = (done, _) => task.Value = done }).Run(ml, model, classNames, data, token));
}

/// <summary>Everything the main job needs (defaults in <see cref="MainJobDefaults"/>).</summary>
internal sealed record MainJobSettings
{
    public required string OutputDirectory { get; init; }
    public required string DataDirectory { get; init; }
    public required SyntheticCityscapesOptions Dataset { get; init; }
    public required Ssn.MLNet.Trainers.SpatialSamplingTrainerOptions Trainer { get; init; }
    public int Overlays { get; init; } = MainJobDefaults.Overlays;
    public bool ClassBalance { get; init; } = MainJobDefaults.ClassBalance;
}
