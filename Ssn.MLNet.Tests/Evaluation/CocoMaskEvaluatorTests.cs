using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

/// <summary>
/// COCO mask AP on cases computed by hand from pycocotools' COCOeval as documented (101 recall points, monotone
/// precision, greedy matching by score, crowd regions, area ranges, at most N detections per image and category).
/// </summary>
[TestClass]
public sealed class CocoMaskEvaluatorTests
{
    private const int Width = 200;

    /// <summary>The pixel indices of a w × h rectangle at (x, y) in a 200-pixel-wide image.</summary>
    private static int[] Rect(int x, int y, int w, int h) =>
        Enumerable.Range(y, h).SelectMany(r => Enumerable.Range(r * Width + x, w)).ToArray();

    private static CocoMaskMetrics Evaluate(params (CocoGroundTruth[] Gt, CocoDetection[] Dt)[] images) => Evaluate(100, images);

    private static CocoMaskMetrics Evaluate(int maxDetections, params (CocoGroundTruth[] Gt, CocoDetection[] Dt)[] images)
    {
        var evaluator = new CocoMaskEvaluator(maxDetections);
        foreach (var (gt, dt) in images) evaluator.Add(gt, dt);
        return evaluator.Compute();
    }

    [TestMethod]
    public void APerfectDetectionScoresOneAtEveryThreshold()
    {
        var m = Evaluate(([new(1, Rect(0, 0, 10, 10))], [new(1, 0.9f, Rect(0, 0, 10, 10))]));
        // 1 up to COCOeval's eps in tp / (tp + fp + eps).
        foreach (double v in new[] { m.AP, m.AP50, m.AP75, m.APSmall }) Assert.AreEqual(1.0, v, 1e-12);
        Assert.IsTrue(double.IsNaN(m.APMedium) && double.IsNaN(m.APLarge), "no medium or large ground truth: left out, as COCOeval's -1");
    }

    [TestMethod]
    public void AnIouOfTwoThirdsPassesFourOfTheTenThresholds()
    {
        // Shifted by 2 px: intersection 80, union 120, IoU 0.667 ≥ 0.50, 0.55, 0.60, 0.65 only.
        var m = Evaluate(([new(1, Rect(0, 0, 10, 10))], [new(1, 0.9f, Rect(2, 0, 10, 10))]));
        Assert.AreEqual(0.4, m.AP, 1e-12);
        Assert.AreEqual(1.0, m.AP50, 1e-12);
        Assert.AreEqual(0.0, m.AP75);
    }

    [TestMethod]
    public void DetectionsAreRankedByScoreAcrossImagesAndPrecisionIsMadeMonotone()
    {
        // Ranked TP (0.9), FP (0.8), TP (0.7) for 2 ground-truth instances: recall .5 .5 1, precision 1 .5 .667 → monotone
        // 1 .667 .667; recall points 0–0.50 read 1 (51 points), 0.51–1 read 2/3 (50 points).
        var m = Evaluate(
            ([new(1, Rect(0, 0, 10, 10))], [new(1, 0.9f, Rect(0, 0, 10, 10))]),
            ([new(1, Rect(0, 0, 10, 10))], [new(1, 0.8f, Rect(100, 100, 10, 10)), new(1, 0.7f, Rect(0, 0, 10, 10))]));
        Assert.AreEqual((51 + 50 * 2.0 / 3) / 101, m.AP, 1e-12);
        Assert.AreEqual(m.AP, m.AP50, 1e-12);
    }

    [TestMethod]
    public void ADetectionOnACrowdRegionIsNeitherTrueNorFalse()
    {
        // Its IoU with the crowd is intersection / its own area = 1: matched to an ignored region, so ignored itself.
        var gt = new CocoGroundTruth[] { new(1, Rect(0, 0, 10, 10)), new(1, Rect(50, 50, 20, 20), IsCrowd: true) };
        var dt = new CocoDetection[] { new(1, 0.95f, Rect(55, 55, 10, 10)), new(1, 0.9f, Rect(0, 0, 10, 10)) };
        Assert.AreEqual(1.0, Evaluate((gt, dt)).AP, 1e-12);
        var notCrowd = new CocoGroundTruth[] { gt[0], gt[1] with { IsCrowd = false } };
        Assert.IsLessThan(1.0, Evaluate((notCrowd, dt)).AP, "the same region as a normal instance makes the first detection a false positive");
    }

    [TestMethod]
    public void AtMostMaxDetectionsPerImageAndCategoryCount()
    {
        // FP 0.9, FP 0.8, TP 0.7: with 3 kept, precision 1/3 at recall 1 → AP 1/3; with 2 kept the TP is dropped → 0.
        var image = (new CocoGroundTruth[] { new(1, Rect(0, 0, 10, 10)) },
            new CocoDetection[] { new(1, 0.7f, Rect(0, 0, 10, 10)), new(1, 0.9f, Rect(100, 0, 10, 10)), new(1, 0.8f, Rect(0, 100, 10, 10)) });
        Assert.AreEqual(1.0 / 3, Evaluate(3, image).AP, 1e-12);
        Assert.AreEqual(0.0, Evaluate(2, image).AP);
    }

    [TestMethod]
    public void AreaRangesSplitSmallAndLargeInstances()
    {
        // A small (100 px) and a large (10,000 px > 96²) instance; only the large one is found.
        var m = Evaluate(([new(1, Rect(150, 150, 10, 10)), new(1, Rect(0, 0, 100, 100))], [new(1, 0.9f, Rect(0, 0, 100, 100))]));
        Assert.AreEqual(0.0, m.APSmall, "the small instance is missed; the large detection is ignored in the small range");
        Assert.AreEqual(1.0, m.APLarge, 1e-12);
        Assert.IsTrue(double.IsNaN(m.APMedium));
        Assert.AreEqual(51.0 / 101, m.AP, 1e-12, "recall 0.5 at precision 1: recall points 0–0.50");
        Assert.AreEqual(1.0, Evaluate(([new(1, Rect(150, 150, 10, 10), Area: 5000)], [new(1, 0.9f, Rect(150, 150, 10, 10))])).APMedium,
            1e-12, "an annotation's own area decides its range");
    }

    [TestMethod]
    public void CategoriesWithoutGroundTruthAreLeftOutAndNoGroundTruthGivesNaN()
    {
        var m = Evaluate(([new(1, Rect(0, 0, 10, 10))], [new(1, 0.9f, Rect(0, 0, 10, 10)), new(2, 0.99f, Rect(100, 100, 10, 10))]));
        Assert.AreEqual(1.0, m.AP, 1e-12, "category 2 has only a detection: not part of the mean");
        Assert.IsTrue(double.IsNaN(m.PerCategoryAP[2]));
        Assert.AreEqual(1.0, m.PerCategoryAP[1], 1e-12);
        Assert.IsTrue(double.IsNaN(Evaluate(([], [new(1, 0.5f, Rect(0, 0, 5, 5))])).AP));
        var missed = Evaluate(([new(3, Rect(0, 0, 10, 10))], []));
        Assert.AreEqual(0.0, missed.AP, "ground truth without any detection scores 0");
    }
}
