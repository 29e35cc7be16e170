using Ssn.MLNet.Instances;
using Ssn.MLNet.Modeling;

namespace Ssn.MLNet.Tests.Instances;

[TestClass]
public sealed class InstanceCentresTests
{
    [TestMethod]
    public void TargetIsTheMeanPixelCoordinateInNormalisedUnits()
    {
        const int w = 6, h = 4;
        var ids = new int[w * h];
        // Instance 26001 covers x 0..2 on row 1 and x 0 on row 2: mean (0.75, 1.25). Stuff id 7 (road) elsewhere.
        Array.Fill(ids, 7);
        foreach (var (x, y) in new[] { (0, 1), (1, 1), (2, 1), (0, 2) }) ids[y * w + x] = 26001;
        ids[3 * w + 5] = 24000; // a second instance of one pixel: its own centre
        var cx = new float[w * h];
        var cy = new float[w * h];
        var mask = new bool[w * h];
        InstanceCentres.Compute(ids, w, h, cx, cy, mask);
        Assert.AreEqual(5, mask.Count(m => m));
        Assert.AreEqual(SamplingCoordinates.ToNormalized(0.75, w), cx[1 * w + 2], 1e-6);
        Assert.AreEqual(SamplingCoordinates.ToNormalized(1.25, h), cy[2 * w + 0], 1e-6);
        Assert.AreEqual(SamplingCoordinates.ToNormalized(5, w), cx[3 * w + 5], 1e-6);
        Assert.AreEqual(SamplingCoordinates.ToNormalized(3, h), cy[3 * w + 5], 1e-6);
        Assert.IsFalse(mask[0]);
        Assert.AreEqual(0f, cx[0]);
    }
}
