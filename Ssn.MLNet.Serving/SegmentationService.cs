using System.Diagnostics;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Trainers.MLNetInterop;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Serving;

/// <summary>
/// Holds the loaded model and a pool of ML.NET <c>PredictionEngine</c>s (an engine is not thread-safe; the pool
/// hands each request its own) behind a gate of <see cref="ServingOptions.MaxConcurrentPredictions"/> slots.
/// </summary>
public sealed class SegmentationService : IDisposable
{
    private readonly MLContext ml = new(seed: 1);
    private readonly SegmentationModelForPrediction loaded;
    private readonly ObjectPool<PredictionEngine<SegmentationInput, SegmentationPrediction>> engines;
    private readonly SemaphoreSlim slots;
    private readonly ServingOptions options;

    /// <summary>Loads the model named by <paramref name="options"/>; a wrong setting or model file fails here, at start-up.</summary>
    public SegmentationService(IOptions<ServingOptions> options, ILogger<SegmentationService> log)
    {
        this.options = options.Value;
        this.options.Validate();
        loaded = Models.PretrainedModels.LoadForPrediction(ml, this.options.ModelPath, this.options.Backend, this.options.OnnxExecutionProvider);
        slots = new SemaphoreSlim(this.options.MaxConcurrentPredictions);
        // For IDisposable objects the provider's pool disposes what it retains when it is disposed itself.
        engines = new DefaultObjectPoolProvider { MaximumRetained = this.options.MaxConcurrentPredictions }.Create(new EnginePolicy(ml, loaded.Transformer));
        engines.Return(engines.Get()); // the first engine now: a model that cannot build one fails at start-up
        log.LogInformation("Serving {Model} with {Backend} ({Classes} classes, {Slots} prediction slot(s), at most {MaxPixels:N0} pixels)",
            this.options.ModelPath, Backend, ClassNames.Count, this.options.MaxConcurrentPredictions, this.options.MaxPixels);
    }

    /// <summary>Names of the model's classes, by index.</summary>
    public IReadOnlyList<string> ClassNames => loaded.ClassNames;

    /// <summary>The engine that predicts.</summary>
    public string Backend => loaded.EngineName;

    /// <summary>What <c>GET /health</c> reports.</summary>
    public HealthResponse Health() =>
        new("ok", Backend, Path.GetFileName(options.ModelPath), ClassNames, options.MaxPixels, options.MaxConcurrentPredictions);

    /// <summary>Whether an image of this size is over <see cref="ServingOptions.MaxPixels"/>; the message says by how much.</summary>
    public bool IsTooLarge(int width, int height, out string message)
    {
        long pixels = (long)width * height;
        message = $"The image is {width}×{height} = {pixels:N0} pixels, more than this server's limit of {options.MaxPixels:N0} ({ServingOptions.Section}:MaxPixels): resize it.";
        return pixels > options.MaxPixels;
    }

    /// <summary>Decodes and predicts one encoded image.</summary>
    /// <exception cref="InvalidDataException">Not a decodable image (or over the pixel limit: check <see cref="IsTooLarge"/> first).</exception>
    public async Task<(RgbImage Image, SegmentationPrediction Prediction, Timings Timings)> SegmentAsync(
        byte[] encoded, string name, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var image = ImageFile.DecodeRgb(encoded, name, options.MaxPixels);
        double decoded = clock.Elapsed.TotalMilliseconds;
        await slots.WaitAsync(cancellation);
        double started = clock.Elapsed.TotalMilliseconds;
        SegmentationPrediction prediction;
        try
        {
            var engine = engines.Get();
            try
            {
                using var input = image.ToMLImage();
                prediction = engine.Predict(new SegmentationInput { Image = input });
            }
            finally { engines.Return(engine); }
        }
        finally { slots.Release(); }
        double done = clock.Elapsed.TotalMilliseconds;
        return (image, prediction, new Timings(decoded, started - decoded, done - started, done));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        (engines as IDisposable)?.Dispose();
        loaded.Dispose();
        slots.Dispose();
    }

    private sealed class EnginePolicy(MLContext ml, ITransformer model) : PooledObjectPolicy<PredictionEngine<SegmentationInput, SegmentationPrediction>>
    {
        public override PredictionEngine<SegmentationInput, SegmentationPrediction> Create() =>
            ml.Model.CreatePredictionEngine<SegmentationInput, SegmentationPrediction>(model, new PredictionEngineOptions { OwnsTransformer = false });

        public override bool Return(PredictionEngine<SegmentationInput, SegmentationPrediction> engine) => true;
    }
}
