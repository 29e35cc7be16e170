using System.Diagnostics;

namespace Ssn.MLNet.Samples.Bench;

/// <summary>Median and 90th percentile of repeated runs after warm-up.</summary>
/// <param name="MedianMs">Median, milliseconds.</param>
/// <param name="P90Ms">90th percentile (nearest rank), milliseconds.</param>
/// <param name="Runs">Number of timed runs.</param>
public sealed record Timing(double MedianMs, double P90Ms, int Runs)
{
    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="runs"/> times timed.</summary>
    public static Timing Measure(Action action, int warmup, int runs)
    {
        for (int i = 0; i < warmup; i++) action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Of(times);
    }

    /// <summary>Median and 90th percentile of <paramref name="times"/> (milliseconds, timed elsewhere).</summary>
    public static Timing Of(double[] times)
    {
        int runs = times.Length;
        times = times.Order().ToArray();
        double median = runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
        double p90 = times[Math.Min(runs - 1, (int)Math.Ceiling(0.9 * runs) - 1)];
        return new Timing(Math.Round(median, 2), Math.Round(p90, 2), runs);
    }
}

/// <summary>Peak resident memory of this process (Linux <c>VmHWM</c>), resettable per measurement.</summary>
public static class PeakMemory
{
    /// <summary>Resets the high-water mark (writes 5 to <c>/proc/self/clear_refs</c>); false where unsupported.</summary>
    public static bool Reset()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Peak resident set size in MiB since start or the last <see cref="Reset"/>; null where unknown.</summary>
    public static double? PeakMiB()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is null) return null;
            // "VmHWM:\t 5422000 kB"; from 8 digits on (≥ 9.5 GiB) no space follows the tab.
            return Math.Round(double.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024, 1);
        }
        catch (IOException) { return null; }
    }
}
