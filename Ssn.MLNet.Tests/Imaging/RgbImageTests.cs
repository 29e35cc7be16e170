using Microsoft.ML.Data;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Tests.Imaging;

[TestClass]
public sealed class RgbImageTests
{
    private static RgbImage Sample()
    {
        var px = new byte[3 * 2 * 3];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 13 + 5);
        return new RgbImage(3, 2, px);
    }

    [TestMethod]
    public void PngRoundTripAndSkiaAgree()
    {
        using var dir = new TempDirectory();
        string path = dir.File("img.png");
        RgbImage img = Sample();
        ImageFile.WriteRgbPng(path, img);
        RgbImage back = ImageFile.ReadRgb(path);
        CollectionAssert.AreEqual(img.Pixels, back.Pixels);
        Assert.AreEqual((3, 2), ImageFile.ReadSize(path));
        // ML.NET's own decoder (SkiaSharp) reads the same pixels.
        using MLImage ml = MLImage.CreateFromFile(path);
        CollectionAssert.AreEqual(img.Pixels, RgbImage.FromMLImage(ml).Pixels);
    }

    [TestMethod]
    public void ToChwIsPlanarAndNormalised()
    {
        RgbImage img = Sample();
        float[] chw = img.ToChw();
        // pixel (x=1, y=1) is index 4; its G byte is Pixels[13]
        Assert.AreEqual(img.Pixels[13] / 255f, chw[1 * 6 + 4], 1e-6f);
        float[] norm = img.ToChw([0.5f, 0.25f, 0.125f], [2f, 4f, 8f]);
        Assert.AreEqual((img.Pixels[14] / 255f - 0.125f) / 8f, norm[2 * 6 + 4], 1e-6f);
        Assert.AreEqual((img.Pixels[0] / 255f - 0.5f) / 2f, norm[0], 1e-6f);
    }

    [TestMethod]
    public void AnMLImageGoesToChwDirectlyWithTheSameValuesInBothChannelOrders()
    {
        RgbImage img = Sample();
        float[] mean = [0.5f, 0.25f, 0.125f], std = [2f, 4f, 8f];
        float[] expected = img.ToChw(mean, std);
        using MLImage bgra = img.ToMLImage();
        var rgbaPixels = new byte[4 * 6];
        for (int i = 0; i < 6; i++) (rgbaPixels[4 * i], rgbaPixels[4 * i + 1], rgbaPixels[4 * i + 2], rgbaPixels[4 * i + 3]) = (img.Pixels[3 * i], img.Pixels[3 * i + 1], img.Pixels[3 * i + 2], 7);
        using MLImage rgba = MLImage.CreateFromPixels(3, 2, MLPixelFormat.Rgba32, rgbaPixels);
        foreach (var ml in new[] { bgra, rgba })
        {
            var chw = new float[18];
            RgbImage.CopyToChw(ml, chw, mean, std);
            CollectionAssert.AreEqual(expected, chw, $"{ml.PixelFormat}: bit for bit what the RGB path gives");
        }
        Assert.AreEqual((img.Pixels[14] / 255f - 0.125f) / 8f, expected[2 * 6 + 4], 1e-6f, "blue of pixel 4, by hand");
    }

    [TestMethod]
    public void MLImageConversionIsBgraAndRoundTrips()
    {
        RgbImage img = Sample();
        using MLImage ml = img.ToMLImage();
        Assert.AreEqual(MLPixelFormat.Bgra32, ml.PixelFormat);
        Assert.AreEqual(3, ml.Width);
        Assert.AreEqual(2, ml.Height);
        Assert.AreEqual(img.Pixels[2], ml.Pixels[0]); // B first
        Assert.AreEqual(img.Pixels[0], ml.Pixels[2]); // then G, R
        Assert.AreEqual(255, ml.Pixels[3]);
        CollectionAssert.AreEqual(img.Pixels, RgbImage.FromMLImage(ml).Pixels);
    }

    [TestMethod]
    public void JpegIsReadAsRgb()
    {
        using var dir = new TempDirectory();
        string path = dir.File("2007_000032.jpg");
        TestImageFiles.WriteJpeg(path, TestImageFiles.Solid(16, 16, 200, 40, 90), quality: 100);
        RgbImage back = ImageFile.ReadRgb(path);
        Assert.AreEqual(16, back.Width);
        Assert.AreEqual(200, back.Pixels[0], 3);
        Assert.AreEqual(40, back.Pixels[1], 3);
        Assert.AreEqual(90, back.Pixels[2], 3);
    }

    [TestMethod]
    public void TruncatedJpegGivesErrorNamingFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("cut.jpg");
        var noise = new RgbImage(64, 64);
        new Random(5).NextBytes(noise.Pixels);
        TestImageFiles.WriteJpeg(path, noise, quality: 90);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ImageFile.ReadRgb(path));
        StringAssert.Contains(e.Message, path);
    }
}
