namespace Ssn.MLNet.Samples.Ablation;

/// <summary>Placeholder until the APIs it needs are merged.</summary>
internal sealed class Table1Decoders : AblationTable
{
    public override int Number => 1;

    public override double DefaultBudgetMinutes => 20;

    public override double EpochsPerMinute => 1;

    public override IReadOnlyList<string> RowKeys { get; } = new[] { "x" };

    public override Task<AblationReport> RunAsync(AblationRun run, IReadOnlyList<string> rows) => throw new NotImplementedException();
}
