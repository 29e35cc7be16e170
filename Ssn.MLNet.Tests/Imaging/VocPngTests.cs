using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Tests.Imaging;

[TestClass]
public sealed class VocPngTests
{
    [TestMethod]
    public void ColorMapMatchesVocDevkitEntries()
    {
        Assert.AreEqual(((byte)0, (byte)0, (byte)0), VocColorMap.GetColor(0));
        Assert.AreEqual(((byte)128, (byte)0, (byte)0), VocColorMap.GetColor(1));      // aeroplane
        Assert.AreEqual(((byte)192, (byte)128, (byte)128), VocColorMap.GetColor(15)); // person
        Assert.AreEqual(((byte)128, (byte)192, (byte)0), VocColorMap.GetColor(19));   // train
        Assert.AreEqual(((byte)224, (byte)224, (byte)192), VocColorMap.GetColor(255)); // boundary
        var distinct = Enumerable.Range(0, 256).Select(i => VocColorMap.GetColor((byte)i)).Distinct().Count();
        Assert.AreEqual(256, distinct);
    }

    [TestMethod]
    public void PaletteRoundTripKeepsIndicesAndColours()
    {
        using var dir = new TempDirectory();
        byte[] data = [0, 1, 2, 15, 20, 255, 7, 0, 3];
        string path = dir.File("2007_000032.png");
        LabelPng.WriteVocIndexed(path, new Raster<byte>(3, 3, data));
        CollectionAssert.AreEqual(data, LabelPng.ReadVocIndexed(path).Data);
        // A colour decoder (SkiaSharp, through ReadRgb) sees the VOC colours; the stored indices are the given ones.
        var rgb = ImageFile.ReadRgb(path).Pixels;
        Assert.AreEqual((192, 128, 128), (rgb[9], rgb[10], rgb[11]));
        Assert.AreEqual((224, 224, 192), (rgb[15], rgb[16], rgb[17]));
        CollectionAssert.AreEqual(data, TestImageFiles.ReadPngSamples(path).Samples);
    }

    [TestMethod]
    public void UnknownColourFailsNamingFileAndColour()
    {
        using var dir = new TempDirectory();
        string path = dir.File("odd.png");
        var rgb = new RgbImage(2, 1, [128, 0, 0, 1, 2, 3]);
        ImageFile.WriteRgbPng(path, rgb);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LabelPng.ReadVocIndexed(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "(1, 2, 3)");
    }
}
