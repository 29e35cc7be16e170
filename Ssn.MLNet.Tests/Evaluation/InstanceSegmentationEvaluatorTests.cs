using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

/// <summary>
/// Hand-built cases on a 100×10 image. Rectangles are whole columns, so "cols 0–19" is 200 px.
/// Train ids: person 11, car 13. Label ids: person 24, car 26, road 7, unlabeled 0 (void), dynamic 5 (void).
/// Evaluator class order = train ids 11…18, so person = 0, car = 2.
/// </summary>
[TestClass]
public sealed class InstanceSegmentationEvaluatorTests
{
    private const int W = 100, H = 10;
    private const int Person = 11, Car = 13;
    private const int PersonIdx = 0, CarIdx = 2;
    private const double Tol = 1e-12;

    [TestMethod]
    public void PerfectPredictionGivesAPOne()
    {
        var gt = Map((0, 19, 26000), (50, 69, 24000));
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(gt, W, H, new[] { Pred(Car, 0.9, 0, 19), Pred(Person, 0.8, 50, 69) });
        var m = eval.GetMetrics();
        Assert.AreEqual(1.0, m.AP, Tol);
        Assert.AreEqual(1.0, m.AP50, Tol);
        Assert.AreEqual(1.0, m.AP75, Tol);
        Assert.AreEqual(1.0, m.PerClassAP[CarIdx], Tol);
        Assert.AreEqual(1.0, m.PerClassAP50[PersonIdx], Tol);
        // Rider (no GT, no prediction) is NaN and excluded from the mean.
        Assert.IsTrue(double.IsNaN(m.PerClassAP[1]));
        CollectionAssert.AreEqual(new[] { "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle" }, m.ClassNames.ToArray());
    }

    [TestMethod]
    public void IoUOfExactlyPointSixCountsOnlyForThresholdsBelowIt()
    {
        // GT car cols 0–19 (200 px); prediction cols 0–11 (120 px) → IoU 120/200 = 0.6. A match needs IoU > t:
        // t = 0.50, 0.55 → AP 1; t = 0.60 … 0.95 → the GT is missed and the prediction is a FP → AP 0.
        // AP = 2/10 = 0.2, AP50 = 1, AP75 = 0.
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(Map((0, 19, 26000)), W, H, new[] { Pred(Car, 0.7, 0, 11) });
        var m = eval.GetMetrics();
        Assert.AreEqual(0.2, m.AP, Tol);
        Assert.AreEqual(1.0, m.AP50, Tol);
        Assert.AreEqual(0.0, m.AP75, Tol);
        Assert.AreEqual(1.0, m.APByClassAndThreshold[CarIdx, 1], Tol);
        Assert.AreEqual(0.0, m.APByClassAndThreshold[CarIdx, 2], Tol);
    }

    [TestMethod]
    public void IoUEqualToAThresholdIsNoMatch()
    {
        // IoU 100/200 = 0.5 equals the first threshold exactly → no match at any threshold → AP 0, AP50 0.
        var half = new InstanceSegmentationEvaluator();
        half.Add(Map((0, 19, 26000)), W, H, new[] { Pred(Car, 0.7, 0, 9) });
        Assert.AreEqual(0.0, half.GetMetrics().AP50, Tol);
        // IoU 110/200 = 0.55 is the same double as the second threshold (0.5 + ((0.5 + 0.05) − 0.5)) → only t = 0.5
        // matches → AP = 1/10.
        var p55 = new InstanceSegmentationEvaluator();
        p55.Add(Map((0, 19, 26000)), W, H, new[] { Pred(Car, 0.7, 0, 10) });
        Assert.AreEqual(0.1, p55.GetMetrics().AP, Tol);
    }

