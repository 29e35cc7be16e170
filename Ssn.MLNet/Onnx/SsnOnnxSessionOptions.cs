using Microsoft.ML.OnnxRuntime;

namespace Ssn.MLNet.Onnx;

/// <summary>ONNX Runtime settings of <see cref="SsnOnnxPredictor"/>.</summary>
public sealed record SsnOnnxSessionOptions
{
    /// <summary>Intra-op threads (default 0: ONNX Runtime's choice, one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Graph optimisations (default all: constant folding, Conv+activation fusion, layout transforms).</summary>
    public GraphOptimizationLevel OptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Whether idle intra-op threads spin (default false). Spinning saves microseconds on an idle machine; on a
    /// machine shared with other work it made a 512×1024 inference several times slower (measured on 2 cores).
    /// </summary>
    public bool AllowSpinning { get; init; }

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
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", AllowSpinning ? "1" : "0");
        return options;
    }
}
