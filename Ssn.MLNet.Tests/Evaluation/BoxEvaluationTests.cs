using Microsoft.ML;
using Ssn.MLNet.Trainers.Evaluation;

namespace Ssn.MLNet.Tests.Evaluation;

[TestClass]
public sealed class BoxEvaluationTests
{
    private sealed class Row
    {
        public int[] InstanceIds { get; set; } = Array.Empty<int>();
        public int Width { get; set; }
        public int[] InstanceClasses { get; set; } = Array.Empty<int>();
        public float[] InstanceBoxes { get; set; } = Array.Empty<float>();
        public float[] InstanceScores { get; set; } = Array.Empty<float>();
    }

    /// <summary>A 20×10 image with one car (26001) at x 2..11, y 1..6; the prediction's box is given as (x, y, w, h).</summary>
    private static double MapOf(float x, float y, float w, float h)
    {
        var ids = new int[200];
        Array.Fill(ids, 7);
        for (int yy = 1; yy <= 6; yy++) for (int xx = 2; xx <= 11; xx++) ids[yy * 20 + xx] = 26001;
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Row { InstanceIds = ids, Width = 20, InstanceClasses = new[] { 13 }, InstanceBoxes = new[] { x, y, w, h }, InstanceScores = new[] { 0.9f } },
        });
        return BoxEvaluation.Evaluate(ml, data).MAP50;
    }

    [TestMethod]
    public void AnExactBoxScoresOneAndADisjointBoxZero()
    {
        Assert.AreEqual(1.0, MapOf(2, 1, 10, 6), 1e-6);
        Assert.AreEqual(0.0, MapOf(14, 1, 5, 6), 1e-6);
    }
}