    [TestMethod]
    public void DuplicateOnOneInstanceIsOneFalsePositiveAndScoreOrderMatters()
    {
        // GT car cols 0–19. P1 = exact (IoU 1), P2 = cols 0–17 (IoU 180/200 = 0.9).
        // t ≤ 0.85: both match; the instance keeps the higher score, the other is a FP with the lower score → AP 1.
        // t = 0.90, 0.95: only P1 matches; P2 is a FP.
        //   If P2 has the higher score (0.9 vs 0.6): examples (0.6, TP), (0.9, FP) → points (p, r) = (½, 1), (0, 0)
        //   + artificial (1, 0); widths ½, ½, 0 → AP = ¼. Overall AP = (8·1 + 2·¼)/10 = 0.85.
        //   If P1 has the higher score, the FP ranks below the TP → AP 1 everywhere.
        var gt = Map((0, 19, 26000));
        var a = new InstanceSegmentationEvaluator();
        a.Add(gt, W, H, new[] { Pred(Car, 0.6, 0, 19), Pred(Car, 0.9, 0, 17) });
        var ma = a.GetMetrics();
        Assert.AreEqual(0.85, ma.AP, Tol);
        Assert.AreEqual(1.0, ma.AP50, Tol);
        Assert.AreEqual(0.25, ma.APByClassAndThreshold[CarIdx, 9], Tol);

        var b = new InstanceSegmentationEvaluator();
        b.Add(gt, W, H, new[] { Pred(Car, 0.9, 0, 19), Pred(Car, 0.6, 0, 17) });
        Assert.AreEqual(1.0, b.GetMetrics().AP, Tol);
    }

    [TestMethod]
    public void FalsePositiveRankingAndTiedScores()
    {
        // GT car cols 0–19, TP exact with score 0.5, plus a FP car on road at cols 40–59.
        //   FP 0.9 (above): (½,1), (0,0), art (1,0) → AP ¼.
        //   FP 0.5 (tie): one point (½, 1), art (1, 0); widths ½, ½ → AP ¼ + ½ = ¾.
        //   FP 0.1 (below): (½,1), (1,1), art (1,0); widths 0, ½, ½ → AP 1.
        Assert.AreEqual(0.25, ApWithFalsePositive(0.9), Tol);
        Assert.AreEqual(0.75, ApWithFalsePositive(0.5), Tol);
        Assert.AreEqual(1.0, ApWithFalsePositive(0.1), Tol);
    }

