using System.CommandLine;
using System.Globalization;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Samples.Jobs;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Samples.Cli;

/// <summary>
/// Every option of <see cref="SpatialSamplingTrainerOptions"/> (network, loss, schedule, augmentation, checkpoints,
/// instance extraction) as command-line options. An option left out keeps the base value: the paper's recipe for
/// <c>train</c>, the main job's tuned settings for the default run.
/// </summary>
internal sealed class TrainerOptionsBinder
{
    private readonly List<Option> all = new();

    private readonly NormalizationOptions normalization = new();

    private Option<T> Add<T>(Option<T> o) { all.Add(o); return o; }

    public Option<int?> Epochs { get; }
    public Option<int?> BatchSize { get; }
    public Option<double?> LearningRate { get; }
    public Option<double?> WeightDecay { get; }
    public Option<double?> PolyPower { get; }
    public Option<int?> Seed { get; }
    public Option<string?> Device { get; }
    public Option<int?> Threads { get; }
    public Option<int?> Replicas { get; }
    public Option<TrainingPrecision?> Precision { get; }
    public Option<NetworkPreset?> Network { get; }
    public Option<int?> StemChannels { get; }
    public Option<int?> MiddleChannels { get; }
    public Option<int?> DeepChannels { get; }
    public Option<int?> MiddleBlocks { get; }
    public Option<string?> DeepDilations { get; }
    public Option<double?> MiddleDropout { get; }
    public Option<double?> DeepDropout { get; }
    public Option<int?> SamplingSteps { get; }
    public Option<double?> GuidanceOffsetScale { get; }
    public Option<InstanceLossKind?> InstanceLoss { get; }
    public Option<Architecture?> Architecture { get; }
    public Option<DecoderKind?> Decoder { get; }
    public Option<int?> IgnoreLabel { get; }
    public Option<double?> SemanticLossWeight { get; }
    public Option<double?> InstanceLossWeight { get; }
    public Option<string?> ClassWeights { get; }
    public Option<double?> Flip { get; }
    public Option<float?> MinScale { get; }
    public Option<float?> MaxScale { get; }
    public Option<int?> CropWidth { get; }
    public Option<int?> CropHeight { get; }
    public Option<float?> Brightness { get; }
    public Option<float?> Contrast { get; }
    public Option<float?> Saturation { get; }
    public Option<bool?> KeepBest { get; }
    public Option<string?> CheckpointDir { get; }
    public Option<int?> CheckpointEvery { get; }
    public Option<int?> ValidateEvery { get; }
    public Option<string?> Resume { get; }
    public Option<string?> InitWeights { get; }
    public Option<int?> FreezeEncoderEpochs { get; }
    public Option<int?> LowResolutionEpochs { get; }
    public Option<double?> LowResolutionScale { get; }
    public Option<int?> MinArea { get; }
    public Option<int?> CellSize { get; }
    public Option<double?> MergeDistance { get; }
    public Option<string?> ThingClasses { get; }
    public Option<int?> PredictionBatchSize { get; }

