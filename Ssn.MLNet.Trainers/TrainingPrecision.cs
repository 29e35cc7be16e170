using System.Runtime.Intrinsics.X86;

namespace Ssn.MLNet.Trainers;

/// <summary>Arithmetic of training (<see cref="SpatialSamplingTrainerOptions.Precision"/>).</summary>
public enum TrainingPrecision
{
    /// <summary>
    /// <see cref="BFloat16"/> on a CPU with bfloat16 matrix units (AMX-BF16), else <see cref="Float32"/>. Native bfloat16
    /// dot products alone (AVX512-BF16 without AMX) do not pay reliably: on such a Xeon the bf16 training step took 1.30×
    /// and 0.93× the fp32 time in two sittings (2026-12-07, see the README's "Training speed"), while the recipes were
    /// verified in fp32 and <see cref="SpatialSamplingTrainerOptions.Replicas"/> needs fp32.
    /// </summary>
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
    /// <summary>The CPU flags the Linux kernel reports (a hypervisor may hide some); empty elsewhere. .NET exposes no
    /// AVX512-BF16 or AMX flag. Declared first: static initialisers run in order.</summary>
    private static readonly HashSet<string> CpuFlags = ReadCpuFlags();

    /// <summary>Whether the CPU runs bfloat16 dot products natively (AVX512-BF16, AMX or AVX10); without them libtorch emulates bf16.</summary>
    public static bool CpuHasNativeBFloat16 { get; } = Avx10v1.IsSupported // AVX10.1 includes the AVX512-BF16 instructions
        || CpuFlags.Contains("avx512_bf16") || CpuFlags.Contains("amx_bf16");

    /// <summary>Whether the CPU has bfloat16 matrix units (AMX-BF16), where oneDNN's bf16 convolutions outrun fp32.</summary>
    public static bool CpuHasBFloat16MatrixUnits { get; } = CpuFlags.Contains("amx_bf16");

    /// <summary>The precision <paramref name="precision"/> trains in on <paramref name="device"/>.</summary>
    public static TrainingPrecision Resolve(TrainingPrecision precision, string device = "cpu") =>
        precision != TrainingPrecision.Auto ? precision
        : device.StartsWith("cpu", StringComparison.OrdinalIgnoreCase) && CpuHasBFloat16MatrixUnits ? TrainingPrecision.BFloat16
        : TrainingPrecision.Float32;

    private static HashSet<string> ReadCpuFlags()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("flags", StringComparison.Ordinal))
                        return line[(line.IndexOf(':') + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return [];
    }
}
