using Microsoft.ML.OnnxRuntime;

namespace Ssn.MLNet.OnnxRuntime;

/// <summary>Where ONNX Runtime runs the network.</summary>
public enum OnnxExecutionProvider
{
    /// <summary>The CPU (every ONNX Runtime package).</summary>
    Cpu,

    /// <summary>
    /// An NVIDIA GPU through CUDA: needs the package <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c> (or <c>.Gpu.Windows</c>)
    /// in place of <c>Microsoft.ML.OnnxRuntime</c>, and CUDA 12 with cuDNN 9 on the machine. Not verified by this
    /// project's tests, which run without a GPU.
    /// </summary>
    Cuda,
}

/// <summary>ONNX Runtime settings of <see cref="SsnOnnxPredictor"/>.</summary>
public sealed record SsnOnnxSessionOptions
{
    /// <summary>Execution provider (default <see cref="OnnxExecutionProvider.Cpu"/>).</summary>
    public OnnxExecutionProvider ExecutionProvider { get; init; }

    /// <summary>GPU index for <see cref="OnnxExecutionProvider.Cuda"/> (default 0).</summary>
    public int CudaDeviceId { get; init; }

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
        if (CudaDeviceId < 0) throw new ArgumentOutOfRangeException(nameof(CudaDeviceId), CudaDeviceId, "A GPU index cannot be negative.");
        if (!Enum.IsDefined(ExecutionProvider)) throw new ArgumentOutOfRangeException(nameof(ExecutionProvider), ExecutionProvider, "Unknown execution provider.");
    }

    internal SessionOptions Create()
    {
        Validate();
        SessionOptions options;
        try
        {
            options = new SessionOptions
            {
                GraphOptimizationLevel = OptimizationLevel,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                IntraOpNumThreads = IntraOpThreads,
            };
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException)
        {
            throw new NotSupportedException(
                $"ONNX Runtime's native library cannot be loaded ({(e.InnerException ?? e).Message.Trim()}). Ssn.MLNet depends on " +
                "Microsoft.ML.OnnxRuntime.Managed only: the application adds the native package, Microsoft.ML.OnnxRuntime (CPU) or " +
                "Microsoft.ML.OnnxRuntime.Gpu.Linux / .Gpu.Windows (CUDA), and deploys it with its output.", e);
        }
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", AllowSpinning ? "1" : "0");
        if (ExecutionProvider == OnnxExecutionProvider.Cuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(CudaDeviceId);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                options.Dispose();
                throw new NotSupportedException(
                    $"ONNX Runtime's CUDA execution provider is not available here ({e.Message.Trim()}). It needs the package " +
                    "Microsoft.ML.OnnxRuntime.Gpu.Linux (or Microsoft.ML.OnnxRuntime.Gpu.Windows) in place of Microsoft.ML.OnnxRuntime, " +
                    $"an NVIDIA GPU and CUDA 12 with cuDNN 9; {nameof(ExecutionProvider)} = {nameof(OnnxExecutionProvider.Cpu)} runs everywhere.", e);
            }
        }
        return options;
    }
}
