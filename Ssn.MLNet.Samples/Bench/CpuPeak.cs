namespace Ssn.MLNet.Samples.Bench;

/// <summary>
/// This CPU's theoretical fp32 peak: cores × clock × vector lanes × 2 (an FMA is two FLOPs) × FMA pipes. Lanes from
/// the instruction set (AVX-512: 16 floats, AVX2: 8, else 4); two FMA pipes per core is assumed (true of Zen 4/5 and
/// recent Intel cores); the clock is the one <c>/proc/cpuinfo</c> reports (a VM reports its nominal clock; boost
/// can be higher). bf16 (AVX512-BF16 <c>vdpbf16ps</c>) doubles the multiply rate.
/// </summary>
public sealed record CpuPeak(string Model, int Cores, double GHz, int Lanes, int FmaPipes, bool Bf16, bool Vnni)
{
    /// <summary>fp32 peak in GFLOP/s (at the reported clock).</summary>
    public double PeakGFlops => Math.Round(Cores * GHz * Lanes * 2 * FmaPipes, 1);

    /// <summary>bf16 peak in GFLOP/s: twice fp32 with AVX512-BF16 (<c>vdpbf16ps</c> does two multiply-adds per lane), else fp32's.</summary>
    public double PeakGFlopsBf16 => Bf16 ? 2 * PeakGFlops : PeakGFlops;

    /// <summary>Reads <c>/proc/cpuinfo</c> (falls back to 4 lanes at 2 GHz where it cannot be read).</summary>
    public static CpuPeak Detect()
    {
        string model = "unknown", flags = "";
        double mhz = 2000;
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var parts = line.Split(':', 2);
                if (parts.Length < 2) continue;
                var key = parts[0].Trim();
                if (key == "model name" && model == "unknown") model = parts[1].Trim();
                else if (key == "cpu MHz" && double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var m)) mhz = m;
                else if (key == "flags" && flags.Length == 0) flags = parts[1];
            }
        }
        catch (IOException) { }
        var set = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        int lanes = set.Contains("avx512f") ? 16 : set.Contains("avx2") ? 8 : 4;
        return new CpuPeak(model, Environment.ProcessorCount, Math.Round(mhz / 1000, 3), lanes, 2, set.Contains("avx512_bf16"), set.Contains("avx512_vnni"));
    }
}
