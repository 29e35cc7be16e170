namespace Ssn.MLNet.Evaluation;

/// <summary>
/// The precision–recall curve and its integration exactly as <c>evaluateMatches</c> in the official
/// <c>evalInstanceLevelSemanticLabeling.py</c> computes them.
/// </summary>
/// <remarks>
/// Examples are sorted by score; every distinct score s is one operating point that keeps all examples with score ≥ s
/// (so tied scores enter or leave together and their order never matters): TP = matched instances kept,
/// FP = false positives kept, FN = matched instances dropped + unmatched ("hard") ground truth. An artificial point
/// (precision 1, recall 0) is appended after the highest score. With points ordered by increasing score
/// (decreasing recall) r₀ … r_m (r_m = 0 the artificial one), r₋₁ := r₀ and r_{m+1} := 0, the AP is the step integral
/// Σᵢ pᵢ · (r_{i−1} − r_{i+1}) / 2 — the script's convolution of recall with [−½, 0, ½].
/// </remarks>
internal static class CityscapesAveragePrecision
{
    /// <summary>Computes the AP of one class at one threshold.</summary>
    /// <param name="scores">Scores of the examples: matched ground truth (with its prediction's score) and false positives.</param>
    /// <param name="isTrue">Parallel to <paramref name="scores"/>: true for a matched ground-truth instance.</param>
    /// <param name="hardFalseNegatives">Number of evaluated ground-truth instances without any match.</param>
    /// <returns>The AP. With no examples at all (the official script would fail) it returns 0: nothing was found.</returns>
    public static double Compute(IReadOnlyList<double> scores, IReadOnlyList<bool> isTrue, int hardFalseNegatives)
    {
        int n = scores.Count;
        if (isTrue.Count != n)
            throw new ArgumentException($"{isTrue.Count} flags were given for {n} scores.", nameof(isTrue));
        if (n == 0) return 0.0;
        long groundTruth = isTrue.Count(t => t) + (long)hardFalseNegatives;
        if (groundTruth == 0)
            throw new ArgumentException("AP is undefined without ground truth: no matched example and no hard false negative.", nameof(hardFalseNegatives));
        var order = Enumerable.Range(0, n).OrderBy(i => scores[i]).ToArray();
        long totalTrue = groundTruth - hardFalseNegatives;

        var precision = new List<double>();
        var recall = new List<double>();
        long trueBefore = 0; // true examples with a score strictly below the current one
        for (int k = 0; k < n; k++)
        {
            bool firstOfValue = k == 0 || scores[order[k]] != scores[order[k - 1]];
            if (firstOfValue)
            {
                long tp = totalTrue - trueBefore;
                long fp = n - k - tp;
                long fn = trueBefore + hardFalseNegatives;
                precision.Add((double)tp / (tp + fp));
                recall.Add((double)tp / (tp + fn));
            }
            if (isTrue[order[k]]) trueBefore++;
        }
        precision.Add(1.0);
        recall.Add(0.0);

        int m = recall.Count;
        double ap = 0;
        for (int i = 0; i < m; i++)
        {
            double before = i == 0 ? recall[0] : recall[i - 1];
            double after = i + 1 < m ? recall[i + 1] : 0.0;
            ap += precision[i] * (0.5 * before - 0.5 * after);
        }
        return ap;
    }
}
