using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Ssn.MLNet.Samples.Bench;
using Ssn.MLNet.Trainers;
using static TorchSharp.torch;

namespace Ssn.MLNet.Samples.Reporting;

/// <summary>
/// Where a result file's numbers came from, written into every JSON the command line produces (<c>metrics.json</c> of
/// the main job and <c>evaluate</c>, <c>bench</c>, the ablation tables) so that a committed file can be checked without
/// notes beside it: the UTC time, the commit the binaries were built from, the machine (CPU model, physical cores and
/// the vector instructions that decide its speed), libtorch's threads and the 1-minute load average (other work on the
/// machine slows every timing).
/// </summary>
public static class RunProvenance
{
    /// <summary>The commit the running binaries were built from (the SDK appends it to the informational version), or <c>unknown</c> (a build outside git).</summary>
    public static string Commit { get; } = ReadCommit();

    /// <summary>The machine in words, e.g. <c>AMD EPYC 9R45, 2 physical cores (2 logical), AVX2</c>.</summary>
    public static string Machine => machine.Value;

    private static readonly Lazy<string> machine = new(() =>
    {
        var cpu = CpuPeak.Detect();
        string isa = cpu.Lanes switch { 16 => "AVX-512", 8 => "AVX2", _ => "SSE" };
        if (TrainingPrecisions.CpuHasNativeBFloat16) isa += ", native bf16";
        if (cpu.Vnni) isa += ", VNNI";
        return $"{cpu.Model}, {cpu.Cores} physical cores ({cpu.LogicalProcessors} logical), {isa}";
    });

    /// <summary>The 1-minute load average now, or null where <c>/proc/loadavg</c> cannot be read.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The UTC time now as written in result files (<c>yyyy-MM-ddTHH:mm:ssZ</c>).</summary>
    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The <c>provenance</c> object: date (now, the end of the run), commit, machine, threads and load averages.</summary>
    /// <param name="loadAtStart">The load average taken when the run started (<see cref="LoadAverage"/>), if it was.</param>
    public static JsonObject ToJson(double? loadAtStart = null) => new()
    {
        ["date"] = Now(),
        ["commit"] = Commit,
        ["machine"] = Machine,
        ["torchThreads"] = get_num_threads(),
        ["processorCount"] = Environment.ProcessorCount,
        ["loadAverageStart"] = loadAtStart,
        ["loadAverageEnd"] = LoadAverage(),
    };

    private static string ReadCommit()
    {
        string? version = typeof(RunProvenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = version?.IndexOf('+') ?? -1;
        return plus < 0 ? "unknown" : version![(plus + 1)..][..Math.Min(7, version.Length - plus - 1)];
    }
}
