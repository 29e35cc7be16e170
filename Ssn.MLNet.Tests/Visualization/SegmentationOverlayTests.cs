using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Visualization;

namespace Ssn.MLNet.Tests.Visualization;

[TestClass]
public sealed class SegmentationOverlayTests
{
    private static RgbImage Grey(int w, int h, byte v) => new(w, h, Enumerable.Repeat(v, w * h * 3).ToArray());

    private static (byte, byte, byte) At(RgbImage image, int x, int y)
    {
        int k = 3 * (y * image.Width + x);
        return (image.Pixels[k], image.Pixels[k + 1], image.Pixels[k + 2]);
    }

    [TestMethod]
    public void ColorizeUsesTheCityscapesPaletteAndBlackForIgnore()
    {
        var image = SegmentationOverlay.Colorize(new byte[] { 0, 13, 255, 10 }, 2, 2);
        Assert.AreEqual(((byte)128, (byte)64, (byte)128), At(image, 0, 0), "road");
        Assert.AreEqual(((byte)0, (byte)0, (byte)142), At(image, 1, 0), "car");
        Assert.AreEqual(((byte)0, (byte)0, (byte)0), At(image, 0, 1), "ignore");
        Assert.AreEqual(((byte)70, (byte)130, (byte)180), At(image, 1, 1), "sky");
    }

    [TestMethod]
    public void RenderBlendsColoursOverTheImageAndLeavesIgnoredPixels()
    {
        var overlay = SegmentationOverlay.Render(Grey(2, 1, 100), new byte[] { 0, 255 }, default, new OverlayOptions { Alpha = 0.5f });
        Assert.AreEqual(((byte)114, (byte)82, (byte)114), At(overlay, 0, 0), "(100 + road colour) / 2");
        Assert.AreEqual(((byte)100, (byte)100, (byte)100), At(overlay, 1, 0), "ignored pixel keeps the image");
    }

    [TestMethod]
    public void InstanceOutlinesAreTheBorderPixelsOfEachInstance()
    {
        // 6×5 map: instance 7 is the 3×3 square at x 1–3, y 1–3; instance 8 is the single column x = 5.
        const int w = 6, h = 5;
        var ids = new int[w * h];
        for (int y = 1; y <= 3; y++) for (int x = 1; x <= 3; x++) ids[y * w + x] = 7;
        for (int y = 0; y < h; y++) ids[y * w + 5] = 8;
        var labels = new byte[w * h]; // road everywhere
        var overlay = SegmentationOverlay.Render(Grey(w, h, 0), labels, ids, new OverlayOptions { Alpha = 0, OutlineColor = (1, 2, 3) });

        var outlined = new List<(int, int)>();
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (At(overlay, x, y) == (1, 2, 3)) outlined.Add((x, y));
        var square = new List<(int, int)>();
        for (int y = 1; y <= 3; y++) for (int x = 1; x <= 3; x++) if (!(x == 2 && y == 2)) square.Add((x, y));
        var column = Enumerable.Range(0, h).Select(y => (5, y));
        CollectionAssert.AreEquivalent(square.Concat(column).ToList(), outlined, "the square's ring and the whole column (it borders pixels of id 0)");
        Assert.AreEqual(((byte)0, (byte)0, (byte)0), At(overlay, 2, 2), "the square's centre is not outlined");
    }

    [TestMethod]
    public void OutlinesCanBeTurnedOff()
    {
        var overlay = SegmentationOverlay.Render(Grey(2, 1, 50), new byte[2], new[] { 1, 0 },
            new OverlayOptions { Alpha = 0, DrawInstanceOutlines = false, OutlineColor = (255, 0, 0) });
        Assert.AreEqual(((byte)50, (byte)50, (byte)50), At(overlay, 0, 0));
    }

    [TestMethod]
    public void GroundTruthInstancesKeepOnlyInstanceCodes()
    {
        CollectionAssert.AreEqual(new[] { 0, 26001, 24000, 0, 0 }, SegmentationOverlay.GroundTruthInstances(new[] { 7, 26001, 24000, 999, 0 }));
    }

    [TestMethod]
    public void SideBySidePlacesPanelsWithAWhiteGap()
    {
        var a = Grey(2, 2, 10);
        var b = Grey(3, 1, 20);
        var both = SegmentationOverlay.SideBySide(new[] { a, b }, gap: 1);
        Assert.AreEqual(6, both.Width);
        Assert.AreEqual(2, both.Height);
        Assert.AreEqual(((byte)10, (byte)10, (byte)10), At(both, 1, 1));
        Assert.AreEqual(((byte)255, (byte)255, (byte)255), At(both, 2, 0), "gap");
        Assert.AreEqual(((byte)20, (byte)20, (byte)20), At(both, 5, 0));
        Assert.AreEqual(((byte)255, (byte)255, (byte)255), At(both, 3, 1), "below the shorter panel");
    }

    [TestMethod]
    public void AMapOfTheWrongSizeIsRejectedByName()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => SegmentationOverlay.Render(Grey(2, 2, 0), new byte[3]));
        StringAssert.Contains(e.Message, "labels");
        e = Assert.ThrowsExactly<ArgumentException>(() => SegmentationOverlay.Render(Grey(2, 2, 0), new byte[4], new int[5]));
        StringAssert.Contains(e.Message, "instanceIds");
    }

    [TestMethod]
    public void PngBytesDecodeToTheSamePixels()
    {
        using var dir = new TempDirectory();
        var image = SegmentationOverlay.Colorize(new byte[] { 0, 1, 2, 3, 4, 5 }, 3, 2);
        File.WriteAllBytes(dir.File("x.png"), SegmentationOverlay.ToPng(image));
        CollectionAssert.AreEqual(image.Pixels, ImageFile.ReadRgb(dir.File("x.png")).Pixels);
    }

    [TestMethod]
    public void PaletteForOtherClassListsUsesTheVocColours()
    {
        var palette = SegmentationPalette.For(new[] { "background", "cat" });
        Assert.AreEqual(VocColorMap.GetColor(1), palette[1]);
        Assert.AreSame(SegmentationPalette.Cityscapes, SegmentationPalette.For(Ssn.MLNet.Data.CityscapesLabels.TrainClassNames));
    }
}
