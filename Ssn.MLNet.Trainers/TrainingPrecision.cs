using System.Runtime.Intrinsics.X86;

namespace Ssn.MLNet.Trainers;

/// <summary>Arithmetic of training (<see cref="SpatialSamplingTrainerOptions.Precision"/>).</summary>
public enum TrainingPrecision
{
    /// <summary><see cref="BFloat16"/> on a CPU with native bfloat16 instructions (AVX512-BF16, AMX or AVX10), else <see cref="Float32"/>.</summary>
    Auto,

    /// <summary>Everything in fp32.</summary>
    Float32,

    /// <summary>
    /// Mixed precision: convolutions, activations and sampling of the network in bfloat16; master weights, Adam state,
    /// BatchNorm statistics, the loss and its reductions in fp32. Without native bfloat16 instructions libtorch emulates
    /// them, which is correct but slower than fp32.
    /// </summary>
    BFloat16,
}

/// <summary>What <see cref="TrainingPrecision.Auto"/> resolves to on this machine.</summary>
public static class TrainingPrecisions
{
    /// <summary>Whether the CPU runs bfloat16 dot products natively (what oneDNN's bf16 convolutions need to be fast).</summary>
    public static bool CpuHasNativeBFloat16 { get; } = Detect();

    /// <summary>The precision <paramref name="precision"/> trains in on <paramref name="device"/>.</summary>
    public static TrainingPrecision Resolve(TrainingPrecision precision, string device = "cpu") =>
        precision != TrainingPrecision.Auto ? precision
        : device.StartsWith("cpu", StringComparison.OrdinalIgnoreCase) && CpuHasNativeBFloat16 ? TrainingPrecision.BFloat16
        : TrainingPrecision.Float32;

    private static bool Detect()
    {
        if (Avx10v1.IsSupported) return true; // AVX10.1 includes the AVX512-BF16 instructions
        // .NET exposes no AVX512-BF16 or AMX flag: on Linux read what the kernel reports (a hypervisor may hide them).
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo")) return false;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Split(' ', '\t').Any(f => f is "avx512_bf16" or "amx_bf16");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }
}
