using Ssn.MLNet.Data;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.Imaging;

namespace Ssn.MLNet.Tests.Data;

[TestClass]
public sealed class OtherDataSourceTests
{
    private static RgbImage Noise(int w, int h, int seed)
    {
        var px = new byte[w * h * 3];
        new Random(seed).NextBytes(px);
        return new RgbImage(w, h, px);
    }

    private static void WriteJpeg(string path, int w, int h) => TestImageFiles.WriteJpeg(path, TestImageFiles.Solid(w, h, 10, 200, 30));

    [TestMethod]
    public void CamVidMapsVoidToIgnoreAndRejectsUnknownValues()
    {
        using var dir = new TempDirectory();
        ImageFile.WriteRgbPng(dir.File("train/0001TP_006690.png"), Noise(4, 3, 1));
        ImageFile.WriteRgbPng(dir.File("train/0001TP_006720.png"), Noise(4, 3, 2));
        LabelPng.WriteGray8(dir.File("trainannot/0001TP_006690.png"), new Raster<byte>(4, 3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
        LabelPng.WriteGray8(dir.File("trainannot/0001TP_006720.png"), new Raster<byte>(4, 3, [0, 0, 0, 0, 3, 3, 3, 3, 12, 3, 3, 3]));
        var source = new CamVidDataSource(dir.Path, "train");
        Assert.AreEqual(11, source.ClassNames.Count);
        Assert.AreEqual("Bicyclist", source.ClassNames[10]);
        Assert.IsFalse(source.HasInstances);
        CollectionAssert.AreEqual(new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255 }, source.LoadLabel(0).Data);
        CollectionAssert.AreEqual(Noise(4, 3, 1).Pixels, source.LoadImage(0).Pixels);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => CursorReader.ReadAll(source));
        StringAssert.Contains(e.Message, dir.File("trainannot/0001TP_006720.png"));
        StringAssert.Contains(e.Message, "value 12");

        File.Delete(dir.File("trainannot/0001TP_006720.png"));
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => new CamVidDataSource(dir.Path, "train"));
        Assert.AreEqual(dir.File("trainannot/0001TP_006720.png"), missing.FileName);
    }

    /// <summary>
    /// CamVid files written by another encoder (ImageSharp: an 8-bit grayscale annotation, an RGB PNG image, as the SegNet
    /// release stores them) load with the expected values: the loader does not depend on this project's own PNG writer.
    /// </summary>
    [TestMethod]
    public void CamVidReadsFilesWrittenByAnotherEncoder()
    {
        using var dir = new TempDirectory();
        byte[] labels = [11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        TestImageFiles.WriteGray8PngWithSkia(dir.File("trainannot/a.png"), new Raster<byte>(4, 3, labels));
        var rgb = Noise(4, 3, 5).Pixels;
        TestImageFiles.WritePngWithSkia(dir.File("train/a.png"), new RgbImage(4, 3, rgb));
        var source = new CamVidDataSource(dir.Path, "train");
        CollectionAssert.AreEqual(new byte[] { 255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, source.LoadLabel(0).Data, "void (11) becomes the ignore label 255");
        CollectionAssert.AreEqual(rgb, source.LoadImage(0).Pixels);
    }

    [TestMethod]
    public void PascalVocReadsPaletteClassesAndObjectInstances()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("ImageSets/Segmentation"));
        File.WriteAllLines(dir.File("ImageSets/Segmentation/train.txt"), ["2007_000032", "2007_000039", ""]);
        File.WriteAllLines(dir.File("ImageSets/Segmentation/val.txt"), ["2007_000033"]);
        foreach (string id in new[] { "2007_000032", "2007_000039", "2007_000033" }) WriteJpeg(dir.File($"JPEGImages/{id}.jpg"), 3, 2);
        LabelPng.WriteVocIndexed(dir.File("SegmentationClass/2007_000032.png"), new Raster<byte>(3, 2, [0, 15, 15, 255, 1, 15]));
        LabelPng.WriteVocIndexed(dir.File("SegmentationObject/2007_000032.png"), new Raster<byte>(3, 2, [0, 1, 2, 255, 3, 2]));
        LabelPng.WriteVocIndexed(dir.File("SegmentationClass/2007_000039.png"), new Raster<byte>(3, 2, [0, 0, 0, 20, 20, 0]));
        LabelPng.WriteVocIndexed(dir.File("SegmentationObject/2007_000039.png"), new Raster<byte>(3, 2, [0, 0, 0, 1, 1, 0]));
        LabelPng.WriteVocIndexed(dir.File("SegmentationClass/2007_000033.png"), new Raster<byte>(3, 2, [0, 0, 0, 21, 0, 0]));

        var source = new PascalVocDataSource(dir.Path, "train");
        Assert.AreEqual(21, source.ClassNames.Count);
        Assert.AreEqual("person", source.ClassNames[15]);
        Assert.IsTrue(source.HasInstances);
        List<ReadRow> rows = CursorReader.ReadAll(source);
        Assert.AreEqual(2, rows.Count);
        CollectionAssert.AreEqual(new byte[] { 0, 15, 15, 255, 1, 15 }, rows[0].Label);
        CollectionAssert.AreEqual(new[] { 0, 15001, 15002, 255, 1003, 15002 }, rows[0].Instances);
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 20001, 20001, 0 }, rows[1].Instances);
        Assert.AreEqual(200, rows[0].Rgb[1], 4); // JPEG green channel

        var val = new PascalVocDataSource(dir.Path, "val");
        Assert.IsFalse(val.HasInstances);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => val.LoadLabel(0));
        StringAssert.Contains(e.Message, "index 21");
        StringAssert.Contains(e.Message, dir.File("SegmentationClass/2007_000033.png"));
    }

    /// <summary>The PASCAL VOC colour map as the VOC devkit defines it (bits of the index spread over R, G, B), written here.</summary>
    private static (byte R, byte G, byte B) VocColour(int index)
    {
        int r = 0, g = 0, b = 0;
        for (int j = 0, c = index; j < 8; j++, c >>= 3)
        {
            r |= (c & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
        }
        return ((byte)r, (byte)g, (byte)b);
    }

    /// <summary>A palette PNG as other encoders write one: only the colours used, in first-use order (not the VOC order).</summary>
    private static void WriteVocPngWithOwnPalette(string path, int w, int h, byte[] indices)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var used = indices.Distinct().ToList();
        var positions = indices.Select(i => (byte)used.IndexOf(i)).ToArray();
        using var file = File.Create(path);
        PngCodec.WriteIndexed(file, new Raster<byte>(w, h, positions), used.Select(i => VocColour(i)).ToList());
    }

    /// <summary>
    /// VOC annotations written as other encoders write them (palette PNGs whose palette holds only the used colours, in
    /// their own order) read as the class and object indices: the loader maps colours through the VOC colour map, not
    /// palette positions, and does not depend on this project's own writer. The colour map is the devkit's, written here.
    /// </summary>
    [TestMethod]
    public void PascalVocReadsPalettePngsWrittenByAnotherEncoder()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("ImageSets/Segmentation"));
        File.WriteAllLines(dir.File("ImageSets/Segmentation/train.txt"), ["a"]);
        WriteJpeg(dir.File("JPEGImages/a.jpg"), 4, 2);
        WriteVocPngWithOwnPalette(dir.File("SegmentationClass/a.png"), 4, 2, [15, 0, 255, 7, 7, 20, 0, 15]);
        WriteVocPngWithOwnPalette(dir.File("SegmentationObject/a.png"), 4, 2, [2, 0, 255, 1, 1, 3, 0, 2]);
        Assert.AreEqual(((byte)224, (byte)224, (byte)192), VocColour(255), "the devkit's boundary colour");
        var png = File.ReadAllBytes(dir.File("SegmentationClass/a.png"));
        Assert.AreEqual(3, png[25], "IHDR colour type 3: a palette PNG");
        int plte = png.AsSpan().IndexOf("PLTE"u8);
        Assert.AreEqual(5 * 3, (png[plte - 2] << 8) | png[plte - 1], "a palette of the 5 colours used, not the 256-entry VOC map");
        var row = CursorReader.ReadAll(new PascalVocDataSource(dir.Path, "train"))[0];
        CollectionAssert.AreEqual(new byte[] { 15, 0, 255, 7, 7, 20, 0, 15 }, row.Label);
        CollectionAssert.AreEqual(new[] { 15002, 0, 255, 7001, 7001, 20003, 0, 15002 }, row.Instances);
    }

    [TestMethod]
    public void ImageFolderMatchesByStemAndChecksMaskValues()
    {
        using var dir = new TempDirectory();
        ImageFile.WriteRgbPng(dir.File("images/b.png"), Noise(2, 2, 3));
        WriteJpeg(dir.File("images/a.jpg"), 2, 2);
        File.WriteAllText(dir.File("images/readme.txt"), "not an image");
        LabelPng.WriteGray8(dir.File("masks/a_mask.png"), new Raster<byte>(2, 2, [0, 1, 2, 255]));
        LabelPng.WriteGray8(dir.File("masks/b_mask.png"), new Raster<byte>(2, 2, [2, 2, 1, 3]));
        var source = new ImageFolderDataSource(dir.File("images"), dir.File("masks"), ["bg", "leaf", "stem"], "_mask");
        Assert.AreEqual(2, source.Count);
        Assert.AreEqual(dir.File("images/a.jpg"), source.Rows[0].Image);
        CollectionAssert.AreEqual(new byte[] { 0, 1, 2, 255 }, source.LoadLabel(0).Data);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => source.LoadLabel(1));
        StringAssert.Contains(e.Message, dir.File("masks/b_mask.png"));
        StringAssert.Contains(e.Message, "value 3");

        File.Delete(dir.File("masks/b_mask.png"));
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() =>
            new ImageFolderDataSource(dir.File("images"), dir.File("masks"), ["bg", "leaf", "stem"], "_mask"));
        Assert.AreEqual(dir.File("masks/b_mask.png"), missing.FileName);
    }

    [TestMethod]
    public void AnImageFolderCanCarryInstanceMaps()
    {
        using var dir = new TempDirectory();
        ImageFile.WriteRgbPng(dir.File("images/a.png"), Noise(2, 2, 3));
        LabelPng.WriteGray8(dir.File("masks/a.png"), new Raster<byte>(2, 2, [0, 1, 1, 2]));
        LabelPng.WriteGray16(dir.File("instances/a.png"), new Raster<int>(2, 2, [0, 1000, 1001, 2]));
        var source = new ImageFolderDataSource(dir.File("images"), dir.File("masks"), ["bg", "leaf", "stem"], instanceFolder: dir.File("instances"));
        Assert.IsTrue(source.HasInstances);
        Assert.IsNotNull(source.Schema.GetColumnOrNull(Ssn.MLNet.Data.SegmentationColumns.InstanceIds));
        CollectionAssert.AreEqual(new[] { 0, 1000, 1001, 2 }, source.LoadInstanceIds(0).Data, "16-bit values kept exactly; 2 = a crowd region of class 2");
        Assert.IsFalse(new ImageFolderDataSource(dir.File("images"), dir.File("masks"), ["bg", "leaf", "stem"]).HasInstances);
        File.Delete(dir.File("instances/a.png"));
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() =>
            new ImageFolderDataSource(dir.File("images"), dir.File("masks"), ["bg", "leaf", "stem"], instanceFolder: dir.File("instances")));
        Assert.AreEqual(dir.File("instances/a.png"), missing.FileName);
    }

    [TestMethod]
    public void ImageAndMaskOfDifferentSizeNameBothFiles()
    {
        using var dir = new TempDirectory();
        ImageFile.WriteRgbPng(dir.File("images/x.png"), Noise(4, 4, 3));
        LabelPng.WriteGray8(dir.File("masks/x.png"), new Raster<byte>(4, 3));
        var source = new ImageFolderDataSource(dir.File("images"), dir.File("masks"), ["bg", "fg"]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => CursorReader.ReadAll(source));
        StringAssert.Contains(e.Message, dir.File("images/x.png"));
        StringAssert.Contains(e.Message, dir.File("masks/x.png"));
    }
}
