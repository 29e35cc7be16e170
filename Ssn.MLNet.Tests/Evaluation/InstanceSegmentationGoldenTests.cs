using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

/// <summary>
/// A composite scene whose expected numbers were produced by running the official
/// <c>evalInstanceLevelSemanticLabeling.py</c> (mcordts/cityscapesScripts, numpy 1.24) on the same masks written as
/// PNG files. It mixes duplicates with tied scores, a group region, void, an instance of exactly 100 px, a too-small
/// instance, a class with predictions but no ground truth (truck) and a class with ground truth but no prediction (bus).
/// </summary>
[TestClass]
public sealed class InstanceSegmentationGoldenTests
{
    private const int W = 100, H = 10;

    [TestMethod]
    public void CompositeSceneMatchesOfficialScript()
    {
        var eval = new InstanceSegmentationEvaluator();
        // Image 1 (background road): car 26000 cols 0–19, car 26001 cols 20–29 (100 px), car group cols 30–39,
        // unlabeled (void) cols 40–44, person 24000 cols 50–59, person 24001 cols 60–64 (50 px), rider 25000 cols 70–89.
        eval.Add(Map((0, 19, 26000), (20, 29, 26001), (30, 39, 26), (40, 44, 0), (50, 59, 24000), (60, 64, 24001), (70, 89, 25000)), W, H, new[]
        {
            Pred(26, 0.9, 0, 17), Pred(26, 0.9, 2, 19), Pred(26, 0.4, 20, 27), Pred(26, 0.95, 30, 41),
            Pred(24, 0.6, 50, 58), Pred(24, 0.6, 60, 66), Pred(25, 0.3, 75, 94), Pred(27, 0.8, 0, 9),
        });
        // Image 2: car 26000 cols 10–29, bus 28000 cols 40–79.
        eval.Add(Map((10, 29, 26000), (40, 79, 28000)), W, H, new[] { Pred(26, 0.5, 10, 29), Pred(26, 0.9, 85, 99) });
        var m = eval.GetMetrics();

        double[][] expected =
        {
            new[] { 1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.75, 0.75, 0.0, 0.0 }, // person
            new[] { 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0 },    // rider
            new[] { 0.5444444444444445, 0.5444444444444445, 0.5444444444444445, 0.5444444444444445, 0.5444444444444445,
                    0.5444444444444445, 0.36111111111111105, 0.36111111111111105, 0.041666666666666664, 0.041666666666666664 }, // car
            Nan(), // truck: predictions, no ground truth
            new double[10], // bus: ground truth, no predictions
            Nan(), Nan(), Nan(),
        };
        for (int c = 0; c < 8; c++)
            for (int t = 0; t < 10; t++)
                Assert.AreEqual(expected[c][t], m.APByClassAndThreshold[c, t], 1e-15, $"class {m.ClassNames[c]}, threshold {t}");
        Assert.AreEqual(0.33305555555555555, m.AP, 1e-15);
        Assert.AreEqual(0.6361111111111111, m.AP50, 1e-15);
        Assert.AreEqual(0.3236111111111111, m.AP75, 1e-15);
    }

    private static double[] Nan() => Enumerable.Repeat(double.NaN, 10).ToArray();

    private static int[] Map(params (int X0, int X1, int Value)[] rects)
    {
        var map = Enumerable.Repeat(7, W * H).ToArray();
        foreach (var (x0, x1, v) in rects)
            foreach (var i in Cols(x0, x1)) map[i] = v;
        return map;
    }

    private static int[] Cols(int x0, int x1) =>
        (from y in Enumerable.Range(0, H) from x in Enumerable.Range(x0, x1 - x0 + 1) select y * W + x).ToArray();

    private static PredictedInstance Pred(int labelId, double score, int x0, int x1) =>
        PredictedInstance.FromLabelId(labelId, score, Cols(x0, x1));
}
