using Ssn.MLNet.Data;
using Ssn.MLNet.Tests.Imaging;

namespace Ssn.MLNet.Tests.RealData;

/// <summary>
/// The CamVid loader on real SegNet CamVid files (<c>../shared/camvid</c>; skipped without it): labels and images as an
/// independent decoder (ImageSharp) reads them, void (11) as the ignore label, and the split sizes of the release.
/// </summary>
[TestClass]
public sealed class CamVidFilesTests
{
    [TestMethod]
    public void RealAnnotationsAndImagesLoadAsAnotherDecoderReadsThem()
    {
        string root = SharedData.CamVidOrSkip();
        var train = new CamVidDataSource(root, "train");
        var val = new CamVidDataSource(root, "val");
        Assert.AreEqual(367, train.Count, "SegNet CamVid train split");
        Assert.AreEqual(101, val.Count, "SegNet CamVid val split");
        var files = Directory.GetFiles(Path.Combine(root, "trainannot"), "*.png").Order(StringComparer.Ordinal).ToArray();
        int checkedPixels = 0, voidPixels = 0;
        foreach (int row in new[] { 0, 100, 366 })
        {
            string name = Path.GetFileName(train.Rows[row].Image);
            var (annotation, expected) = TestImageFiles.ReadPngSamples(Path.Combine(root, "trainannot", name)); // the second decoder
            Assert.AreEqual((480, 360, 8, 0), (annotation.Width, annotation.Height, annotation.BitDepth, (int)annotation.ColorType), name);
            Assert.IsTrue(expected.All(v => v <= 11), $"{name}: CamVid values are 0–11");
            var label = train.LoadLabel(row).Data;
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i] == 11 ? (byte)255 : expected[i], label[i], $"{name}, pixel {i}");
                if (expected[i] == 11) voidPixels++;
            }
            checkedPixels += expected.Length;

            var (image, rgb) = TestImageFiles.ReadPngSamples(Path.Combine(root, "train", name));
            Assert.AreEqual((8, 2), (image.BitDepth, (int)image.ColorType), $"{name}: 8-bit RGB");
            CollectionAssert.AreEqual(rgb, train.LoadImage(row).Pixels, $"{name}: image pixels, SkiaSharp (the library's) against the second decoder");
        }
        Assert.HasCount(367, files);
        Assert.IsGreaterThan(0, voidPixels, "the sample holds void pixels, so the 11 → 255 mapping was exercised");
        Console.WriteLine($"{checkedPixels:N0} label pixels checked, {voidPixels:N0} void");
    }
}
