using Ssn.MLNet.Data;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>
/// Cross-entropy class weights from the training labels, as ENet (Paszke et al. 2016) weighs Cityscapes:
/// <c>w_c = 1 / ln(1.02 + p_c)</c>, where <c>p_c</c> is the class's share of the labelled pixels. Rare classes (poles,
/// signs, riders) get up to ~50× the weight of the road, which is what a short schedule needs to learn them at all.
/// </summary>
internal static class ClassBalance
{
    /// <summary>The weights over all labelled pixels of <paramref name="data"/> (ignored pixels skipped).</summary>
    public static float[] EnetWeights(SegmentationDataSource data, double c = 1.02)
    {
        int classes = data.ClassNames.Count;
        var counts = new long[classes];
        long total = 0;
        for (int row = 0; row < data.Count; row++)
            foreach (byte v in data.LoadLabel(row).Data)
                if (v < classes) { counts[v]++; total++; }
        if (total == 0) throw new InvalidDataException("The training labels have no labelled pixel.");
        return counts.Select(n => (float)(1.0 / Math.Log(c + (double)n / total))).ToArray();
    }
}
