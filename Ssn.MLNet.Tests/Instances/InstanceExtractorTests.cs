using Ssn.MLNet.Instances;
using Ssn.MLNet.Modeling;

namespace Ssn.MLNet.Tests.Instances;

[TestClass]
public sealed class InstanceExtractorTests
{
    private const int W = 40, H = 20;
    private const byte Road = 0, Person = 11, Car = 13;

    /// <summary>Fills a W×H scene: rectangles of a class whose pixels all predict the given centre (pixel coordinates).</summary>
    private static (float[] X, float[] Y, byte[] L, float[] P) Scene(params (int X0, int Y0, int X1, int Y1, byte Class, double Cx, double Cy, float Prob)[] parts)
    {
        var x = new float[W * H];
        var y = new float[W * H];
        var l = new byte[W * H];
        var p = new float[W * H];
        Array.Fill(l, Road);
        Array.Fill(p, 0.9f);
        foreach (var (x0, y0, x1, y1, c, cx, cy, prob) in parts)
            for (int j = y0; j <= y1; j++)
            for (int i = x0; i <= x1; i++)
            {
                x[j * W + i] = (float)SamplingCoordinates.ToNormalized(cx, W);
                y[j * W + i] = (float)SamplingCoordinates.ToNormalized(cy, H);
                l[j * W + i] = c;
                p[j * W + i] = prob;
            }
        return (x, y, l, p);
    }

    [TestMethod]
    public void GroupsBySharedCentreCellWithMajorityClassScoreAreaAndBox()
    {
        // Two cars side by side (touching), each predicting its own centre; a few person pixels inside car 1.
        var (x, y, l, p) = Scene((0, 0, 9, 9, Car, 4.5, 4.5, 0.8f), (10, 0, 19, 9, Car, 14.5, 4.5, 0.6f), (2, 2, 3, 3, Person, 4.5, 4.5, 0.5f));
        var r = InstanceExtractor.Extract(x, y, l, p, W, H, new InstanceExtractionOptions { MinArea = 10 });
        Assert.AreEqual(2, r.Instances.Count);
        var a = r.Instances.Single(i => i.X == 0);
        var b = r.Instances.Single(i => i.X == 10);
        Assert.AreEqual((Car, 100, 10, 10), (a.ClassId, a.Area, a.Width, a.Height));
        Assert.AreEqual(0.8f, a.Score, 1e-6f, "score = mean probability over the majority-class pixels");
        Assert.AreEqual(0.6f, b.Score, 1e-6f);
        Assert.AreEqual(a.Id, r.InstanceIds[2 * W + 2], "person pixels sharing the centre belong to the car instance");
        Assert.AreEqual(0, r.InstanceIds[15 * W + 30], "road is no instance");
        Assert.AreNotEqual(a.Id, r.InstanceIds[5 * W + 15]);
    }

    [TestMethod]
    public void PixelsWithoutAFiniteCentreBelongToNoInstanceAndFarCentresGoToTheBorderCell()
    {
        // A car of 100 pixels predicting its centre, with a 3×3 patch of NaN / ±infinity centres inside it.
        var (x, y, l, p) = Scene((0, 0, 9, 9, Car, 4.5, 4.5, 0.8f));
        float[] broken = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];
        for (int k = 0; k < 9; k++) (k % 2 == 0 ? x : y)[(1 + k / 3) * W + 1 + k % 3] = broken[k % 3];
        var r = InstanceExtractor.Extract(x, y, l, p, W, H, new InstanceExtractionOptions { MinArea = 10 });
        Assert.AreEqual(1, r.Instances.Count, "no second instance collects the broken centres in a corner cell");
        Assert.AreEqual(91, r.Instances[0].Area);
        for (int k = 0; k < 9; k++) Assert.AreEqual(0, r.InstanceIds[(1 + k / 3) * W + 1 + k % 3], $"pixel {k} of the broken patch");

