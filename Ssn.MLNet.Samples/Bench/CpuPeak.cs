namespace Ssn.MLNet.Samples.Bench;

/// <summary>
/// This CPU's theoretical fp32 peak: physical cores × clock × vector lanes × 2 (an FMA is two FLOPs) × FMA pipes. Cores
/// are the distinct (physical id, core id) pairs of <c>/proc/cpuinfo</c>, not logical CPUs; lanes come from the
/// instruction set (AVX-512: 16 floats, AVX2: 8, else 4); two FMA pipes per core is an assumption (true of Zen 4/5 and
/// recent Intel cores, not of every AVX-512 part); the clock is <c>cpuinfo_max_freq</c> from sysfs where the kernel
/// exposes it, else the <em>current</em> <c>cpu MHz</c> of <c>/proc/cpuinfo</c> (<see cref="ClockSource"/> says which;
/// neither is a guaranteed sustained clock). It is an estimate: the measured ceiling is libtorch's own matrix multiply
/// (<see cref="BenchReport.MeasuredMatmulGFlops"/>), which achieved figures are compared with first.
/// <see cref="Model"/> carries the CPU family and model numbers, since VMs often print only the vendor's brand.
/// bf16 (AVX512-BF16 <c>vdpbf16ps</c>) doubles the multiply rate.
/// </summary>
public sealed record CpuPeak(string Model, int Cores, int LogicalProcessors, double GHz, string ClockSource, int Lanes, int FmaPipes, bool Bf16, bool Vnni)
{
    /// <summary>Estimated fp32 peak in GFLOP/s (at <see cref="GHz"/>).</summary>
    public double PeakGFlops => Math.Round(Cores * GHz * Lanes * 2 * FmaPipes, 1);

    /// <summary>bf16 peak in GFLOP/s: twice fp32 with AVX512-BF16 (<c>vdpbf16ps</c> does two multiply-adds per lane), else fp32's.</summary>
    public double PeakGFlopsBf16 => Bf16 ? 2 * PeakGFlops : PeakGFlops;

    /// <summary>Reads <c>/proc/cpuinfo</c> and sysfs (falls back to the logical CPU count, 4 lanes and 2 GHz where they cannot be read).</summary>
    public static CpuPeak Detect()
    {
        string model = "unknown", family = "", modelNumber = "", flags = "", physical = "0";
        double mhz = 0;
        var cores = new HashSet<(string, string)>();
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                var parts = line.Split(':', 2);
                if (parts.Length < 2) continue;
                string key = parts[0].Trim(), value = parts[1].Trim();
                if (key == "model name" && model == "unknown") model = value;
                else if (key == "cpu family" && family.Length == 0) family = value;
                else if (key == "model" && modelNumber.Length == 0) modelNumber = value;
                else if (key == "cpu MHz" && mhz == 0 && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var m)) mhz = m;
                else if (key == "flags" && flags.Length == 0) flags = value;
                else if (key == "physical id") physical = value;
                else if (key == "core id") cores.Add((physical, value));
            }
        }
        catch (IOException) { }
        string source = "current clock (cpu MHz in /proc/cpuinfo)";
        try
        {
            const string max = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
            if (File.Exists(max) && double.TryParse(File.ReadAllText(max).Trim(), out var khz)) { mhz = khz / 1000; source = "cpuinfo_max_freq (sysfs)"; }
        }
        catch (IOException) { }
        if (mhz <= 0) { mhz = 2000; source = "assumed 2 GHz (no clock readable)"; }
        var set = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        int lanes = set.Contains("avx512f") ? 16 : set.Contains("avx2") ? 8 : 4;
        int physicalCores = cores.Count > 0 ? cores.Count : Environment.ProcessorCount;
        // Two CPUs that both print "AMD EPYC" (Zen 3: family 25 model 1; Zen 4: family 25 model 17) differ by ~1.5× here.
        if (family.Length > 0) model += $" (family {family} model {modelNumber})";
        return new CpuPeak(model, physicalCores, Environment.ProcessorCount, Math.Round(mhz / 1000, 3), source, lanes, 2,
            set.Contains("avx512_bf16"), set.Contains("avx512_vnni"));
    }
}
