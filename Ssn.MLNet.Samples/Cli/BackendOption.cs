using System.CommandLine;
using Ssn.MLNet.MLNetInterop;

namespace Ssn.MLNet.Samples.Cli;

/// <summary><c>--backend</c> of the verbs that predict with a saved model (<c>predict</c>, <c>evaluate</c>).</summary>
internal static class BackendOption
{
    public static Option<InferenceBackend> Create() => new("--backend")
    {
        Description = "Inference engine: Auto (the model file's: TorchSharp for train's model.zip, ONNX Runtime for export's model-onnx.zip), " +
                      "Torch, or Onnx (a TorchSharp model is exported to ONNX in memory first).",
        DefaultValueFactory = _ => InferenceBackend.Auto,
    };
}
