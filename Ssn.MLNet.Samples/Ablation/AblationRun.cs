using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Spectre.Console;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Samples.Bench;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Samples.Reporting;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;
using static TorchSharp.torch;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>What one evaluation pass of a trained variant measured.</summary>
/// <param name="Semantic">Mean IoU etc. on the validation split (Cityscapes pixel protocol).</param>
/// <param name="Boundary">The same restricted to the 3-px band around ground-truth class boundaries (<see cref="BoundaryMetrics"/>).</param>
/// <param name="Instances">AP / AP50 by the Cityscapes instance protocol; null when the data has no Cityscapes instances or they were not asked for.</param>
internal sealed record VariantMetrics(SegmentationMetrics Semantic, SegmentationMetrics Boundary, InstanceSegmentationMetrics? Instances);

/// <summary>
/// The shared state of one <c>ablation</c> run: the opened dataset, the epochs derived from the budget, the training
/// recipe every variant shares (the main job's: Adam 3·10⁻³, batch 8, poly schedule, random scale 0.75–1.5 + flip +
/// colour jitter, ENet class weights from the train labels, no validation during training: each variant is evaluated
/// after its last epoch), and helpers to train, evaluate and time variants.
/// </summary>
internal sealed class AblationRun : IDisposable
{
    private Tensor? timingInput;

    private AblationRun(AblationSettings settings, AblationTable table, IAnsiConsole console, CancellationToken token)
    {
        Settings = settings;
        Table = table;
        Console = console;
        Token = token;
        Ml = new MLContext(seed: settings.Seed);
        LoadAtStart = RunProvenance.LoadAverage();
    }

    /// <summary>The 1-minute load average when the run started (null where /proc/loadavg is missing): timings and
    /// training time depend on what else the machine runs.</summary>
    public double? LoadAtStart { get; }

    /// <summary>The run's settings.</summary>
    public AblationSettings Settings { get; }

    /// <summary>The table being run.</summary>
    public AblationTable Table { get; }

    /// <summary>Where progress is written.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Stops training and evaluation between batches.</summary>
    public CancellationToken Token { get; }

    /// <summary>The ML.NET context (seeded with the run's seed).</summary>
    public MLContext Ml { get; }

    /// <summary>The training split.</summary>
    public SegmentationDataSource Train { get; private set; } = null!;

    /// <summary>The split every variant is evaluated on.</summary>
    public SegmentationDataSource Validation { get; private set; } = null!;

    /// <summary>Absolute dataset root (or image folder).</summary>
    public string DatasetRoot { get; private set; } = "";

    /// <summary>Dataset layout name (synthetic datasets are in the cityscapes layout).</summary>
    public string DatasetDescription { get; private set; } = "";

    /// <summary>Size of the first training image.</summary>
    public (int Width, int Height) ImageSize { get; private set; }

    /// <summary>Training epochs of every variant.</summary>
    public int Epochs { get; private set; }

    /// <summary>The budget the epochs came from (null when <c>--epochs</c> overrode it).</summary>
    public double? BudgetMinutes { get; private set; }


    /// <summary>Whether AP can be computed: Cityscapes classes and instance maps.</summary>
    public bool HasCityscapesInstances { get; private set; }

    /// <summary>Per variant: name and training seconds (for the JSON).</summary>
    public List<(string Variant, double Seconds)> TrainSeconds { get; } = new();

    /// <summary>Opens the data (generating the synthetic set when needed) and derives the epochs.</summary>
    public static async Task<AblationRun> OpenAsync(AblationSettings settings, AblationTable table, IAnsiConsole console, CancellationToken token)
    {
        var run = new AblationRun(settings, table, console, token);
        try
        {
            await run.OpenDataAsync();
        }
        catch
        {
            run.Dispose();
            throw;
        }
        return run;
    }

