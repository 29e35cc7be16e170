using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Instances;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Modeling.Import;
using Ssn.MLNet.Trainers.Networks;
using Ssn.MLNet.Trainers.Optimization;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers;

/// <summary>
/// Trains the Spatial Sampling Network (paper §5–6) on an <see cref="IDataView"/> of images, train-id maps and,
/// when present, Cityscapes-encoded instance maps, and returns a <see cref="SpatialSamplingTransformer"/>. With
/// <see cref="SsnNetworkOptions.Architecture"/> and <see cref="SsnNetworkOptions.Decoder"/> of <see cref="SpatialSamplingTrainerOptions.Network"/> it
/// trains the paper's Table 1 networks instead (ERFNet, ENet, ESPNet, or SSN with another decoder), semantic only.
/// Create it through <c>mlContext.Segmentation().Trainers.SpatialSampling(...)</c>.
/// </summary>
public sealed class SpatialSamplingTrainer : IEstimator<SpatialSamplingTransformer>
{
    private readonly IHost host;

    /// <summary>Creates the trainer; <paramref name="options"/> are validated here (a bad option names itself).</summary>
    public SpatialSamplingTrainer(IHostEnvironment env, SpatialSamplingTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        host = env.Register(nameof(SpatialSamplingTrainer));
        Options = options ?? new SpatialSamplingTrainerOptions();
        Options.Validate();
        Environment = env;
    }

    /// <summary>The options.</summary>
    public SpatialSamplingTrainerOptions Options { get; }

    private IHostEnvironment Environment { get; }

