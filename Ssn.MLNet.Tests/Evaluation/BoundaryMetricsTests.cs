using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

[TestClass]
public sealed class BoundaryMetricsTests
{
    private const double Tol = 1e-12;

    /// <summary>A map <paramref name="w"/> × <paramref name="h"/> whose value at (x, y) is <paramref name="f"/>(x, y).</summary>
    private static byte[] Map(int w, int h, Func<int, int, byte> f)
    {
        var m = new byte[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                m[y * w + x] = f(x, y);
        return m;
    }

    private static int[] BandColumns(bool[] band, int w) =>
        Enumerable.Range(0, w).Where(x => band[x]).ToArray();

    [TestMethod]
    public void TheBandHoldsThePixelsWithinRadiusOfAVerticalBoundary()
    {
        var gt = Map(8, 3, (x, _) => (byte)(x < 4 ? 0 : 1));
        var band1 = BoundaryMetrics.Band(gt, 8, 3, radius: 1);
        var band2 = BoundaryMetrics.Band(gt, 8, 3, radius: 2);
        CollectionAssert.AreEqual(new[] { 3, 4 }, BandColumns(band1, 8));
        CollectionAssert.AreEqual(new[] { 2, 3, 4, 5 }, BandColumns(band2, 8));
        for (int y = 1; y < 3; y++)
            CollectionAssert.AreEqual(band2.Take(8).ToArray(), band2.Skip(8 * y).Take(8).ToArray(), "every row alike");
    }

    [TestMethod]
    public void TheBandIsASquareWindowAroundASinglePixel()
    {
        var gt = Map(11, 11, (x, y) => (byte)(x == 5 && y == 5 ? 1 : 0));
        var band = BoundaryMetrics.Band(gt, 11, 11, radius: 3);
        for (int y = 0; y < 11; y++)
            for (int x = 0; x < 11; x++)
                Assert.AreEqual(Math.Abs(x - 5) <= 3 && Math.Abs(y - 5) <= 3, band[y * 11 + x], $"({x}, {y})");
    }

    [TestMethod]
    public void IgnoredPixelsAreNeverInTheBandAndMakeNoBoundary()
    {
        // Class 0 with a void stripe (255) in columns 3-4: no class boundary anywhere.
        var gt = Map(10, 4, (x, _) => (byte)(x is 3 or 4 ? 255 : 0));
        Assert.IsFalse(BoundaryMetrics.Band(gt, 10, 4).Any(b => b));
        // Class 0 | void | class 1: the classes are 2 px apart, so radius 2 reaches across the void, radius 1 does not.
        var split = Map(10, 1, (x, _) => (byte)(x < 4 ? 0 : x < 5 ? 255 : 1));
        Assert.IsFalse(BoundaryMetrics.Band(split, 10, 1, radius: 1).Any(b => b));
        CollectionAssert.AreEqual(new[] { 3, 5 }, BandColumns(BoundaryMetrics.Band(split, 10, 1, radius: 2), 10));
    }

    [TestMethod]
    public void BoundaryIoUCountsOnlyBandPixels()
    {
        // 20 × 4, class 0 left of column 10, class 1 from column 10. The prediction moves the boundary 2 px right
        // (columns 10 and 11 predicted 0). Whole image: IoU0 = 40/48, IoU1 = 32/40.
        // Band (radius 3): columns 7–12. Per row: class 0 TP 3 (7–9), FP 2 (10–11); class 1 TP 1 (12), FN 2.
        // Boundary IoU0 = 3/5, IoU1 = 1/3.
        const int w = 20, h = 4;
        var gt = Map(w, h, (x, _) => (byte)(x < 10 ? 0 : 1));
        var pred = Map(w, h, (x, _) => (byte)(x < 12 ? 0 : 1));
        var boundary = new BoundaryMetricsAccumulator(2, new[] { "a", "b" });
        boundary.Add(gt, pred, w);
        var full = new SegmentationMetricsAccumulator(2);
        full.Add(gt, pred);
        var b = boundary.GetMetrics();
        Assert.AreEqual(6L * h, boundary.BandPixels);
        Assert.AreEqual(6L * h, b.EvaluatedPixels);
        Assert.AreEqual(0.6, b.PerClassIoU[0], Tol);
        Assert.AreEqual(1.0 / 3, b.PerClassIoU[1], Tol);
        Assert.AreEqual((0.6 + 1.0 / 3) / 2, b.MeanIoU, Tol);
        Assert.AreEqual((40.0 / 48 + 32.0 / 40) / 2, full.GetMetrics().MeanIoU, Tol);
        Assert.IsTrue(b.MeanIoU < full.GetMetrics().MeanIoU - 0.3, "boundary errors weigh far more in the band");
    }

    [TestMethod]
    public void APerfectPredictionHasBoundaryIoUOneAndBadInputIsRejected()
    {
        var gt = Map(6, 6, (x, y) => (byte)((x + y) % 3));
        var acc = new BoundaryMetricsAccumulator(3);
        acc.Add(gt, gt, 6);
        Assert.AreEqual(1.0, acc.GetMetrics().MeanIoU, Tol);
        Assert.AreEqual(1, acc.ImageCount);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => acc.Add(gt, gt, 7));
        Assert.ThrowsExactly<ArgumentException>(() => acc.Add(gt, gt.AsSpan(1).ToArray(), 6));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BoundaryMetrics.Band(gt, 6, 6, radius: 0));
    }
}