    private async Task OpenDataAsync()
    {
        var s = Settings;
        if (s.Threads > 0) set_num_threads(s.Threads);
        if (s.Dataset is null)
        {
            var options = MainJobDefaults.Dataset();
            DatasetRoot = Path.GetFullPath(s.SyntheticDirectory);
            await GenerationJob.RunAsync(Console, DatasetRoot, options);
            Train = Ml.Segmentation().Data.LoadCityscapes(DatasetRoot, "train", (options.Width, options.Height));
            Validation = Ml.Segmentation().Data.LoadCityscapes(DatasetRoot, "val", (options.Width, options.Height));
            DatasetDescription = $"the main job's synthetic street scenes (Cityscapes layout, {options.Width}×{options.Height}, seed {options.Seed})";
        }
        else
        {
            var spec = s.Dataset;
            Train = spec.Open(Ml);
            if (spec.Format == DatasetFormat.Folders)
                Validation = s.ValidationFolders is { } v
                    ? (spec with { Images = v.Images, Masks = v.Masks }).Open(Ml)
                    : throw new CliException("--format folders needs --val-images and --val-masks for the evaluation split.");
            else
                Validation = spec.WithSplit(s.ValidationSplit).Open(Ml);
            DatasetRoot = Path.GetFullPath(spec.Root ?? spec.Images ?? ".");
            DatasetDescription = $"{spec.Format.ToString().ToLowerInvariant()} data at {DatasetRoot} ({spec.Split} → {(spec.Format == DatasetFormat.Folders ? "validation folders" : s.ValidationSplit)})";
        }
        if (Train.Count == 0) throw new CliException("the training split is empty.");
        if (Validation.Count == 0) throw new CliException("the validation split is empty.");
        if (!Train.ClassNames.SequenceEqual(Validation.ClassNames)) throw new CliException("the training and validation splits name different classes.");
        ImageSize = Train.ReadImageSize(0);
        HasCityscapesInstances = Train.HasInstances && Validation.HasInstances && Train.ClassNames.SequenceEqual(CityscapesLabels.TrainClassNames);
        BudgetMinutes = s.Epochs is null ? s.BudgetMinutes ?? Table.DefaultBudgetMinutes : null;
        Epochs = s.Epochs ?? Table.EpochsFor(BudgetMinutes!.Value);
        Console.MarkupLine(Markup.Escape($"Table {Table.Number}: {Train.Count} train / {Validation.Count} val images ({ImageSize.Width}×{ImageSize.Height}), " +
                                         $"{Epochs} epochs per variant" + (BudgetMinutes is { } b ? $" (budget {b:G} min × {Table.EpochsPerMinute:G} epochs/min)" : " (--epochs)") +
                                         $", seed {s.Seed}, {get_num_threads()} threads"));
    }

    /// <summary>The SSN architecture of the tables that train the main job's network (3, 5, 6) or the paper's (1).</summary>
    public SsnNetworkOptions Network(NetworkPreset defaultPreset) =>
        NetworkPresets.Get(Settings.Network ?? defaultPreset, Train.ClassNames.Count) with { MiddleDropout = 0, DeepDropout = 0 };

    /// <summary>The shared recipe (see the class remarks) for <paramref name="network"/>; callers change only what their table varies.</summary>
    public SpatialSamplingTrainerOptions Recipe(SsnNetworkOptions network)
    {
        var main = MainJobDefaults.Trainer();
        return new SpatialSamplingTrainerOptions
        {
            Network = network,
            Epochs = Epochs,
            BatchSize = main.BatchSize,
            LearningRate = main.LearningRate,
            WeightDecay = main.WeightDecay,
            PolyPower = main.PolyPower,
            Seed = Settings.Seed,
            NumberOfThreads = Settings.Threads,
            ClassNames = Train.ClassNames,
            ClassWeighting = ClassWeighting.Enet, // the trainer's default, stated: every variant weighs classes alike
            Augmentation = new AugmentationOptions
            {
                FlipProbability = main.Augmentation.FlipProbability, MinScale = main.Augmentation.MinScale, MaxScale = main.Augmentation.MaxScale,
                Brightness = main.Augmentation.Brightness, Contrast = main.Augmentation.Contrast, Saturation = main.Augmentation.Saturation,
                CropWidth = Settings.CropWidth, CropHeight = Settings.CropHeight,
            },
            ValidationSet = null,
            KeepBestModel = false,
        };
    }

    /// <summary>The train split without its instance maps: variants that compare semantic segmentation train with one objective.</summary>
    public IDataView SemanticOnlyTrain => Train.HasInstances
        ? Ml.Transforms.DropColumns(SegmentationColumns.InstanceIds).Fit(Train).Transform(Train)
        : Train;

