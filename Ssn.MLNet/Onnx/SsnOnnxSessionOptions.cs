using Microsoft.ML.OnnxRuntime;

namespace Ssn.MLNet.Onnx;

/// <summary>ONNX Runtime settings of <see cref="SsnOnnxPredictor"/>.</summary>
public sealed record SsnOnnxSessionOptions
{
    /// <summary>Intra-op threads (default 0: ONNX Runtime's choice, one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Graph optimisations (default all: constant folding, Conv+activation fusion, layout transforms).</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the invalid option.</summary>
    public void Validate()
    {
        if (IntraOpThreads < 0) throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "Thread count cannot be negative (0 = default).");
    }

    internal SessionOptions Create()
    {
        Validate();
        var options = new SessionOptions
        {
            GraphOptimizationLevel = OptimizationLevel,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = IntraOpThreads,
        };
        return options;
    }
}
