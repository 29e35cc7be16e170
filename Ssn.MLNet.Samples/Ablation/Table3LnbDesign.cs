namespace Ssn.MLNet.Samples.Ablation;

/// <summary>Placeholder until the APIs it needs are merged.</summary>
internal sealed class Table3LnbDesign : AblationTable
{
    public override int Number => 3;

    public override double DefaultBudgetMinutes => 15;

    public override double EpochsPerMinute => 1;

    public override IReadOnlyList<string> RowKeys { get; } = new[] { "x" };

    public override Task<AblationReport> RunAsync(AblationRun run, IReadOnlyList<string> rows) => throw new NotImplementedException();
}