    /// <summary>Trains one variant on <paramref name="train"/> (default: the train split) and records its time.</summary>
    public async Task<SpatialSamplingTransformer> TrainAsync(string variant, SpatialSamplingTrainerOptions options, IDataView? train = null)
    {
        Console.MarkupLine(Markup.Escape($"[{variant}] training {options.Epochs} epochs"));
        var result = await TrainingJob.RunAsync(Console, Ml, train ?? Train, options, Token);
        TrainSeconds.Add((variant, result.Seconds));
        Console.MarkupLine(Markup.Escape($"[{variant}] trained in {result.Seconds:F1} s ({result.Seconds / options.Epochs:F2} s/epoch)"));
        return result.Model;
    }

    /// <summary>
    /// One pass of <paramref name="model"/> over the validation split: mean IoU, boundary mean IoU and, when
    /// <paramref name="instances"/> and the data allow, AP/AP50.
    /// </summary>
    public VariantMetrics Evaluate(SpatialSamplingTransformer model, bool instances)
    {
        bool withAp = instances && HasCityscapesInstances;
        var evaluator = new SegmentationEvaluator(Validation.ClassNames, new SegmentationEvaluatorOptions
        {
            Boundary = true, AveragePrecision = withAp, InstanceColumnName = withAp ? SegmentationColumns.InstanceIds : null,
        });
        var result = evaluator.Evaluate(model.Transform(Validation), token: Token);
        return new VariantMetrics(result.Semantic!, result.Boundary!, result.Instances);
    }

    /// <summary>
    /// The timing input <c>[1, 3, TimingHeight, TimingWidth]</c>: the first validation image, normalised and resized
    /// bilinearly (so that instance extraction sees a real scene, not noise).
    /// </summary>
    public Tensor TimingInput
    {
        get
        {
            if (timingInput is not null) return timingInput;
            var image = Validation.LoadImage(0);
            var chw = new float[3 * image.Width * image.Height];
            ImageNormalization.ImageNet.ToChw(image, chw);
            using var small = tensor(chw, new long[] { 1, 3, image.Height, image.Width });
            timingInput = nn.functional.interpolate(small, new long[] { Settings.TimingHeight, Settings.TimingWidth }, mode: InterpolationMode.Bilinear, align_corners: false);
            return timingInput;
        }
    }

    /// <summary>Median milliseconds of <see cref="AblationSettings.TimingRuns"/> runs of <paramref name="action"/> after the warm-up; NaN when timings are off.</summary>
    public double TimeMs(Action action)
    {
        if (Settings.TimingRuns <= 0) return double.NaN;
        return Timing.Measure(action, Settings.TimingWarmup, Settings.TimingRuns).MedianMs;
    }

    /// <summary>
    /// Median forward time (image → full-resolution class logits, no argmax, no instance module) of the network
    /// <paramref name="trained"/> holds — the one that was trained and evaluated — and its parameter count; eval mode,
    /// no_grad, BatchNorm unfolded.
    /// </summary>
    public (double Ms, long Parameters) TimeForward(SpatialSamplingTransformer trained) => TimeForward(trained.Model);

    /// <summary>As <see cref="TimeForward(SpatialSamplingTransformer)"/> for <paramref name="model"/>: encoder and decoder (iGUM: heads and guided sampling).</summary>
    public (double Ms, long Parameters) TimeForward(SegmentationModel model)
    {
        model.eval();
        long parameters = model.parameters().Sum(p => p.numel());
        var x = TimingInput;
        bool instances = model.ComputeInstances;
        model.ComputeInstances = false;
        try
        {
            using var _ = no_grad();
            return (TimeMs(() => { using var output = model.forward(x); }), parameters);
        }
        finally { model.ComputeInstances = instances; }
    }

    /// <summary>Frames per second from a median time; NaN when there is none.</summary>
    public static double Fps(double ms) => ms > 0 && double.IsFinite(ms) ? 1000.0 / ms : double.NaN;

