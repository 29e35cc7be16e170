using Microsoft.ML;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Instances;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Trainers;

/// <summary>
/// Options of <see cref="SpatialSamplingTrainer"/>. Defaults are the paper's training recipe (§6, "Training
/// Recipes"): Adam, learning rate 5·10⁻⁴, weight decay 10⁻⁴, poly schedule (1 − epoch/maxEpochs)^0.9, 150 epochs,
/// batch 8, dropout 0.03 / 0.3, t = 30 sampling steps, L2 instance loss, ignore label 255.
/// </summary>
public sealed class SpatialSamplingTrainerOptions
{
    /// <summary>Image column (MLImage). Default "Image".</summary>
    public string ImageColumnName { get; set; } = "Image";

    /// <summary>Train-id map column (<c>VBuffer&lt;byte&gt;</c>, H × W). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Instance map column (<c>VBuffer&lt;int&gt;</c>, Cityscapes encoding). Default "InstanceIds"; when the data
    /// has no such column, training is semantic-only.</summary>
    public string InstanceColumnName { get; set; } = "InstanceIds";

    /// <summary>Class names by train id. Default: taken from the data source when it names them, else the 19 Cityscapes classes.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>Training epochs (default 150).</summary>
    public int Epochs { get; set; } = 150;

    /// <summary>Images per mini-batch (default 8).</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>Initial Adam learning rate (default 5e-4).</summary>
    public double LearningRate { get; set; } = 5e-4;

    /// <summary>Adam weight decay (default 1e-4).</summary>
    public double WeightDecay { get; set; } = 1e-4;

    /// <summary>Exponent of the poly schedule lr·(1 − epoch/Epochs)^power (default 0.9).</summary>
    public double PolyPower { get; set; } = 0.9;

    /// <summary>
    /// The network (default: the paper's Spatial Sampling Network — widths, blocks, dropouts 0.03 / 0.3, sampling steps
    /// t = 30). <see cref="SsnNetworkOptions.Architecture"/> and <see cref="SsnNetworkOptions.Decoder"/> choose one of the
    /// paper's Table 1 networks instead, trained for semantic segmentation only (the trained transformer's instance
    /// columns are then empty). NumClasses is set from the classes.
    /// </summary>
    public SsnNetworkOptions Network { get; set; } = new();

    /// <summary>Instance regression loss (default L2, Eq. 2).</summary>
    public InstanceLossKind InstanceLoss { get; set; } = InstanceLossKind.L2;

    /// <summary>Label value ignored by the loss (default 255).</summary>
    public int IgnoreLabel { get; set; } = 255;

    /// <summary>Weight of the cross-entropy (default 1).</summary>
    public double SemanticLossWeight { get; set; } = 1;

    /// <summary>Weight of the instance loss (default 1).</summary>
    public double InstanceLossWeight { get; set; } = 1;

    /// <summary>Per-class weights of the cross-entropy (length = number of classes); when given, <see cref="ClassWeighting"/> is not used.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>
    /// How classes are weighed when <see cref="ClassWeights"/> is null (default <see cref="Trainers.ClassWeighting.Enet"/>):
    /// the weights come from the training labels' histogram, counted once per dataset and cached (<see cref="ClassBalance"/>).
    /// </summary>
    public ClassWeighting ClassWeighting { get; set; } = ClassWeighting.Enet;

    /// <summary>Training crop, random scale, flip and colour jitter.</summary>
    public AugmentationOptions Augmentation { get; set; } = new();

    /// <summary>
    /// Progressive resizing: the first this many epochs (default 0) train at <see cref="LowResolutionScale"/> times the
    /// resolution of <see cref="Augmentation"/> (its random scales and crop sides multiplied by it), which costs about a
    /// third per image at 0.5, then the remaining epochs at full resolution; the learning-rate schedule runs over all
    /// epochs. Low-resolution epochs are not validated. Needs the augmentation's crop to be set.
    /// </summary>
    public int LowResolutionEpochs { get; set; }

    /// <summary>Resolution factor of the <see cref="LowResolutionEpochs"/>, in (0, 1] (default 0.5).</summary>
    public double LowResolutionScale { get; set; } = 0.5;

    /// <summary>Input normalisation (default ImageNet mean/std), saved with the model.</summary>
    public ImageNormalization Normalization { get; set; } = ImageNormalization.ImageNet;

