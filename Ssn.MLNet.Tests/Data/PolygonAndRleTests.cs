using Ssn.MLNet.Data.InstanceFormats;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Tests.Data;

/// <summary>
/// Polygon rasterisation (pixel centres inside by the even-odd rule, half-open edges) and COCO RLE on shapes worked out
/// by hand.
/// </summary>
[TestClass]
public sealed class PolygonAndRleTests
{
    private static int[] At(int width, params (int X, int Y)[] pixels) => pixels.Select(p => p.Y * width + p.X).Order().ToArray();

    [TestMethod]
    public void ASquareTakesThePixelsWhoseCentresItCovers()
    {
        // x, y in [1, 4): centres 1.5, 2.5, 3.5 → pixels 1–3 in both directions.
        var square = PolygonRaster.Fill([1, 1, 4, 1, 4, 4, 1, 4], 6, 6);
        CollectionAssert.AreEqual(Enumerable.Range(1, 3).SelectMany(y => Enumerable.Range(1, 3).Select(x => y * 6 + x)).ToArray(), square);
        Assert.IsEmpty(PolygonRaster.Fill([0.6, 0.6, 1.4, 0.6, 1.4, 1.4, 0.6, 1.4], 4, 4), "no pixel centre inside");
    }

    [TestMethod]
    public void ATriangleFollowsItsDiagonal()
    {
        // (0,0), (4,0), (0,4): row 0 centres below 3.5, row 1 below 2.5, row 2 below 1.5, row 3 below 0.5 (none).
        var triangle = PolygonRaster.Fill([0, 0, 4, 0, 0, 4], 5, 5);
        CollectionAssert.AreEqual(At(5, (0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (0, 2)), triangle);
        CollectionAssert.AreEqual(triangle, PolygonRaster.Fill([0, 4, 4, 0, 0, 0], 5, 5), "the vertex order does not matter");
    }

    [TestMethod]
    public void SelfIntersectingOutlinesUseTheEvenOddRuleAndNeighboursShareNoPixel()
    {
        // A pentagram: its centre is crossed twice on the way out, so it is outside by even-odd (inside by non-zero).
        double[] star = [5, 0, 8, 9, 0, 3.5, 10, 3.5, 2, 9];
        var pixels = PolygonRaster.Fill(star, 10, 10);
        Assert.DoesNotContain(5 * 10 + 5 - 10, pixels, "the centre pixel (5, 4): centre (5.5, 4.5) is in the pentagon, outside by even-odd");
        Assert.Contains(2 * 10 + 5, pixels, "(5, 2) in the top point of the star is inside");
        // Two squares sharing the edge x = 2 split its pixels: none is in both, none is lost.
        var left = PolygonRaster.Fill([0, 0, 2, 0, 2, 2, 0, 2], 4, 2);
        var right = PolygonRaster.Fill([2, 0, 4, 0, 4, 2, 2, 2], 4, 2);
        Assert.IsEmpty(left.Intersect(right));
        Assert.HasCount(8, left.Union(right));
    }

    [TestMethod]
    public void BadPolygonsAreRefusedNamingWhy()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => PolygonRaster.Fill([0, 0, 1, 1], 4, 4)).Message, "at least 3 points");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => PolygonRaster.Fill([0, 0, 1, 1, 2], 4, 4)).Message, "even number");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => PolygonRaster.Fill([0, 0, 1, double.NaN, 2, 2], 4, 4)).Message, "finite");
    }

    [TestMethod]
    public void RleRunsDownColumnsFirstAndCompressesAsPycocotools()
    {
        // 3 × 2 image, mask (1,0), (1,1), (2,1): column-major 0 0 1 1 0 1 → counts 2 2 1 1.
        int[] mask = At(3, (1, 0), (1, 1), (2, 1));
        long[] counts = CocoRle.Encode(mask, 3, 2);
        CollectionAssert.AreEqual(new long[] { 2, 2, 1, 1 }, counts);
        CollectionAssert.AreEqual(mask, CocoRle.Decode(counts, 3, 2));
        // The 4th count is stored as 1 − 2 = −1: 5 bits 11111 with the sign bit set, 31 + 48 = 'O'.
        Assert.AreEqual("221O", CocoRle.Compress(counts));
        CollectionAssert.AreEqual(counts, CocoRle.Uncompress("221O"));
        CollectionAssert.AreEqual(new long[] { 6 }, CocoRle.Encode([], 3, 2), "an empty mask is one run of 0s");
        var big = CocoRle.Encode(Enumerable.Range(1000, 5000), 100, 100);
        CollectionAssert.AreEqual(big, CocoRle.Uncompress(CocoRle.Compress(big)), "counts over 5 bits take several groups");
    }

    [TestMethod]
    public void MalformedRleIsRefusedNamingWhy()
    {
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => CocoRle.Decode([2, 2, 1], 3, 2)).Message, "add up to 5 pixels, not 3×2 = 6");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => CocoRle.Decode([2, 9], 3, 2)).Message, "more than");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => CocoRle.Decode([-1, 7], 3, 2)).Message, "negative");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => CocoRle.Uncompress("2 2")).Message, "not an RLE character");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => CocoRle.Uncompress("2_")).Message, "ends inside a count"); // '_' - 48 = 47: "more follows"
    }
}
