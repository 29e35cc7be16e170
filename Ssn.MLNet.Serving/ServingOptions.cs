using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.MLNetInterop;

namespace Ssn.MLNet.Serving;

/// <summary>The configuration section <c>Segmentation</c> (appsettings.json, environment <c>Segmentation__ModelPath</c>, command line).</summary>
public sealed class ServingOptions
{
    /// <summary>The section's name.</summary>
    public const string Section = "Segmentation";

    /// <summary>The ML.NET model file (<c>train</c>'s model.zip or <c>export</c>'s model-onnx.zip). Required.</summary>
    public string ModelPath { get; set; } = "";

    /// <summary>Inference engine (default <see cref="InferenceBackend.Auto"/>: the model file's; <c>Onnx</c> exports a TorchSharp model to ONNX in memory at start-up).</summary>
    public InferenceBackend Backend { get; set; } = InferenceBackend.Auto;

    /// <summary>
    /// ONNX Runtime execution provider when the engine is ONNX Runtime (default Cpu). Cuda needs the package
    /// Microsoft.ML.OnnxRuntime.Gpu.Linux in place of Microsoft.ML.OnnxRuntime (a one-line change in the project file)
    /// and CUDA 12 + cuDNN 9; without them start-up fails with a message that says so.
    /// </summary>
    public OnnxExecutionProvider OnnxExecutionProvider { get; set; } = OnnxExecutionProvider.Cpu;

    /// <summary>Largest image (width × height) accepted; larger ones get 413 before their pixels are decoded. Default 16,000,000 (a 4K frame is 8.3 M).</summary>
    public long MaxPixels { get; set; } = 16_000_000;

    /// <summary>Largest request body in bytes (Kestrel's limit); larger ones get 413. Default 32 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Predictions run at once; further requests wait their turn. Default 1: libtorch and ONNX Runtime already spread one
    /// image over every core, so more at once only adds latency on a small machine. Raise it on many-core servers.
    /// </summary>
    public int MaxConcurrentPredictions { get; set; } = 1;

    /// <summary>Throws naming the setting that is wrong.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelPath))
            throw new InvalidOperationException($"Set {Section}:ModelPath (appsettings.json, or the environment variable {Section}__ModelPath) to a model file.");
        if (MaxPixels <= 0) throw new InvalidOperationException($"{Section}:MaxPixels must be positive (got {MaxPixels}).");
        if (MaxRequestBytes <= 0) throw new InvalidOperationException($"{Section}:MaxRequestBytes must be positive (got {MaxRequestBytes}).");
        if (MaxConcurrentPredictions <= 0)
            throw new InvalidOperationException($"{Section}:MaxConcurrentPredictions must be positive (got {MaxConcurrentPredictions}).");
    }
}
