using System.Diagnostics;
using System.Globalization;

namespace Ssn.MLNet.Trainers;

/// <summary>The phases of one training step, in the order <see cref="TrainingStep"/> runs them.</summary>
public enum TrainingPhase
{
    /// <summary>Clearing the gradients (and, in bfloat16, copying master weights into the compute copy).</summary>
    ZeroGrad,

    /// <summary>Encoder, 1×1 heads and the instance module's t sampling steps, at output stride 8.</summary>
    Forward,

    /// <summary>iGUM: the guided grid and the full-resolution <c>grid_sample</c> of logits and centres (the whole decoder for other decoders is in <see cref="Forward"/>).</summary>
    Upsample,

    /// <summary>Cross-entropy and instance loss.</summary>
    Loss,

    /// <summary>Autograd backward (and, in bfloat16, handing the gradients back to the master weights).</summary>
    Backward,

    /// <summary>
    /// With <see cref="SpatialSamplingTrainerOptions.Replicas"/> above 1: forward, upsampling, loss and backward of all
    /// replicas, which run at once, and averaging their gradients (the four phases above are then 0).
    /// </summary>
    Replicas,

    /// <summary>The Adam step (and, with replicas, copying the new weights into them).</summary>
    Optimizer,

    /// <summary>Reading the loss values back as numbers.</summary>
    Readout,
}

/// <summary>
/// Wall-clock time and minor page faults per <see cref="TrainingPhase"/> of one step. On the CPU libtorch runs every
/// operation synchronously on the calling thread (with its intra-op threads), so a clock read between phases splits the
/// step exactly; on a GPU the phases would need a synchronisation first and are not split meaningfully.
/// </summary>
internal sealed class TrainingPhaseClock
{
    private static readonly int Count = Enum.GetValues<TrainingPhase>().Length;
    private long last, lastFaults;

    /// <summary>Milliseconds per phase of the current step.</summary>
    public double[] Milliseconds { get; } = new double[Count];

    /// <summary>Minor page faults per phase of the current step (fresh memory touched: the kernel zeroes and maps a page); 0 where unknown.</summary>
    public long[] MinorFaults { get; } = new long[Count];

    /// <summary>Clears the counts and starts the step.</summary>
    public void Start()
    {
        Array.Clear(Milliseconds);
        Array.Clear(MinorFaults);
        lastFaults = ProcessMinorFaults();
        last = Stopwatch.GetTimestamp();
    }

    /// <summary>Ends <paramref name="phase"/> now (the next phase starts).</summary>
    public void Lap(TrainingPhase phase)
    {
        long now = Stopwatch.GetTimestamp();
        Milliseconds[(int)phase] += Stopwatch.GetElapsedTime(last, now).TotalMilliseconds;
        long faults = ProcessMinorFaults();
        MinorFaults[(int)phase] += faults - lastFaults;
        lastFaults = faults;
        last = Stopwatch.GetTimestamp(); // the /proc read is not charged to the next phase
    }

    /// <summary>Minor page faults of this process so far (Linux <c>/proc/self/stat</c>, field 10); 0 elsewhere.</summary>
    internal static long ProcessMinorFaults()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            // Fields after the command name (which may hold spaces): state is field 3, minflt field 10.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[10 - 3], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