    public TrainerOptionsBinder()
    {
        Epochs = Add(new Option<int?>("--epochs", "-e") { Description = "Training epochs (paper: 150)." });
        BatchSize = Add(new Option<int?>("--batch-size", "-b") { Description = "Images per mini-batch (paper: 8)." });
        LearningRate = Add(new Option<double?>("--lr") { Description = "Initial Adam learning rate (paper: 5e-4)." });
        WeightDecay = Add(new Option<double?>("--weight-decay") { Description = "Adam weight decay (paper: 1e-4)." });
        PolyPower = Add(new Option<double?>("--poly-power") { Description = "Exponent of the poly learning-rate schedule (0.9)." });
        Seed = Add(new Option<int?>("--seed") { Description = "Seed of initialisation, shuffling, augmentation and dropout." });
        Device = Add(new Option<string?>("--device") { Description = "TorchSharp device: cpu, cuda, cuda:0 … (CUDA needs the CUDA backend build)." });
        Threads = Add(new Option<int?>("--threads") { Description = "libtorch intra-op threads (0 = libtorch's default)." });
        Replicas = Add(new Option<int?>("--replicas") { Description = "Data-parallel replicas on the CPU, each on its own thread with an equal share of the threads; gradients averaged (1)." });
        Precision = Add(new Option<TrainingPrecision?>("--precision") { Description = "Training arithmetic: Auto (bfloat16 where the CPU has bfloat16 matrix units, AMX, else fp32; default), Float32 or BFloat16 (mixed precision with fp32 master weights)." });
        Network = Add(new Option<NetworkPreset?>("--network") { Description = "Network size preset: paper, small or tiny; the options below override single settings." });
        StemChannels = Add(new Option<int?>("--stem-channels") { Description = "Channels of the first downsampler (paper: 16)." });
        MiddleChannels = Add(new Option<int?>("--middle-channels") { Description = "Channels at output stride 4 (paper: 64)." });
        DeepChannels = Add(new Option<int?>("--deep-channels") { Description = "Channels at output stride 8 (paper: 128)." });
        MiddleBlocks = Add(new Option<int?>("--middle-blocks") { Description = "Non-bottleneck-1D blocks at stride 4 (paper: 5)." });
        DeepDilations = Add(new Option<string?>("--deep-dilations") { Description = "Comma-separated dilations of the stride-8 blocks (paper: 2,4,8,16,2,4,8,16)." });
        MiddleDropout = Add(new Option<double?>("--middle-dropout") { Description = "Dropout of the stride-4 blocks (paper: 0.03)." });
        DeepDropout = Add(new Option<double?>("--deep-dropout") { Description = "Dropout of the stride-8 blocks (paper: 0.3)." });
        SamplingSteps = Add(new Option<int?>("--sampling-steps") { Description = "Instance sampling iterations t (paper: 30)." });
        GuidanceOffsetScale = Add(new Option<double?>("--guidance-offset-scale") { Description = "Unit of the iGUM guidance offsets in encoder pixels (1)." });
        Architecture = Add(ArchitectureOption.Create("Encoder (paper: Ssn); anything but Ssn + iGUM trains semantic segmentation only (Table 1)."));
        Decoder = Add(new Option<DecoderKind?>("--decoder") { Description = "Decoder: ImprovedGuidedUpsampling (paper), GuidedUpsampling, Bilinear or Original." });
        InstanceLoss = Add(new Option<InstanceLossKind?>("--instance-loss") { Description = "Instance regression loss: L2 (paper), L1 or SmoothL1." });
        IgnoreLabel = Add(new Option<int?>("--ignore-label") { Description = "Label ignored by the loss (255)." });
        SemanticLossWeight = Add(new Option<double?>("--semantic-loss-weight") { Description = "Weight of the cross-entropy (1)." });
        InstanceLossWeight = Add(new Option<double?>("--instance-loss-weight") { Description = "Weight of the instance loss (1)." });
        ClassWeights = Add(new Option<string?>("--class-weights") { Description = "Cross-entropy class weights: enet (1/ln(1.02 + p), the default), median (median-frequency balancing), none, or a comma-separated weight per class. enet and median count the training labels once per dataset (cached)." });
        Flip = Add(new Option<double?>("--flip") { Description = "Horizontal flip probability (0.5)." });
        MinScale = Add(new Option<float?>("--min-scale") { Description = "Smallest random scale (0.5)." });
        MaxScale = Add(new Option<float?>("--max-scale") { Description = "Largest random scale (2)." });
        CropWidth = Add(new Option<int?>("--crop-width") { Description = "Training crop width (0 = image width)." });
        CropHeight = Add(new Option<int?>("--crop-height") { Description = "Training crop height (0 = image height)." });
        Brightness = Add(new Option<float?>("--brightness") { Description = "Brightness jitter (0.2)." });
        Contrast = Add(new Option<float?>("--contrast") { Description = "Contrast jitter (0.2)." });
        Saturation = Add(new Option<float?>("--saturation") { Description = "Saturation jitter (0.2)." });
        KeepBest = Add(new Option<bool?>("--keep-best") { Description = "With a validation split, keep the weights of the best epoch (true)." });
        CheckpointDir = Add(new Option<string?>("--checkpoint-dir") { Description = "Write a checkpoint into this folder (see --checkpoint-every)." });
        CheckpointEvery = Add(new Option<int?>("--checkpoint-every") { Description = "Epochs between checkpoints (1)." });
        ValidateEvery = Add(new Option<int?>("--validate-every") { Description = "Epochs between validations (1); the last epoch is always validated and the best validated epoch is kept." });
        Resume = Add(new Option<string?>("--resume") { Description = "Continue from this checkpoint file (same seed and network)." });
        InitWeights = Add(new Option<string?>("--init-weights") { Description = "Start from these weights: a pretrained model's name (camvid-ssn, camvid-espnet, cityscapes-espnet), a .safetensors file, or a PyTorch .pth/.pt (the architecture's reference names; an encoder-only checkpoint loads into the encoder). Matched by name and shape; what does not match keeps its fresh initialisation and is listed." });
        FreezeEncoderEpochs = Add(new Option<int?>("--freeze-encoder-epochs") { Description = "Keep the encoder fixed for the first N epochs (0): fine-tuning from --init-weights." });
        LowResolutionEpochs = Add(new Option<int?>("--low-res-epochs") { Description = "Progressive resizing: train the first N epochs (0) at --low-res-scale times the resolution (scales and crop), without validation." });
        LowResolutionScale = Add(new Option<double?>("--low-res-scale") { Description = "Resolution factor of the --low-res-epochs (0.5)." });
        MinArea = Add(new Option<int?>("--min-area") { Description = "Instances smaller than this many pixels are dropped (50)." });
        CellSize = Add(new Option<int?>("--cell-size") { Description = "Cell size, in pixels, that groups predicted centres into instances (8)." });
        MergeDistance = Add(new Option<double?>("--merge-distance") { Description = "Neighbouring cells with closer mean centres merge (4 px; 0 = off)." });
        ThingClasses = Add(new Option<string?>("--thing-classes") { Description = "Comma-separated class indices that form instances (default: the 8 Cityscapes instance classes; set it for other datasets)." });
        PredictionBatchSize = Add(new Option<int?>("--prediction-batch-size") { Description = "Images the trained model predicts at once (4)." });
    }

