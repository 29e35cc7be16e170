using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Tests.Baselines;

/// <summary>Every architecture × decoder pair, as MSTest dynamic data.</summary>
internal static class Combinations
{
    public static IEnumerable<object[]> All =>
        from a in SegmentationArchitectures.All.Select(x => x.Name)
        from d in Enum.GetValues<DecoderKind>()
        select new object[] { a, d };
}