    /// <summary>Progress of every epoch of the last <see cref="Fit"/> (including epochs restored from a checkpoint).</summary>
    public IReadOnlyList<TrainingProgress> History { get; private set; } = Array.Empty<TrainingProgress>();

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var image = inputSchema.FirstOrDefault(c => c.Name == Options.ImageColumnName);
        if (image.Name is null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Input column '{Options.ImageColumnName}' not found; an image column (MLImage) is needed.");
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var (name, item, _) in SegmentationOutputSchema.AddedColumns(outputScores: false))
            columns[name] = MLNetInternals.NewSchemaShapeColumn(name, SchemaShape.Column.VectorKind.VariableVector, item, isKey: false);
        return new SchemaShape(columns.Values);
    }

    /// <summary>Trains on <paramref name="input"/> and returns the trained transformer.</summary>
    public SpatialSamplingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = Options;
        // Instance maps are read only for a network with an instance module.
        var train = new TrainingData(input, o.ImageColumnName, o.LabelColumnName,
            o.Network.IsSpatialSamplingNetwork ? o.InstanceColumnName : null, "training");
        var validation = o.ValidationSet is null ? null
            : new TrainingData(o.ValidationSet, o.ImageColumnName, o.LabelColumnName, null, "validation");
        var classNames = o.ClassNames ?? (input as SegmentationDataSource)?.ClassNames ?? CityscapesLabels.TrainClassNames;
        if (o.ClassWeights is { } cw && cw.Length != classNames.Count)
            throw new ArgumentOutOfRangeException(nameof(o.ClassWeights), $"{nameof(o.ClassWeights)} has {cw.Length} weights for {classNames.Count} classes.");
        if (o.CheckpointDirectory is not null) AtomicFile.RequireWritableDirectory(o.CheckpointDirectory, nameof(o.CheckpointDirectory));

        using var ch = host.Start("Training");
        var classWeights = o.ClassWeights ?? (o.ClassWeighting == ClassWeighting.None ? null
            : ClassBalance.Weights(ClassBalance.Count(input, o.LabelColumnName, classNames.Count, ch, o.CancellationToken), o.ClassWeighting));
        if (o.ClassWeights is null && classWeights is not null)
            ch.Info(MessageSensitivity.None, $"Class weights ({o.ClassWeighting}): {string.Join(", ", classWeights.Select(w => w.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))}.");
        if (o.NumberOfThreads > 0) set_num_threads(o.NumberOfThreads);
        var device = new Device(o.Device);
        manual_seed(o.Seed);
        var network = TrainableNetwork.Create(o, classNames.Count);
        if (o.InitialWeights is not null)
        {
            var report = PyTorchImport.LoadMatching(network.Model, o.InitialWeights);
            if (report.Loaded.Count == 0)
                throw new InvalidDataException($"InitialWeights '{o.InitialWeights}': no tensor name matches the {network.Description} ({report}).");
            ch.Info(MessageSensitivity.None, $"Initial weights from '{o.InitialWeights}': {report}" +
                    (report.ShapeMismatches.Count + report.Missing.Count > 0 ? " (those not loaded keep their fresh initialisation)." : "."));
        }
        network.Model.to(device);
        bool instances = train.HasInstances;
        using var optimizer = new AdamOptimizer(network.Model.parameters(), o.LearningRate, o.WeightDecay);
        var loss = new SsnLoss(o.IgnoreLabel, classWeights is null ? null : tensor(classWeights, device: device),
            o.InstanceLoss, o.SemanticLossWeight, o.InstanceLossWeight);
        var augmentation = o.Augmentation;
        if (augmentation is { CropWidth: 0, CropHeight: 0 } && input is SegmentationDataSource { ImageSize: null } source
            && Enumerable.Range(0, source.Count).Select(source.ReadImageSize).Distinct().Skip(1).Any())
        {
            int crop = AugmentationOptions.MixedSizesCrop;
            augmentation = augmentation.WithCrop(crop, crop);
            ch.Info(MessageSensitivity.None, $"The training images differ in size: training on random {crop}×{crop} crops (set Augmentation.CropWidth and CropHeight to choose).");
        }
        var augmenter = new SegmentationAugmenter(augmentation);
        var lowResolution = o.LowResolutionEpochs > 0 ? new SegmentationAugmenter(augmentation.AtResolution(o.LowResolutionScale)) : augmenter;
        if (o.LowResolutionEpochs > 0)
            ch.Info(MessageSensitivity.None, $"Progressive resizing: epochs 1–{o.LowResolutionEpochs} on {lowResolution.Options.CropWidth}×{lowResolution.Options.CropHeight} crops " +
                    $"(scales {lowResolution.Options.MinScale:G3}–{lowResolution.Options.MaxScale:G3}), then {augmentation.CropWidth}×{augmentation.CropHeight}.");
        var precision = TrainingPrecisions.Resolve(o.Precision, o.Device);

        var checkpoint = new TrainingCheckpoint();
        TrainableNetwork? best = null;
        if (o.ResumeFrom is not null)
        {
            (checkpoint, best) = TrainingCheckpoint.Load(o.ResumeFrom, network, optimizer, o.Seed);
            best?.Model.to(device);
            ch.Info(MessageSensitivity.None, $"Resumed from '{o.ResumeFrom}' after epoch {checkpoint.CompletedEpochs}.");
        }
        int replicas = o.Replicas;
        if (replicas > 1 && precision != TrainingPrecision.Float32)
        {
            ch.Info(MessageSensitivity.None, $"Replicas {replicas} ignored: Precision Auto chose {precision}, and replicas train in fp32 only.");
            replicas = 1;
        }
        using var step = new TrainingStep(network, optimizer, loss, precision, replicas);
        var history = checkpoint.History.ToList();
        double bestIoU = checkpoint.BestMeanIoU;
        var clock = Stopwatch.StartNew();
        ch.Info(MessageSensitivity.None, $"Training the {network.Description}: {network.Model.parameters().Sum(p => p.numel()):N0} parameters, {classNames.Count} classes, " +
                $"{(instances ? "semantic + instance" : "semantic only")}, {o.Epochs} epochs, batch {o.BatchSize}, device {device}, precision {precision}" +
                (step.Replicas is { } group ? $", {group.Count} data-parallel replicas of {group.ThreadsPerReplica} thread(s) each" : "") +
                (o.Precision == TrainingPrecision.Auto ? $" (Auto: bfloat16 matrix units (AMX) {(TrainingPrecisions.CpuHasBFloat16MatrixUnits ? "available" : "not available")})." : "."));

        for (int epoch = checkpoint.CompletedEpochs; epoch < o.Epochs; epoch++)
        {
            o.CancellationToken.ThrowIfCancellationRequested();
            double lr = o.LearningRate * Math.Pow(1.0 - (double)epoch / o.Epochs, o.PolyPower);
            optimizer.LearningRate = lr;
            manual_seed(EpochSeed(o.Seed, epoch, 1));
            step.Replicas?.SeedDropout(EpochSeed(o.Seed, epoch, 3));
            var random = new Random(EpochSeed(o.Seed, epoch, 2));

            network.Model.train();
            if (o.FreezeEncoderEpochs > 0) step.FreezeEncoder(epoch < o.FreezeEncoderEpochs);
            var epochClock = Stopwatch.StartNew();
            double sumLoss = 0, sumSemantic = 0, sumInstance = 0;
            int batches = 0, images = 0;
            bool low = epoch < o.LowResolutionEpochs;
            foreach (var batch in Batches(train, low ? lowResolution : augmenter, o.Normalization, random, o.BatchSize, instances, device, o.CancellationToken))
            {
                var (total, semantic, instance) = step.Run(batch.Images, batch.Labels, batch.Targets, batch.Mask);
                sumLoss += total;
                sumSemantic += semantic;
                sumInstance += instance;
                batches++;
                images += (int)batch.Images.shape[0];
                batch.Dispose();
            }
            double seconds = epochClock.Elapsed.TotalSeconds;

            double meanIoU = double.NaN;
            if (validation is not null && !low && ((epoch + 1) % o.ValidateEveryEpochs == 0 || epoch + 1 == o.Epochs))
            {
                meanIoU = Validate(network, validation, classNames, o.Normalization);
                if (!(meanIoU <= bestIoU)) // also true while bestIoU is NaN
                {
                    bestIoU = meanIoU;
                    best?.Dispose();
                    best = network.Copy();
                }
            }
            var progress = new TrainingProgress(epoch + 1, o.Epochs, sumLoss / batches, sumSemantic / batches,
                instances ? sumInstance / batches : double.NaN, lr, images / seconds, meanIoU, clock.Elapsed);
            history.Add(progress);
            ch.Info(MessageSensitivity.None, $"epoch {progress.Epoch}/{o.Epochs}: {progress.LossText}, " +
                    $"lr {lr:G3}, {progress.ImagesPerSecond:F1} images/s" + (double.IsNaN(meanIoU) ? "" : $", val mIoU {meanIoU:F4}"));
            o.Progress?.Report(progress);

            if (o.CheckpointDirectory is not null && ((epoch + 1) % o.CheckpointEveryEpochs == 0 || epoch + 1 == o.Epochs))
            {
                string path = Path.Combine(o.CheckpointDirectory, TrainingCheckpoint.FileName(epoch + 1));
                new TrainingCheckpoint { CompletedEpochs = epoch + 1, BestMeanIoU = bestIoU, History = history }.Save(path, network, optimizer, best, o.Seed);
                ch.Info(MessageSensitivity.None, $"Checkpoint written: {path}");
            }
        }
        History = history;

        if (o.KeepBestModel && best is not null)
        {
            ch.Info(MessageSensitivity.None, $"Keeping the weights of the best epoch (validation mIoU {bestIoU:F4}).");
            network.Dispose();
            network = best;
        }
        else best?.Dispose();
        network.Model.eval();
        var extraction = o.InstanceExtraction;
        if (input is SegmentationDataSource { ThingClasses: { } fromData } && extraction.ThingClasses.SequenceEqual(CityscapesLabels.InstanceTrainIds)
            && !fromData.SequenceEqual(extraction.ThingClasses))
        {
            extraction = extraction with { ThingClasses = fromData };
            ch.Info(MessageSensitivity.None, $"Thing classes from the data: {string.Join(", ", fromData.Select(k => classNames[k]))}.");
        }
        return network.ToTransformer(Environment, classNames, o.Normalization, new SpatialSamplingTransformerOptions
        {
            ImageColumnName = o.ImageColumnName,
            BatchSize = o.PredictionBatchSize,
            InstanceExtraction = extraction,
        });
    }

    /// <summary>A distinct seed per (run seed, epoch, stream), the same in every process.</summary>
    internal static int EpochSeed(int seed, int epoch, int stream) => StableSeed.Mix(seed, epoch, stream);

    /// <summary>Mean IoU of <paramref name="network"/> (eval mode) on the validation data.</summary>
    private static double Validate(TrainableNetwork network, TrainingData validation, IReadOnlyList<string> classNames, ImageNormalization normalization)
    {
        network.Model.eval();
        var accumulator = new SegmentationMetricsAccumulator(classNames.Count, classNames);
        using var predictor = network.CreateValidationPredictor();
        foreach (var sample in validation.Read(null))
        {
            normalization.NormalizeInPlace(sample.Image, sample.Width * sample.Height);
            using var x = tensor(sample.Image, new long[] { 1, 3, sample.Height, sample.Width });
            var p = predictor.Predict(x)[0];
            accumulator.Add(sample.Label, p.Labels);
        }
        return accumulator.GetMetrics().MeanIoU;
    }

    /// <summary>One mini-batch on the training device.</summary>
    private sealed record Batch(Tensor Images, Tensor Labels, Tensor? Targets, Tensor? Mask) : IDisposable
    {
        public void Dispose()
        {
            Images.Dispose();
            Labels.Dispose();
            Targets?.Dispose();
            Mask?.Dispose();
        }
    }

    /// <summary>Prepared mini-batch in plain arrays (made on a background thread while the previous batch trains).</summary>
    private sealed record HostBatch(int Count, int Width, int Height, float[] Images, long[] Labels, float[]? Centres, bool[]? Mask);

    /// <summary>
    /// Augmented mini-batches of one epoch: reading, decoding and augmentation run on a background thread, one batch
    /// ahead of training. The last incomplete batch is kept (as long as it has one image).
    /// </summary>
    private static IEnumerable<Batch> Batches(TrainingData data, SegmentationAugmenter augmenter, ImageNormalization normalization,
        Random random, int batchSize, bool instances, Device device, CancellationToken token)
    {
        using var queue = new BlockingCollection<HostBatch>(boundedCapacity: 2);
        Exception? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                var pending = new List<SegmentationSample>();
                foreach (var sample in data.Read(random))
                {
                    token.ThrowIfCancellationRequested();
                    var augmented = augmenter.Apply(sample, random);
                    if (pending.Count > 0 && (pending[0].Width != augmented.Width || pending[0].Height != augmented.Height))
                        throw new InvalidDataException($"Training images have different sizes ({pending[0].Width}×{pending[0].Height} and " +
                            $"{augmented.Width}×{augmented.Height}); set Augmentation.CropWidth and CropHeight so that batches can be stacked.");
                    normalization.NormalizeInPlace(augmented.Image, augmented.Width * augmented.Height);
                    pending.Add(augmented);
                    if (pending.Count == batchSize) { queue.Add(Stack(pending, instances), token); pending.Clear(); }
                }
                if (pending.Count > 0) queue.Add(Stack(pending, instances), token);
            }
            catch (Exception e) { failure = e; }
            finally { queue.CompleteAdding(); }
        });
        foreach (var host in queue.GetConsumingEnumerable())
        {
            token.ThrowIfCancellationRequested();
            long b = host.Count, h = host.Height, w = host.Width;
            yield return new Batch(
                tensor(host.Images, new[] { b, 3, h, w }, device: device),
                tensor(host.Labels, new[] { b, h, w }, device: device),
                host.Centres is null ? null : tensor(host.Centres, new[] { b, 2, h, w }, device: device),
                host.Mask is null ? null : tensor(host.Mask, new[] { b, h, w }, device: device));
        }
        producer.Wait();
        if (failure is OperationCanceledException) token.ThrowIfCancellationRequested();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Stacks samples; instance centres and mask only when <paramref name="instances"/> (the network trains them).</summary>
    private static HostBatch Stack(List<SegmentationSample> items, bool instances)
    {
        int w = items[0].Width, h = items[0].Height, n = w * h, b = items.Count;
        var images = new float[b * 3 * n];
        var labels = new long[b * n];
        var centres = instances ? new float[b * 2 * n] : null;
        var mask = instances ? new bool[b * n] : null;
        for (int i = 0; i < b; i++)
        {
            items[i].Image.CopyTo(images, i * 3 * n);
            for (int p = 0; p < n; p++) labels[i * n + p] = items[i].Label[p];
            if (instances)
                InstanceCentres.Compute(items[i].Instances!, w, h, centres.AsSpan(2 * i * n, n), centres.AsSpan((2 * i + 1) * n, n), mask.AsSpan(i * n, n));
        }
        return new HostBatch(b, w, h, images, labels, centres, mask);
    }
}