    private static double ApWithFalsePositive(double fpScore)
    {
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(Map((0, 19, 26000)), W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Car, fpScore, 40, 59) });
        return eval.GetMetrics().AP;
    }

    [TestMethod]
    public void PredictionOnVoidIsIgnoredAccordingToTheIgnoreFraction()
    {
        // GT car cols 0–19 (TP score 0.5); void (label 5 "dynamic") at cols 40–51 (120 px); road elsewhere.
        // FP candidate at cols 40–59 (200 px, score 0.9): 120 void px → fraction 0.6.
        // Ignored when 0.6 > t (t = 0.50, 0.55 → AP 1); a FP when 0.6 ≤ t (8 thresholds → AP ¼). AP = (2 + 8·¼)/10 = 0.4.
        var gt = Map((0, 19, 26000), (40, 51, 5));
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(gt, W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Car, 0.9, 40, 59) });
        Assert.AreEqual(0.4, eval.GetMetrics().AP, Tol);

        // Entirely on void (label 0 "unlabeled", fraction 1) → ignored at every threshold → AP 1.
        var eval2 = new InstanceSegmentationEvaluator();
        eval2.Add(Map((0, 19, 26000), (40, 59, 0)), W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Car, 0.9, 40, 59) });
        Assert.AreEqual(1.0, eval2.GetMetrics().AP, Tol);
    }

    [TestMethod]
    public void GroupRegionIsNeitherMissedNorAFalsePositiveSource()
    {
        // GT car instance cols 0–19 and a car group (plain label id 26) at cols 40–59.
        // The group is not a GT to find (no FN), and a car prediction on it (IoU 1 with the group) is ignored → AP 1.
        // Without that ignore the 0.9-score prediction would be a FP ranked first → AP ¼.
        var gt = Map((0, 19, 26000), (40, 59, 26));
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(gt, W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Car, 0.9, 40, 59) });
        var m = eval.GetMetrics();
        Assert.AreEqual(1.0, m.AP, Tol);
        Assert.AreEqual(1, m.PerClassGroundTruthCount[CarIdx]);

        // A prediction half on the group, half on road: IoU with the group 100/300 is no match; ignore fraction
        // 100/200 = 0.5 ≤ t at every threshold → a FP above the TP → AP ¼.
        var eval2 = new InstanceSegmentationEvaluator();
        eval2.Add(gt, W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Car, 0.9, 50, 69) });
        Assert.AreEqual(0.25, eval2.GetMetrics().AP, Tol);
    }

    [TestMethod]
    public void RegionsSmallerThanMinimumSizeAreIgnored()
    {
        // Car instances: 26000 at cols 0–19 (200 px) and 26001 at cols 40–48 (90 px < 100).
        // The small one is not missed, and a prediction exactly on it (score 0.9) is ignored → AP 1.
        var gt = Map((0, 19, 26000), (40, 48, 26001));
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(gt, W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Car, 0.9, 40, 48) });
        var m = eval.GetMetrics();
        Assert.AreEqual(1.0, m.AP, Tol);
        Assert.AreEqual(1, m.PerClassGroundTruthCount[CarIdx]);

        // A class whose only instance has 99 px has no GT → NaN; with 100 px it is evaluated → AP 0 (no prediction).
        var small = new InstanceSegmentationEvaluator();
        small.Add(MapPixels(24000, 99), W, H, Array.Empty<PredictedInstance>());
        Assert.IsTrue(double.IsNaN(small.GetMetrics().PerClassAP[PersonIdx]));
        var exact = new InstanceSegmentationEvaluator();
        exact.Add(MapPixels(24000, 100), W, H, Array.Empty<PredictedInstance>());
        Assert.AreEqual(0.0, exact.GetMetrics().PerClassAP[PersonIdx], Tol);
    }

    [TestMethod]
    public void SmallGroupRegionCountsTwiceAsInOfficialScript()
    {
        // Car group (label id 26) at cols 40–45 = 60 px, below the 100 px minimum. A car prediction at cols 40–59
        // (200 px, score 0.9) overlaps it by 60 px: the script adds those pixels once as "group" and once as "small",
        // so the ignore fraction is 120/200 = 0.6: ignored at t = 0.50, 0.55, a FP above the TP (score 0.5) at
        // the 8 other thresholds → AP = (2·1 + 8·¼)/10 = 0.4 (a single count, 0.3, would give ¼).
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(Map((0, 19, 26000), (40, 45, 26)), W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Car, 0.9, 40, 59) });
        Assert.AreEqual(0.4, eval.GetMetrics().AP, Tol);
    }

    [TestMethod]
    public void NoPredictionsGiveZeroForClassesWithGroundTruth()
    {
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(Map((0, 19, 26000), (50, 69, 24000)), W, H, Array.Empty<PredictedInstance>());
        var m = eval.GetMetrics();
        Assert.AreEqual(0.0, m.AP, Tol);
        Assert.AreEqual(0.0, m.PerClassAP50[CarIdx], Tol);
        Assert.IsTrue(double.IsNaN(m.PerClassAP[1]));
    }

    [TestMethod]
    public void ClassWithPredictionsButNoGroundTruthIsExcluded()
    {
        // Official behaviour: no GT → NaN even with predictions. Person FP does not lower the mean of car (AP 1).
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(Map((0, 19, 26000)), W, H, new[] { Pred(Car, 0.5, 0, 19), Pred(Person, 0.9, 50, 69) });
        var m = eval.GetMetrics();
        Assert.IsTrue(double.IsNaN(m.PerClassAP[PersonIdx]));
        Assert.AreEqual(1.0, m.AP, Tol);
        Assert.AreEqual(1, m.PerClassPredictionCount[PersonIdx]);
    }

    [TestMethod]
    public void MissedInstanceHalvesRecallAndImagesArePooled()
    {
        // Two car instances, one found (score 0.9): point (1, ½), art (1, 0); widths ¼, ¼ → AP ½.
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(Map((0, 19, 26000), (40, 59, 26001)), W, H, new[] { Pred(Car, 0.9, 0, 19) });
        Assert.AreEqual(0.5, eval.GetMetrics().AP, Tol);

        // Image 1: TP score 0.5. Image 2: no car, a car FP score 0.9 on road. Pooled → FP ranked first → AP ¼.
        var pooled = new InstanceSegmentationEvaluator();
        pooled.Add(Map((0, 19, 26000)), W, H, new[] { Pred(Car, 0.5, 0, 19) });
        pooled.Add(Map(), W, H, new[] { Pred(Car, 0.9, 0, 19) });
        Assert.AreEqual(0.25, pooled.GetMetrics().AP, Tol);
    }

    [TestMethod]
    public void PredictionClassesAreTrainIdsAndLabelIdsConvert()
    {
        // Label id 26 (car) → train id 13; label id 29 (caravan, ignored) → 255, skipped as the script skips it.
        Assert.AreEqual(Car, PredictedInstance.FromLabelId(26, 0.5, new[] { 0 }).TrainId);
        var caravan = PredictedInstance.FromLabelId(29, 0.9, Cols(40, 59));
        var eval = new InstanceSegmentationEvaluator();
        eval.Add(Map((0, 19, 26000)), W, H, new[] { PredictedInstance.FromLabelId(26, 0.5, Cols(0, 19)), caravan });
        Assert.AreEqual(1.0, eval.GetMetrics().AP, Tol);
        var mask = new bool[W * H];
        foreach (var i in Cols(3, 4)) mask[i] = true;
        CollectionAssert.AreEqual(Cols(3, 4).OrderBy(i => i).ToArray(), PredictedInstance.FromMask(Car, 1, mask).PixelIndices.ToArray());
    }

    [TestMethod]
    public void BadInputIsRejected()
    {
        var eval = new InstanceSegmentationEvaluator();
        Assert.ThrowsExactly<ArgumentException>(() => eval.Add(new int[10], W, H, Array.Empty<PredictedInstance>()));
        Assert.ThrowsExactly<ArgumentException>(() => eval.Add(Map(), W, H, new[] { new PredictedInstance(Car, 1, new[] { 5, 5 }) }));
        Assert.ThrowsExactly<ArgumentException>(() => eval.Add(Map(), W, H, new[] { new PredictedInstance(Car, 1, new[] { W * H }) }));
        var unknown = Map();
        unknown[0] = 40000; // label id 40 does not exist
        var ex = Assert.ThrowsExactly<ArgumentException>(() => eval.Add(unknown, W, H, Array.Empty<PredictedInstance>()));
        StringAssert.Contains(ex.Message, "40000");
        Assert.ThrowsExactly<ArgumentException>(() => new InstanceSegmentationEvaluator(new InstanceSegmentationEvaluatorOptions { OverlapThresholds = new[] { 0.3 } }));
    }

    [TestMethod]
    public void OfficialThresholdsMatchNumpyArange()
    {
        var t = CityscapesEvaluation.OverlapThresholds;
        Assert.AreEqual(10, t.Count);
        Assert.AreEqual(0.5, t[0]);
        Assert.AreEqual(0.6000000000000001, t[2]); // numpy.arange(0.5, 1.0, 0.05)[2]
        Assert.AreEqual(0.95, t[9], 1e-12);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// <summary>Instance map: road (7) everywhere, then each (x0, x1, value) paints whole columns x0…x1.</summary>
    private static int[] Map(params (int X0, int X1, int Value)[] rects)
    {
        var map = Enumerable.Repeat(7, W * H).ToArray();
        foreach (var (x0, x1, v) in rects)
            foreach (var i in Cols(x0, x1)) map[i] = v;
        return map;
    }

    /// <summary>Instance map with the first <paramref name="count"/> pixels (row-major) set to <paramref name="value"/>.</summary>
    private static int[] MapPixels(int value, int count)
    {
        var map = Enumerable.Repeat(7, W * H).ToArray();
        for (int i = 0; i < count; i++) map[i] = value;
        return map;
    }

    private static int[] Cols(int x0, int x1) =>
        (from y in Enumerable.Range(0, H) from x in Enumerable.Range(x0, x1 - x0 + 1) select y * W + x).ToArray();

    private static PredictedInstance Pred(int trainId, double score, int x0, int x1) => new(trainId, score, Cols(x0, x1));
}