        // A person whose pixels all predict a centre far outside the image: grouped in the nearest border cell.
        var (fx, fy, fl, fp) = Scene((30, 10, 39, 19, Person, 400, 5, 0.9f));
        var far = InstanceExtractor.Extract(fx, fy, fl, fp, W, H, new InstanceExtractionOptions { MinArea = 10 });
        Assert.AreEqual((1, 100, Person), (far.Instances.Count, far.Instances[0].Area, (byte)far.Instances[0].ClassId));
    }

    [TestMethod]
    public void AnEmptySceneAndCustomThingClasses()
    {
        var (x, y, l, p) = Scene();
        var empty = InstanceExtractor.Extract(x, y, l, p, W, H);
        Assert.AreEqual(0, empty.Instances.Count);
        Assert.IsTrue(empty.InstanceIds.All(id => id == 0));

        // Road is no Cityscapes thing class; declared one, it forms instances, and cars no longer do.
        var (cx, cy, cl, cp) = Scene((0, 0, 9, 9, Car, 4.5, 4.5, 0.8f));
        var custom = InstanceExtractor.Extract(cx, cy, cl, cp, W, H, new InstanceExtractionOptions { MinArea = 10, ThingClasses = [Road] });
        Assert.AreEqual(W * H - 100, custom.Instances.Sum(i => i.Area), "every road pixel and no car pixel");
        Assert.IsTrue(custom.Instances.All(i => i.ClassId == Road));
        Assert.AreEqual(0, custom.InstanceIds[5 * W + 5], "a car pixel");
    }

    [TestMethod]
    public void GroupsUnderTheMinimumAreaAreDropped()
    {
        var (x, y, l, p) = Scene((0, 0, 9, 9, Car, 4.5, 4.5, 0.8f), (30, 10, 32, 12, Person, 31, 11, 0.9f));
        var r = InstanceExtractor.Extract(x, y, l, p, W, H, new InstanceExtractionOptions { MinArea = 10 });
        Assert.AreEqual(1, r.Instances.Count);
        Assert.AreEqual(0, r.InstanceIds[11 * W + 31]);
    }

    [TestMethod]
    public void ACentreOnACellBorderDoesNotSplitItsInstance()
    {
        // Half the pixels predict x = 7.4, half x = 7.6: pixel 7 spans [6.5, 7.5], so with cell size 8 the border is 7.5.
        var (x, y, l, p) = Scene((0, 0, 9, 9, Car, 7.4, 4.5, 0.8f), (10, 0, 19, 9, Car, 7.6, 4.5, 0.8f));
        var merged = InstanceExtractor.Extract(x, y, l, p, W, H, new InstanceExtractionOptions { MinArea = 10 });
        Assert.AreEqual(1, merged.Instances.Count);
        Assert.AreEqual(200, merged.Instances[0].Area);
        var split = InstanceExtractor.Extract(x, y, l, p, W, H, new InstanceExtractionOptions { MinArea = 10, MergeDistance = 0 });
        Assert.AreEqual(2, split.Instances.Count, "without merging the border splits it (the test would be vacuous otherwise)");
    }

    [TestMethod]
    public void DistantCentresInNeighbouringCellsStayApart()
    {
        var (x, y, l, p) = Scene((0, 0, 9, 9, Car, 4.0, 4.5, 0.8f), (10, 0, 19, 9, Car, 12.0, 4.5, 0.8f));
        var r = InstanceExtractor.Extract(x, y, l, p, W, H, new InstanceExtractionOptions { MinArea = 10 });
        Assert.AreEqual(2, r.Instances.Count);
    }

    [TestMethod]
    public void MismatchedLengthsAndBadOptionsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => InstanceExtractor.Extract(new float[3], new float[3], new byte[3], default, 2, 2));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            InstanceExtractor.Extract(new float[4], new float[4], new byte[4], default, 2, 2, new InstanceExtractionOptions { MinArea = 0 }));
        StringAssert.Contains(e.Message, "MinArea");
    }
}