    /// <summary>
    /// Seed of weight initialisation, shuffling, augmentation and dropout (default 1). Runs with the same seed, data and
    /// thread count give identical weights, as long as nothing else in the process draws from libtorch's process-wide
    /// random generator while training runs (TorchSharp's dropout and initialisers use it).
    /// </summary>
    public int Seed { get; set; } = 1;

    /// <summary>
    /// Arithmetic of training (default <see cref="TrainingPrecision.Auto"/>): bfloat16 compute with fp32 master weights,
    /// optimiser state, loss and reductions where the CPU has bfloat16 matrix units (AMX), fp32 elsewhere (also where it has
    /// AVX512-BF16 alone, on which bf16 was not reliably faster).
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Auto;

    /// <summary>TorchSharp device: "cpu", "cuda" or "cuda:N" (default "cpu"; CUDA needs a CUDA build of libtorch).</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Intra-op threads for TorchSharp; 0 leaves libtorch's default (default 0).</summary>
    public int NumberOfThreads { get; set; }

    /// <summary>
    /// In-process data parallelism on the CPU (default 1, none): this many copies of the network train on slices of each
    /// mini-batch at the same time, each on its own thread with an equal share of the intra-op threads, and their
    /// gradients are averaged, as <c>DistributedDataParallel</c> does between processes. BatchNorm then normalises each
    /// slice (<see cref="BatchSize"/> / Replicas images) with its own statistics. On 2-core AVX2 CPUs, 2 replicas of one
    /// thread each run the step faster than one network on two threads (see the README's speed section). fp32 on the CPU
    /// only, the Spatial Sampling Network only; at most <see cref="BatchSize"/>. Runs stay reproducible: each replica
    /// draws dropout from its own generator.
    /// </summary>
    public int Replicas { get; set; } = 1;

    /// <summary>Optional validation set: mean IoU is computed after every epoch.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>With a validation set, validate after every this many epochs and after the last one (default 1); the
    /// best epoch is chosen among the validated ones. Validation costs a forward pass per validation image.</summary>
    public int ValidateEveryEpochs { get; set; } = 1;

    /// <summary>With a validation set, return the weights of the epoch with the best mean IoU (default true).</summary>
    public bool KeepBestModel { get; set; } = true;

    /// <summary>Directory for checkpoints; null disables them.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Write a checkpoint every this many epochs (default 1).</summary>
    public int CheckpointEveryEpochs { get; set; } = 1;

    /// <summary>
    /// Weights to start from (default null: random initialisation): a <c>.safetensors</c> file under this project's
    /// names (<see cref="Modeling.NetworkWeights"/>; a zoo model's <c>WeightsFile()</c>), or a PyTorch checkpoint
    /// (<c>.pth</c>/<c>.pt</c>, zip or legacy) under the architecture's reference names
    /// (<see cref="Modeling.Import.ReferenceNameMap"/>; an encoder-only checkpoint such as ESPNet-C loads into the
    /// encoder). Tensors are matched by name and shape; the others — a head with another class count, a decoder the
    /// file lacks — keep their fresh initialisation, and the log lists them. At least one must match. Applied before
    /// <see cref="ResumeFrom"/>, which wins.
    /// </summary>
    public string? InitialWeights { get; set; }

    /// <summary>Keep the encoder fixed (no gradients, BatchNorm in eval mode) for the first this many epochs (default 0), so
    /// that new heads settle before pretrained features move.</summary>
    public int FreezeEncoderEpochs { get; set; }

    /// <summary>Checkpoint file to continue from (model, optimiser, schedule, epoch; RNG streams are derived from seed and epoch).</summary>
    public string? ResumeFrom { get; set; }

    /// <summary>Receives a <see cref="TrainingProgress"/> after every epoch.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Stops training between batches; Fit then throws <see cref="OperationCanceledException"/>
    /// (checkpoints already written stay valid for <see cref="ResumeFrom"/>).</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Instance extraction used by the trained transformer. Left at the Cityscapes thing classes (the default),
    /// the thing classes come from the data when it names them (<c>SegmentationDataSource.ThingClasses</c>: COCO/YOLO
    /// categories, instance folders).</summary>
    public InstanceExtractionOptions InstanceExtraction { get; set; } = new();

