namespace Ssn.MLNet.Samples.Ablation;

/// <summary>
/// One of the paper's ablation tables: its variants, how a training budget becomes epochs, and how to run it.
/// </summary>
/// <remarks>
/// The budget is never enforced by the clock: <see cref="EpochsFor"/> turns minutes into a number of epochs with a
/// per-table constant measured on the project's 2-core CPU (idle), and every variant of a table trains that many
/// epochs with the same seed and data. A table's results therefore depend only on the seed and the budget (and the
/// data), not on how busy the machine is; on a busier machine the run simply takes longer.
/// </remarks>
internal abstract class AblationTable
{
    /// <summary>The paper's table number.</summary>
    public abstract int Number { get; }

    /// <summary>The default budget in minutes (the whole table, training and measurement).</summary>
    public abstract double DefaultBudgetMinutes { get; }

    /// <summary>
    /// Epochs per variant per budget minute, calibrated on the project's CPU so that the whole table (every variant's
    /// training plus evaluation and timings) takes about the budget.
    /// </summary>
    public abstract double EpochsPerMinute { get; }

    /// <summary>Row keys, for <c>--rows</c> and <c>--help</c>.</summary>
    public abstract IReadOnlyList<string> RowKeys { get; }

    /// <summary>Epochs per variant for a budget of <paramref name="minutes"/>: max(1, round(minutes × <see cref="EpochsPerMinute"/>)).</summary>
    public int EpochsFor(double minutes) => Math.Max(1, (int)Math.Round(minutes * EpochsPerMinute, MidpointRounding.AwayFromZero));

    /// <summary>Trains and measures the selected rows and returns the finished report.</summary>
    public abstract Task<AblationReport> RunAsync(AblationRun run, IReadOnlyList<string> rows);

    /// <summary>The tables the verb knows.</summary>
    public static IReadOnlyList<int> Known { get; } = new[] { 1, 3, 5, 6 };

    /// <summary>The table numbered <paramref name="number"/>.</summary>
    public static AblationTable For(int number) => number switch
    {
        1 => new Table1Decoders(),
        3 => new Table3LnbDesign(),
        5 => new Table5InstanceLoss(),
        6 => new Table6SamplingSteps(),
        _ => throw new ArgumentOutOfRangeException(nameof(number), number, $"Unknown table; expected one of {string.Join(", ", Known)}."),
    };

    /// <summary>The selected row keys in table order (all when <paramref name="selection"/> is null).</summary>
    public IReadOnlyList<string> Select(IReadOnlyList<string>? selection) =>
        selection is null ? RowKeys : RowKeys.Where(k => selection.Contains(k, StringComparer.OrdinalIgnoreCase)).ToArray();
}
