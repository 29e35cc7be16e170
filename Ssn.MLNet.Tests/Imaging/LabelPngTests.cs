using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Tests.Imaging;

[TestClass]
public sealed class LabelPngTests
{
    [TestMethod]
    public void Gray16RoundTripKeepsCityscapesInstanceIds()
    {
        using var dir = new TempDirectory();
        int[] values = [0, 7, 26001, 33000, 24999, 26123, 255, 256, 65535, 1000, 11, 33012];
        var raster = new Raster<int>(4, 3, values);
        string path = dir.File("x_gtFine_instanceIds.png");
        LabelPng.WriteGray16(path, raster);
        Raster<int> back = LabelPng.ReadGray16(path);
        Assert.AreEqual(4, back.Width);
        Assert.AreEqual(3, back.Height);
        CollectionAssert.AreEqual(values, back.Data);
        // The file really is 16-bit grayscale with the same values (big-endian samples, read by the test's second decoder).
        var (info, samples) = TestImageFiles.ReadPngSamples(path);
        Assert.AreEqual((16, 0), (info.BitDepth, (int)info.ColorType));
        Assert.AreEqual(7, samples[2] << 8 | samples[3]);
        Assert.AreEqual(26001, samples[4] << 8 | samples[5]);
    }

    [TestMethod]
    public void Gray16ReaderWidens8BitFilesWithoutScaling()
    {
        using var dir = new TempDirectory();
        string path = dir.File("a.png");
        LabelPng.WriteGray8(path, new Raster<byte>(3, 1, [0, 26, 255]));
        CollectionAssert.AreEqual(new[] { 0, 26, 255 }, LabelPng.ReadGray16(path).Data);
    }

    [TestMethod]
    public void Gray8RoundTrip()
    {
        using var dir = new TempDirectory();
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        string path = dir.File("labels.png");
        LabelPng.WriteGray8(path, new Raster<byte>(32, 8, data));
        var back = LabelPng.ReadGray8(path);
        Assert.AreEqual(32, back.Width);
        CollectionAssert.AreEqual(data, back.Data);
    }

    [TestMethod]
    public void Gray8ReaderRefuses16BitFiles()
    {
        using var dir = new TempDirectory();
        string path = dir.File("wide.png");
        LabelPng.WriteGray16(path, new Raster<int>(2, 1, [26001, 7]));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LabelPng.ReadGray8(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "16-bit");
    }

    [TestMethod]
    public void LabelReaderRefusesColourPng()
    {
        using var dir = new TempDirectory();
        string path = dir.File("rgb.png");
        ImageFile.WriteRgbPng(path, new RgbImage(2, 2));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LabelPng.ReadGray8(path));
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void TruncatedPngGivesErrorNamingFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.png");
        var data = new int[64 * 64];
        for (int i = 0; i < data.Length; i++) data[i] = (i * 7919) % 60000;
        LabelPng.WriteGray16(path, new Raster<int>(64, 64, data));
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LabelPng.ReadGray16(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void CorruptPngDataGivesErrorNamingFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.png");
        var data = new byte[64 * 64];
        new Random(3).NextBytes(data);
        LabelPng.WriteGray8(path, new Raster<byte>(64, 64, data));
        byte[] bytes = File.ReadAllBytes(path);
        // Overwrite the middle of the compressed data (chunk structure stays intact).
        for (int i = bytes.Length / 2 - 40; i < bytes.Length / 2 + 40; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LabelPng.ReadGray8(path));
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void NonPngFileGivesErrorNamingFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("junk.png");
        File.WriteAllText(path, "this is not an image");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LabelPng.ReadGray8(path));
        StringAssert.Contains(e.Message, path);
        var e2 = Assert.ThrowsExactly<InvalidDataException>(() => ImageFile.ReadRgb(path));
        StringAssert.Contains(e2.Message, path);
    }

    [TestMethod]
    public void MissingFileGivesFileNotFoundNamingIt()
    {
        using var dir = new TempDirectory();
        string path = dir.File("nope.png");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => LabelPng.ReadGray16(path));
        Assert.AreEqual(path, e.FileName);
    }

    [TestMethod]
    public void Writing16BitValueOutOfRangeWritesNothing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("big.png");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LabelPng.WriteGray16(path, new Raster<int>(2, 1, [1, 70000])));
        Assert.AreEqual(0, Directory.GetFileSystemEntries(dir.Path).Length);
    }

    [TestMethod]
    public void AtomicWritesLeaveNoTemporaryFiles()
    {
        using var dir = new TempDirectory();
        LabelPng.WriteGray8(dir.File("a.png"), new Raster<byte>(4, 4));
        LabelPng.WriteGray8(dir.File("a.png"), new Raster<byte>(4, 4)); // overwrite
        LabelPng.WriteGray16(dir.File("b.png"), new Raster<int>(4, 4));
        LabelPng.WriteVocIndexed(dir.File("sub/c.png"), new Raster<byte>(4, 4));
        ImageFile.WriteRgbPng(dir.File("d.png"), new RgbImage(4, 4));
        var files = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir.Path, f)).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "a.png", "b.png", "d.png", Path.Combine("sub", "c.png") }, files);
    }

    [TestMethod]
    public void FailedAtomicWriteKeepsOldTargetAndRemovesTemp()
    {
        using var dir = new TempDirectory();
        string path = dir.File("keep.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("boom");
        }));
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.AreEqual(1, Directory.GetFileSystemEntries(dir.Path).Length);
    }
}