    /// <summary>Images the trained transformer predicts in one batch (default 4).</summary>
    public int PredictionBatchSize { get; set; } = 4;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Check(bool ok, string name, object value, string rule) { if (!ok) throw new ArgumentOutOfRangeException(name, value, $"{name} {rule} (got {value})."); }
        Check(Epochs > 0, nameof(Epochs), Epochs, "must be positive");
        Check(BatchSize > 0, nameof(BatchSize), BatchSize, "must be positive");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "must be a positive number");
        Check(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "cannot be negative");
        Check(PolyPower >= 0, nameof(PolyPower), PolyPower, "cannot be negative");
        Check(IgnoreLabel is >= 0 and <= 255, nameof(IgnoreLabel), IgnoreLabel, "must be in [0, 255]");
        Check(SemanticLossWeight >= 0 && InstanceLossWeight >= 0, nameof(SemanticLossWeight), $"{SemanticLossWeight}/{InstanceLossWeight}", "and InstanceLossWeight cannot be negative");
        Check(IsDeviceName(Device), nameof(Device), Device ?? "null", "must be cpu, cuda or cuda:N (N = the GPU's index)");
        Check(NumberOfThreads >= 0, nameof(NumberOfThreads), NumberOfThreads, "cannot be negative");
        Check(Replicas >= 1 && Replicas <= BatchSize, nameof(Replicas), Replicas, "must be in [1, BatchSize]");
        Check(Replicas == 1 || Network.IsSpatialSamplingNetwork, nameof(Replicas), Replicas, "above 1 trains the Spatial Sampling Network only (not the Table 1 baselines)");
        Check(Replicas == 1 || Device == "cpu", nameof(Replicas), Replicas, $"above 1 trains on the CPU only (Device is {Device})");
        Check(Replicas == 1 || Precision != TrainingPrecision.BFloat16, nameof(Replicas), Replicas, "above 1 trains in fp32 only (Precision is BFloat16)");
        Check(ClassNames is null || ClassNames.Count > 0, nameof(ClassNames), "an empty list", "must name the classes, or be null to take the data's");
        Check(ValidateEveryEpochs > 0, nameof(ValidateEveryEpochs), ValidateEveryEpochs, "must be positive");
        Check(CheckpointEveryEpochs > 0, nameof(CheckpointEveryEpochs), CheckpointEveryEpochs, "must be positive");
        Check(PredictionBatchSize > 0, nameof(PredictionBatchSize), PredictionBatchSize, "must be positive");
        Check(ResumeFrom is null || File.Exists(ResumeFrom), nameof(ResumeFrom), ResumeFrom ?? "", "must name an existing checkpoint file");
        Check(InitialWeights is null || File.Exists(InitialWeights), nameof(InitialWeights), InitialWeights ?? "", "must name an existing .safetensors, .pth or .pt file");
        Check(LowResolutionEpochs >= 0 && LowResolutionEpochs < Epochs, nameof(LowResolutionEpochs), LowResolutionEpochs, "must be in [0, Epochs)");
        Check(LowResolutionScale is > 0 and <= 1, nameof(LowResolutionScale), LowResolutionScale, "must be in (0, 1]");
        Check(LowResolutionEpochs == 0 || Augmentation is { CropWidth: > 0, CropHeight: > 0 }, nameof(LowResolutionEpochs), LowResolutionEpochs,
            "needs Augmentation.CropWidth and CropHeight to be set");
        Check(FreezeEncoderEpochs >= 0, nameof(FreezeEncoderEpochs), FreezeEncoderEpochs, "cannot be negative");
        Check(Enum.IsDefined(Precision), nameof(Precision), Precision, $"must be one of {string.Join(", ", Enum.GetNames<TrainingPrecision>())}");
        Check(Enum.IsDefined(ClassWeighting), nameof(ClassWeighting), ClassWeighting, $"must be one of {string.Join(", ", Enum.GetNames<ClassWeighting>())}");
        Check(ClassWeights is null || ClassWeights.All(w => w >= 0 && float.IsFinite(w)), nameof(ClassWeights), ClassWeights is null ? "" : string.Join(",", ClassWeights), "must be finite and non-negative");
        Network.Validate();
        Augmentation.Validate();
        InstanceExtraction.Validate();
    }

    private static bool IsDeviceName(string? device) =>
        device is "cpu" or "cuda" ||
        device is not null && device.StartsWith("cuda:", StringComparison.Ordinal) &&
        int.TryParse(device.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
}
