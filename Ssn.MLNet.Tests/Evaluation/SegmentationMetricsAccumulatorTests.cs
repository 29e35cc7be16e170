using Ssn.MLNet.Data;
using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

[TestClass]
public sealed class SegmentationMetricsAccumulatorTests
{
    private const double Tol = 1e-12;

    [TestMethod]
    public void PerfectPredictionGivesOnes()
    {
        var acc = new SegmentationMetricsAccumulator(3, new[] { "a", "b", "c" });
        byte[] gt = { 0, 1, 2, 0, 255 };
        acc.Add(gt, new byte[] { 0, 1, 2, 0, 7 });
        var m = acc.GetMetrics();
        Assert.AreEqual(1.0, m.MeanIoU, Tol);
        Assert.AreEqual(1.0, m.PixelAccuracy, Tol);
        Assert.AreEqual(1.0, m.MeanClassAccuracy, Tol);
        Assert.AreEqual(4L, m.EvaluatedPixels);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, m.ClassNames.ToArray());
    }

    [TestMethod]
    public void KnownConfusionMatrixGivesExactIoU()
    {
        // Rows GT, cols prediction:  [[3,1,0],[0,2,1],[1,0,1]]  plus 5 ignored pixels predicted as 1.
        // IoU0 = 3/(3+1+1) = 0.6; IoU1 = 2/(2+1+1) = 0.5; IoU2 = 1/(1+1+1) = 1/3; mean = (0.6+0.5+1/3)/3.
        // Pixel accuracy = 6/9; class accuracies 3/4, 2/3, 1/2.
        var (gt, pred) = Pairs((0, 0, 3), (0, 1, 1), (1, 1, 2), (1, 2, 1), (2, 2, 1), (2, 0, 1), (255, 1, 5));
        var acc = new SegmentationMetricsAccumulator(3);
        acc.Add(gt, pred);
        var m = acc.GetMetrics();
        long[,] expected = { { 3, 1, 0 }, { 0, 2, 1 }, { 1, 0, 1 } };
        CollectionAssert.AreEqual(expected, m.ConfusionMatrix.ToArray());
        Assert.AreEqual(0.6, m.PerClassIoU[0], Tol);
        Assert.AreEqual(0.5, m.PerClassIoU[1], Tol);
        Assert.AreEqual(1.0 / 3, m.PerClassIoU[2], Tol);
        Assert.AreEqual((0.6 + 0.5 + 1.0 / 3) / 3, m.MeanIoU, Tol);
        Assert.AreEqual(6.0 / 9, m.PixelAccuracy, Tol);
        Assert.AreEqual((0.75 + 2.0 / 3 + 0.5) / 3, m.MeanClassAccuracy, Tol);
        Assert.AreEqual(9L, m.EvaluatedPixels);
    }

    [TestMethod]
    public void IgnoredPixelsChangeNothing()
    {
        var (gt, pred) = Pairs((0, 0, 3), (0, 1, 1), (1, 1, 2));
        var (gtIgn, predIgn) = Pairs((0, 0, 3), (0, 1, 1), (1, 1, 2), (255, 0, 4), (255, 1, 4), (255, 255, 2));
        var a = new SegmentationMetricsAccumulator(2);
        a.Add(gt, pred);
        var b = new SegmentationMetricsAccumulator(2);
        b.Add(gtIgn, predIgn);
        var ma = a.GetMetrics();
        var mb = b.GetMetrics();
        CollectionAssert.AreEqual(ma.ConfusionMatrix.ToArray(), mb.ConfusionMatrix.ToArray());
        Assert.AreEqual(ma.MeanIoU, mb.MeanIoU, Tol);
        // IoU0 = 3/(3+0+1) = 0.75, IoU1 = 2/(2+1+0) = 2/3.
        Assert.AreEqual(0.75, mb.PerClassIoU[0], Tol);
        Assert.AreEqual(2.0 / 3, mb.PerClassIoU[1], Tol);
    }

    [TestMethod]
    public void OutOfRangePredictionIsAnErrorAndAbsentClassIsExcluded()
    {
        // C = 3. GT: two pixels of class 0; prediction 0 and 255 (out of range).
        // Class 0: TP 1, FN 1 → IoU 1/2. Classes 1 and 2 absent from GT and prediction → NaN, excluded → mean 0.5.
        var acc = new SegmentationMetricsAccumulator(3);
        acc.Add(new byte[] { 0, 0 }, new byte[] { 0, 255 });
        var m = acc.GetMetrics();
        Assert.AreEqual(0.5, m.PerClassIoU[0], Tol);
        Assert.IsTrue(double.IsNaN(m.PerClassIoU[1]));
        Assert.IsTrue(double.IsNaN(m.PerClassIoU[2]));
        Assert.AreEqual(0.5, m.MeanIoU, Tol);
        Assert.AreEqual(0.5, m.PixelAccuracy, Tol);
        Assert.AreEqual(1L, m.OutOfRangePredictionCounts[0]);
        Assert.IsTrue(double.IsNaN(m.PerClassAccuracy[1]));
    }

    [TestMethod]
    public void PredictedButAbsentClassHasIoUZeroAndCounts()
    {
        // GT all class 0 (4 px); prediction puts 1 px on class 1. IoU0 = 3/4, IoU1 = 0/(0+1+0) = 0 → mean 3/8.
        var acc = new SegmentationMetricsAccumulator(2);
        acc.Add(new byte[] { 0, 0, 0, 0 }, new byte[] { 0, 0, 0, 1 });
        var m = acc.GetMetrics();
        Assert.AreEqual(0.75, m.PerClassIoU[0], Tol);
        Assert.AreEqual(0.0, m.PerClassIoU[1], Tol);
        Assert.AreEqual(0.375, m.MeanIoU, Tol);
        Assert.AreEqual(0.75, m.MeanClassAccuracy, Tol); // class 1 has no GT → NaN, excluded
    }

    [TestMethod]
    public void AccumulatesOverImagesAndMerges()
    {
        var one = new SegmentationMetricsAccumulator(2);
        one.Add(new byte[] { 0, 1 }, new byte[] { 0, 0 });
        one.Add(new byte[] { 1, 1 }, new byte[] { 1, 1 });
        var a = new SegmentationMetricsAccumulator(2);
        a.Add(new byte[] { 0, 1 }, new byte[] { 0, 0 });
        var b = new SegmentationMetricsAccumulator(2);
        b.Add(new byte[] { 1, 1 }, new byte[] { 1, 1 });
        a.Merge(b);
        // [[1,0],[1,2]]: IoU0 = 1/2, IoU1 = 2/3.
        var m = a.GetMetrics();
        CollectionAssert.AreEqual(one.GetMetrics().ConfusionMatrix.ToArray(), m.ConfusionMatrix.ToArray());
        Assert.AreEqual(0.5, m.PerClassIoU[0], Tol);
        Assert.AreEqual(2.0 / 3, m.PerClassIoU[1], Tol);
        Assert.AreEqual(2, m.ImageCount);
    }

    [TestMethod]
    public void BadInputIsRejectedWithClearMessages()
    {
        var acc = new SegmentationMetricsAccumulator(3);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => acc.Add(new byte[] { 0, 5 }, new byte[] { 0, 0 }));
        StringAssert.Contains(ex.Message, "value 5");
        Assert.ThrowsExactly<ArgumentException>(() => acc.Add(new byte[] { 0, 1 }, new byte[] { 0 }));
        Assert.ThrowsExactly<ArgumentException>(() => new SegmentationMetricsAccumulator(3, options: new SegmentationMetricsOptions { IgnoreLabel = 2 }));
        Assert.ThrowsExactly<ArgumentException>(() => new SegmentationMetricsAccumulator(3, new[] { "a" }));
    }

    // ---- iIoU ---------------------------------------------------------------------------------------------------

    // 1×10 image. Instance map: px 0–1 car 26001 (2 px), px 2–5 car 26002 (4 px), px 6–9 road (label id 7).
    // GT train ids: car = 13, road = 0. Prediction: px0 car, px1 road, px2–5 car, px6 car (FP), px7–9 road.
    private static readonly int[] InstIds = { 26001, 26001, 26002, 26002, 26002, 26002, 7, 7, 7, 7 };
    private static readonly byte[] InstGt = { 13, 13, 13, 13, 13, 13, 0, 0, 0, 0 };
    private static readonly byte[] InstPred = { 13, 0, 13, 13, 13, 13, 13, 0, 0, 0 };

    [TestMethod]
    public void InstanceIoUHandCaseWithOwnAverageSizes()
    {
        // Average car size 4. Instance A (2 px): TP 1, FN 1, weight 4/2 = 2 → TPw 2, FNw 2.
        // Instance B (4 px): TP 4, FN 0, weight 4/4 = 1 → TPw 4. FP (car predicted on road) = 1, unweighted.
        // iIoU(car) = 6 / (6 + 1 + 2) = 2/3. Plain IoU(car) = 5 / (5 + 1 + 1) = 5/7.
        var sizes = Enumerable.Repeat(double.NaN, 19).ToArray();
        sizes[13] = 4.0;
        var acc = new SegmentationMetricsAccumulator(19, CityscapesLabels.TrainClassNames,
            new SegmentationMetricsOptions { AverageInstanceSizes = sizes });
        acc.Add(InstGt, InstPred, InstIds);
        var m = acc.GetMetrics();
        Assert.AreEqual(2.0 / 3, m.PerClassInstanceIoU[13], Tol);
        Assert.AreEqual(5.0 / 7, m.PerClassIoU[13], Tol);
        Assert.IsTrue(double.IsNaN(m.PerClassInstanceIoU[11])); // person: no instance, no FP
        Assert.IsTrue(double.IsNaN(m.PerClassInstanceIoU[0]));  // road: stuff class
        Assert.AreEqual(2.0 / 3, m.MeanInstanceIoU, Tol);
    }

    [TestMethod]
    public void InstanceIoUUsesOfficialAverageSizesByDefault()
    {
        // With S = 12794.0202738185: TPw = 1·S/2 + 4·S/4 = 1.5 S, FNw = 1·S/2, FP = 1 → iIoU = 1.5 S / (2 S + 1).
        // A caravan instance (29001, GT train id 255) is ignored in evaluation and must not change anything.
        const double s = 12794.0202738185;
        var acc = SegmentationMetricsAccumulator.ForCityscapes();
        acc.Add(InstGt.Append((byte)255).ToArray(), InstPred.Append((byte)13).ToArray(), InstIds.Append(29001).ToArray());
        var m = acc.GetMetrics();
        Assert.AreEqual(1.5 * s / (2 * s + 1), m.PerClassInstanceIoU[13], 1e-12);
        Assert.AreEqual(s, CityscapesEvaluation.AverageClassSizesByTrainId[13]);
        Assert.IsTrue(double.IsNaN(CityscapesEvaluation.AverageClassSizesByTrainId[0]));
    }

    [TestMethod]
    public void InstanceIoUIsNaNWithoutInstanceMapsAndMixingIsRejected()
    {
        var acc = SegmentationMetricsAccumulator.ForCityscapes();
        acc.Add(InstGt, InstPred);
        Assert.IsTrue(double.IsNaN(acc.GetMetrics().MeanInstanceIoU));
        Assert.ThrowsExactly<InvalidOperationException>(() => acc.Add(InstGt, InstPred, InstIds));
    }

    [TestMethod]
    public void AverageInstanceSizesFromData()
    {
        // Car instances of 2 and 4 px → 3; no other instance class present → NaN.
        var sizes = new AverageInstanceSizeAccumulator();
        sizes.Add(InstIds);
        var avg = sizes.GetAverageSizes();
        Assert.AreEqual(3.0, avg[13], Tol);
        Assert.IsTrue(double.IsNaN(avg[11]));
    }

    private static (byte[] Gt, byte[] Pred) Pairs(params (int Gt, int Pred, int Count)[] entries)
    {
        var gt = new List<byte>();
        var pred = new List<byte>();
        foreach (var (g, p, n) in entries)
            for (int i = 0; i < n; i++) { gt.Add((byte)g); pred.Add((byte)p); }
        return (gt.ToArray(), pred.ToArray());
    }
}