    public void AddTo(Command command)
    {
        foreach (var o in all) command.Options.Add(o);
        normalization.AddTo(command);
    }

    /// <summary>Applies the options given on the command line to <paramref name="o"/> (a fresh object) and returns it.</summary>
    public SpatialSamplingTrainerOptions Apply(ParseResult p, SpatialSamplingTrainerOptions o, int numClasses)
    {
        void Set<T>(Option<T?> option, Action<T> set) where T : struct { if (p.GetValue(option) is { } v) set(v); }
        void SetRef(Option<string?> option, Action<string> set) { if (p.GetValue(option) is { } v) set(v); }
        Set(Epochs, v => o.Epochs = v);
        Set(BatchSize, v => o.BatchSize = v);
        Set(LearningRate, v => o.LearningRate = v);
        Set(WeightDecay, v => o.WeightDecay = v);
        Set(PolyPower, v => o.PolyPower = v);
        Set(Seed, v => o.Seed = v);
        SetRef(Device, v => o.Device = v);
        Set(Threads, v => o.NumberOfThreads = v);
        Set(Replicas, v => o.Replicas = v);
        Set(Precision, v => o.Precision = v);
        var net = p.GetValue(Network) is { } preset ? NetworkPresets.Get(preset, numClasses) : o.Network with { NumClasses = numClasses };
        Set(StemChannels, v => net = net with { StemChannels = v });
        Set(MiddleChannels, v => net = net with { MiddleChannels = v });
        Set(DeepChannels, v => net = net with { DeepChannels = v });
        Set(MiddleBlocks, v => net = net with { MiddleBlocks = v });
        SetRef(DeepDilations, v => net = net with { DeepDilations = ParseList(v, "--deep-dilations", int.Parse) });
        Set(MiddleDropout, v => net = net with { MiddleDropout = v });
        Set(DeepDropout, v => net = net with { DeepDropout = v });
        Set(SamplingSteps, v => net = net with { SamplingSteps = v });
        Set(GuidanceOffsetScale, v => net = net with { GuidanceOffsetScale = v });
        Set(Architecture, v => net = net with { Architecture = v });
        Set(Decoder, v => net = net with { Decoder = v });
        o.Network = net;
        Set(InstanceLoss, v => o.InstanceLoss = v);
        Set(IgnoreLabel, v => o.IgnoreLabel = v);
        Set(SemanticLossWeight, v => o.SemanticLossWeight = v);
        Set(InstanceLossWeight, v => o.InstanceLossWeight = v);
        SetRef(ClassWeights, v =>
        {
            (o.ClassWeights, o.ClassWeighting) = v.Trim().ToLowerInvariant() switch
            {
                "enet" => (null, ClassWeighting.Enet),
                "median" => (null, ClassWeighting.MedianFrequency),
                "none" => ((float[]?)null, ClassWeighting.None),
                _ => (ParseList(v, "--class-weights", s => float.Parse(s, CultureInfo.InvariantCulture)), o.ClassWeighting),
            };
        });
        var a = o.Augmentation;
        o.Augmentation = new AugmentationOptions
        {
            FlipProbability = a.FlipProbability, MinScale = a.MinScale, MaxScale = a.MaxScale, CropWidth = a.CropWidth, CropHeight = a.CropHeight,
            Brightness = a.Brightness, Contrast = a.Contrast, Saturation = a.Saturation,
        };
        Set(Flip, v => o.Augmentation.FlipProbability = v);
        Set(MinScale, v => o.Augmentation.MinScale = v);
        Set(MaxScale, v => o.Augmentation.MaxScale = v);
        Set(CropWidth, v => o.Augmentation.CropWidth = v);
        Set(CropHeight, v => o.Augmentation.CropHeight = v);
        Set(Brightness, v => o.Augmentation.Brightness = v);
        Set(Contrast, v => o.Augmentation.Contrast = v);
        Set(Saturation, v => o.Augmentation.Saturation = v);
        Set(KeepBest, v => o.KeepBestModel = v);
        SetRef(CheckpointDir, v => o.CheckpointDirectory = v);
        Set(CheckpointEvery, v => o.CheckpointEveryEpochs = v);
        Set(ValidateEvery, v => o.ValidateEveryEpochs = v);
        SetRef(Resume, v => o.ResumeFrom = v);
        SetRef(InitWeights, v => o.InitialWeights = !File.Exists(v) && Models.PretrainedModels.Find(v) is { } zoo ? zoo.WeightsFile() : v);
        Set(FreezeEncoderEpochs, v => o.FreezeEncoderEpochs = v);
        Set(LowResolutionEpochs, v => o.LowResolutionEpochs = v);
        Set(LowResolutionScale, v => o.LowResolutionScale = v);
        var x = o.InstanceExtraction;
        Set(MinArea, v => x = x with { MinArea = v });
        Set(CellSize, v => x = x with { CellSize = v });
        Set(MergeDistance, v => x = x with { MergeDistance = v });
        SetRef(ThingClasses, v => x = x with { ThingClasses = ParseList(v, "--thing-classes", int.Parse) });
        o.InstanceExtraction = x;
        Set(PredictionBatchSize, v => o.PredictionBatchSize = v);
        o.Normalization = normalization.Read(p, o.Normalization);
        return o;
    }

    private static T[] ParseList<T>(string text, string option, Func<string, T> parse)
    {
        try
        {
            return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(parse).ToArray();
        }
        catch (FormatException)
        {
            throw new CliException(option == "--class-weights"
                ? $"--class-weights '{text}' is neither enet, median, none nor a comma-separated list of numbers."
                : $"{option} '{text}' is not a comma-separated list of numbers.");
        }
    }
}
