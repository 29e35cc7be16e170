using Microsoft.ML;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Trainers.MLNetInterop;

/// <summary>The engine that runs a segmentation model's network.</summary>
public enum InferenceBackend
{
    /// <summary>The engine the model file holds: TorchSharp for <c>train</c>'s model.zip, ONNX Runtime for <c>export</c>'s model-onnx.zip.</summary>
    Auto,

    /// <summary>TorchSharp (libtorch); needs a TorchSharp model file.</summary>
    Torch,

    /// <summary>ONNX Runtime; a TorchSharp model is exported to ONNX in memory (<see cref="SsnOnnxExporter.ToOnnxTransformer"/>).</summary>
    Onnx,
}

/// <summary>A segmentation transformer loaded for prediction, with its classes and the engine that runs it.</summary>
/// <param name="Transformer">A <see cref="SpatialSamplingTransformer"/> or an <see cref="SsnOnnxTransformer"/>: reads <c>Image</c>, adds <see cref="SegmentationOutputColumns"/>.</param>
/// <param name="Backend">Torch or Onnx.</param>
public sealed record SegmentationModelForPrediction(SegmentationTransformer Transformer, InferenceBackend Backend) : IDisposable
{
    /// <summary>The classes it predicts, by index.</summary>
    public IReadOnlyList<string> ClassNames => Transformer.ClassNames;

    /// <summary>Loads the segmentation transformer of model file <paramref name="path"/> to run on <paramref name="backend"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a loadable model, holds no (or several) segmentation
    /// transformers, holds an ONNX model and <paramref name="backend"/> is <see cref="InferenceBackend.Torch"/>, or
    /// <paramref name="onnxSession"/> is given for a model that runs on TorchSharp.</exception>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="path">The model file.</param>
    /// <param name="backend">The engine (default: the file's).</param>
    /// <param name="onnxSession">ONNX Runtime settings (execution provider, threads) for a model that runs on ONNX Runtime; default: the file's, or CPU.</param>
    public static SegmentationModelForPrediction Load(MLContext mlContext, string path, InferenceBackend backend = InferenceBackend.Auto,
        SsnOnnxSessionOptions? onnxSession = null) =>
        From(mlContext, SsnModelFile.LoadTransformer<SegmentationTransformer>(mlContext, path, out _), path, backend, onnxSession);

    /// <summary>As <see cref="Load(MLContext, string, InferenceBackend, SsnOnnxSessionOptions?)"/> for a transformer already
    /// loaded (e.g. a pretrained model of the zoo), named <paramref name="path"/> in messages; takes ownership of it.</summary>
    public static SegmentationModelForPrediction From(MLContext mlContext, SegmentationTransformer found, string path,
        InferenceBackend backend = InferenceBackend.Auto, SsnOnnxSessionOptions? onnxSession = null)
    {
        ArgumentNullException.ThrowIfNull(found);
        switch (found, backend)
        {
            case (SpatialSamplingTransformer torch, InferenceBackend.Onnx):
                try { return new(SsnOnnxExporter.ToOnnxTransformer(mlContext, torch, onnxSession), InferenceBackend.Onnx); }
                finally { torch.Dispose(); }
            case (SpatialSamplingTransformer torch, _) when onnxSession is not null:
                torch.Dispose();
                throw new InvalidDataException($"ONNX Runtime settings (execution provider {onnxSession.ExecutionProvider}) were given, but model file '{path}' " +
                                               "runs on TorchSharp with this backend: choose the Onnx backend (--backend onnx on the command line, " +
                                               "Segmentation:Backend = Onnx when serving).");
            case (SpatialSamplingTransformer torch, _):
                return new(torch, InferenceBackend.Torch);
            case (SsnOnnxTransformer onnx, not InferenceBackend.Torch) when onnxSession is null:
                return new(onnx, InferenceBackend.Onnx);
            case (SsnOnnxTransformer onnx, not InferenceBackend.Torch):
                try { return new(onnx.WithSessionOptions(mlContext, onnxSession), InferenceBackend.Onnx); }
                finally { onnx.Dispose(); }
            default:
                found.Dispose();
                throw new InvalidDataException($"Model file '{path}' holds an ONNX model, which the Torch backend cannot run: " +
                                               "use the Auto or Onnx backend, or train's TorchSharp model.zip.");
        }
    }

    /// <summary>As the other <c>Load</c>, with ONNX Runtime on <paramref name="executionProvider"/>: <see cref="OnnxExecutionProvider.Cpu"/>
    /// keeps the model file's own settings; another provider needs a model that runs on ONNX Runtime.</summary>
    public static SegmentationModelForPrediction Load(MLContext mlContext, string path, InferenceBackend backend, OnnxExecutionProvider executionProvider) =>
        Load(mlContext, path, backend, executionProvider == OnnxExecutionProvider.Cpu ? null : new SsnOnnxSessionOptions { ExecutionProvider = executionProvider });

    /// <summary>"TorchSharp" or "ONNX Runtime".</summary>
    public string EngineName => Backend == InferenceBackend.Onnx ? "ONNX Runtime" : "TorchSharp";

    /// <inheritdoc />
    public void Dispose() => Transformer.Dispose();
}
