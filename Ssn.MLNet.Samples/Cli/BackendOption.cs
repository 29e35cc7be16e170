using System.CommandLine;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.MLNetInterop;

namespace Ssn.MLNet.Samples.Cli;

/// <summary>
/// <c>--backend</c> and <c>--execution-provider</c> of the verbs that predict with a saved model (<c>predict</c>,
/// <c>evaluate</c>), and how their <c>--model</c> is read: a model file, or a pretrained model's name.
/// </summary>
internal sealed class BackendOption
{
    private readonly Option<InferenceBackend> backend = Create();
    private readonly Option<OnnxExecutionProvider> provider = new("--execution-provider")
    {
        Description = "ONNX Runtime execution provider when the engine is ONNX Runtime: Cpu, or Cuda (needs the Microsoft.ML.OnnxRuntime.Gpu.Linux package in place of Microsoft.ML.OnnxRuntime, and CUDA 12 + cuDNN 9).",
        DefaultValueFactory = _ => OnnxExecutionProvider.Cpu,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(backend);
        command.Options.Add(provider);
    }

    /// <summary>Loads the model file for prediction on the chosen engine.</summary>
    public SegmentationModelForPrediction Load(Microsoft.ML.MLContext ml, string path, ParseResult p) =>
        Models.PretrainedModels.LoadForPrediction(ml, path, p.GetValue(backend), p.GetValue(provider));

    private static Option<InferenceBackend> Create() => new("--backend")
    {
        Description = "Inference engine: Auto (the model file's: TorchSharp for train's model.zip, ONNX Runtime for export's model-onnx.zip), " +
                      "Torch, or Onnx (a TorchSharp model is exported to ONNX in memory first).",
        DefaultValueFactory = _ => InferenceBackend.Auto,
    };
}
