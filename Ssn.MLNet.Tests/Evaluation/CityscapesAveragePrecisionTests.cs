using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

[TestClass]
public sealed class CityscapesAveragePrecisionTests
{
    private const double Tol = 1e-12;

    [TestMethod]
    public void StepIntegrationWithArtificialPoint()
    {
        // Scores ascending: 0.2 TP, 0.4 FP, 0.8 TP; 1 hard FN (3 GT in all).
        // s ≥ 0.2: TP 2, FP 1, FN 1 → (p, r) = (2/3, 2/3);  s ≥ 0.4: TP 1, FP 1, FN 2 → (½, ⅓);
        // s ≥ 0.8: TP 1, FP 0, FN 2 → (1, ⅓);  artificial (1, 0).
        // Widths (r_{i−1} − r_{i+1})/2 with r_{−1} = r₀, r₄ = 0: (⅔−⅓)/2 = ⅙, (⅔−⅓)/2 = ⅙, (⅓−0)/2 = ⅙, (⅓−0)/2 = ⅙.
        // AP = ⅙ (⅔ + ½ + 1 + 1) = 19/36.
        double ap = CityscapesAveragePrecision.Compute(new[] { 0.8, 0.2, 0.4 }, new[] { true, true, false }, 1);
        Assert.AreEqual(19.0 / 36, ap, Tol);
    }

    [TestMethod]
    public void TiedScoresFormOnePointRegardlessOfOrder()
    {
        double a = CityscapesAveragePrecision.Compute(new[] { 0.5, 0.5, 0.5 }, new[] { true, false, true }, 0);
        double b = CityscapesAveragePrecision.Compute(new[] { 0.5, 0.5, 0.5 }, new[] { false, true, true }, 0);
        // One point (⅔, 1) + artificial (1, 0); widths ½, ½ → AP = ⅓ + ½ = 5/6.
        Assert.AreEqual(5.0 / 6, a, Tol);
        Assert.AreEqual(a, b, 0.0);
    }

    [TestMethod]
    public void OnlyFalsePositivesGiveZero()
    {
        Assert.AreEqual(0.0, CityscapesAveragePrecision.Compute(new[] { 0.9 }, new[] { false }, 2), Tol);
        Assert.AreEqual(0.0, CityscapesAveragePrecision.Compute(Array.Empty<double>(), Array.Empty<bool>(), 2), Tol);
        Assert.ThrowsExactly<ArgumentException>(() => CityscapesAveragePrecision.Compute(new[] { 0.9 }, new[] { false }, 0));
    }
}