    /// <summary>How the timings were taken, for captions.</summary>
    public string TimingDescription =>
        Settings.TimingRuns <= 0 ? "Timings were skipped (--timing-runs 0)." :
        $"Times are the median of {Plural(Settings.TimingRuns, "pass", "passes")} after {Plural(Settings.TimingWarmup, "warm-up pass", "warm-up passes")}, one {Settings.TimingWidth}×{Settings.TimingHeight} image " +
        $"(batch 1; the first val image resized), {get_num_threads()} libtorch threads on this machine's CPU ({Environment.ProcessorCount} cores), one variant at a time" +
        (LoadAtStart is { } load ? $" (1-minute load average {load.ToString("F1", CultureInfo.InvariantCulture)} when the run started, the end's is in the JSON: other work on the machine slows the timings, so compare rows of one run, not runs)." : ".");

    /// <summary>How the variants were trained, for captions.</summary>
    public string TrainingDescription(string network, string subject = "Each variant")
    {
        var main = MainJobDefaults.Trainer();
        return $"{subject} trained {Plural(Epochs, "epoch", "epochs")}" + (BudgetMinutes is { } b ? $" (budget {b.ToString("G", CultureInfo.InvariantCulture)} min × {Table.EpochsPerMinute.ToString("G", CultureInfo.InvariantCulture)} epochs/min, calibrated on the project's 2-core CPU)" : "") +
               $" on {Train.Count} train images of {DatasetDescription}, evaluated on {Validation.Count} val images after the last epoch; seed {Settings.Seed}, one data set and recipe for all " +
               $"(the main job's: Adam {main.LearningRate.ToString("G", CultureInfo.InvariantCulture)}, weight decay {main.WeightDecay.ToString("G", CultureInfo.InvariantCulture)}, poly schedule, batch {main.BatchSize}, " +
               $"random scale {main.Augmentation.MinScale.ToString(CultureInfo.InvariantCulture)}–{main.Augmentation.MaxScale.ToString(CultureInfo.InvariantCulture)} + flip + colour jitter, ENet class weights, no dropout). Network: {network}.";
    }

    /// <summary>"1 epoch", "2 epochs".</summary>
    public static string Plural(int n, string one, string many) => $"{n} {(n == 1 ? one : many)}";

    /// <summary>The JSON facts every table shares.</summary>
    public void AddFacts(AblationReport report, Stopwatch total)
    {
        var f = report.Facts;
        f["seed"] = Settings.Seed;
        f["budgetMinutes"] = BudgetMinutes is { } b ? JsonValue.Create(b) : null;
        f["epochsPerMinute"] = Table.EpochsPerMinute;
        f["epochs"] = Epochs;
        f["datasetRoot"] = DatasetRoot;
        f["dataset"] = DatasetDescription;
        f["imageSize"] = new JsonObject { ["width"] = ImageSize.Width, ["height"] = ImageSize.Height };
        f["trainImages"] = Train.Count;
        f["valImages"] = Validation.Count;
        f["classes"] = Train.ClassNames.Count;
        var main = MainJobDefaults.Trainer();
        f["recipe"] = new JsonObject
        {
            ["batchSize"] = main.BatchSize, ["learningRate"] = main.LearningRate, ["weightDecay"] = main.WeightDecay, ["polyPower"] = main.PolyPower,
            ["minScale"] = main.Augmentation.MinScale, ["maxScale"] = main.Augmentation.MaxScale, ["classWeights"] = "enet", ["validationDuringTraining"] = false,
            ["cropWidth"] = Settings.CropWidth, ["cropHeight"] = Settings.CropHeight,
        };
        f["timing"] = new JsonObject
        {
            ["runs"] = Settings.TimingRuns, ["warmup"] = Settings.TimingWarmup, ["width"] = Settings.TimingWidth, ["height"] = Settings.TimingHeight,
            ["batch"] = 1, ["threads"] = get_num_threads(), ["processorCount"] = Environment.ProcessorCount, ["statistic"] = "median",
        };
        f["boundaryRadius"] = BoundaryMetrics.DefaultRadius;
        var seconds = new JsonObject();
        foreach (var (variant, secs) in TrainSeconds) seconds[variant] = MetricsReportNumber(secs);
        f["trainSeconds"] = seconds;
        f["totalSeconds"] = MetricsReportNumber(total.Elapsed.TotalSeconds);
        f["provenance"] = RunProvenance.ToJson(LoadAtStart);
    }

    private static JsonNode? MetricsReportNumber(double v) => Reporting.MetricsReport.Number(v);

    /// <summary>Frees the timing input.</summary>
    public void Dispose() => timingInput?.Dispose();
}
