using Ssn.MLNet.Imaging;
using Ssn.MLNet.Tests.BadInput;

namespace Ssn.MLNet.Tests.Imaging;

/// <summary>
/// The decoders the library uses on untrusted files (SkiaSharp for colour images, 8-bit gray and palettes;
/// <see cref="PngCodec"/> for 16-bit gray) under damaged input: seeded truncations, bit flips and oversized headers of
/// every kind of file the project reads must give an <see cref="InvalidDataException"/> naming the file, or an image of
/// the size its (possibly damaged) header gives — never another exception, a crash of the test host, or a hang.
/// </summary>
[TestClass]
public sealed class ImageDecodingFuzzTests
{
    /// <summary>A 16×8 16-bit grayscale PNG written by PIL (Pillow, Debian 12) with row filters Up, Average and Paeth;
    /// its values are <see cref="Expected16"/>.</summary>
    private const string PillowGray16 =
        "iVBORw0KGgoAAAANSUhEUgAAABAAAAAIEAAAAACFjfwIAAABBUlEQVR42j3OsUrDQBgA4Hj/Xe5icvY0h21MIAUVFBc1kzg5F99B6UNU6NhJ1+gTFDoInQo6ZHdxkkMEpVMmOQWhRFvTJE51/LYPDMPooUe4MVM2cqgYy3vPDSdbz3vHh5tHtZMCC8CaKNqhfatnXX7d2porntT6YihGP+euRgKkbqggIS0WOf5CuMUi7gtwNRbgaK4m7fA0y7mPqaulyr1mZx45dyVIDTtsjf4O6ll1HaSAzNl6UCQbV2i3eUHr1op3APuWzNlDueqfQUW+2WdD8Dc0CDNTWraN/G0sQOpCVUk1JCX6gFepiSJP+IWNrXT5XWokYBoXXaO9SE7jeXfpX7P4D4WfWsB/DWtHAAAAAElFTkSuQmCC";

    private static int Expected16(int x, int y) => (y * 4099 + x * x * 131 + x * y % 7 * 1000) % 65536;

    [TestMethod]
    public void A16BitPngOfAnotherEncoderDecodesExactlyThroughEveryRowFilter()
    {
        using var dir = new TempDirectory();
        string path = dir.File("pillow_instanceIds.png");
        File.WriteAllBytes(path, Convert.FromBase64String(PillowGray16));
        var values = LabelPng.ReadGray16(path);
        Assert.AreEqual((16, 8), (values.Width, values.Height));
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 16; x++)
                Assert.AreEqual(Expected16(x, y), values.Data[y * 16 + x], $"({x}, {y})");
        Assert.IsTrue(values.Data.Any(v => v > 255), "values above 255 survive");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void DamagedFilesGiveAClearErrorOrAnImageNeverACrashOrAHang()
    {
        using var dir = new TempDirectory();
        var random = new Random(20261207);
        var noise = new RgbImage(40, 30);
        random.NextBytes(noise.Pixels);
        var bases = new List<(string Kind, byte[] Bytes, Func<string, (int W, int H)> Read)>();
        void Add(string kind, string file, Func<string, (int, int)> read) => bases.Add((kind, File.ReadAllBytes(file), read));
        ImageFile.WriteRgbPng(dir.File("rgb.png"), noise);
        Add("RGB PNG", dir.File("rgb.png"), p => Size(ImageFile.ReadRgb(p)));
        TestImageFiles.WriteJpeg(dir.File("rgb.jpg"), noise, quality: 90);
        Add("JPEG", dir.File("rgb.jpg"), p => Size(ImageFile.ReadRgb(p)));
        LabelPng.WriteGray8(dir.File("gray8.png"), new Raster<byte>(40, 30, noise.Pixels[..1200]));
        Add("8-bit gray PNG", dir.File("gray8.png"), p => Size(LabelPng.ReadGray8(p)));
        File.WriteAllBytes(dir.File("gray16.png"), Convert.FromBase64String(PillowGray16));
        Add("16-bit gray PNG", dir.File("gray16.png"), p => Size(LabelPng.ReadGray16(p)));
        LabelPng.WriteVocIndexed(dir.File("voc.png"), new Raster<byte>(40, 30, noise.Pixels[..1200].Select(b => (byte)(b % 21)).ToArray()));
        Add("palette PNG", dir.File("voc.png"), p => Size(LabelPng.ReadVocIndexed(p)));

        var outcomes = new Dictionary<string, int>();
        const int PerKind = 120;
        foreach (var (kind, original, read) in bases)
        {
            Assert.AreEqual(ImageFile.ReadSize(WriteTo(dir, kind, original)), read(WriteTo(dir, kind, original)), kind);
            for (int n = 0; n < PerKind; n++)
            {
                var (mutation, bytes) = Mutate(original, random, n);
                string path = WriteTo(dir, kind, bytes);
                string outcome = DamagedInput.Classify(path, read, $"{kind}, {mutation} #{n}",
                    size => Assert.AreEqual(ImageFile.ReadSize(path), size, $"{kind}, {mutation} #{n}: decoded to another size than its header's"));
                string key = $"{kind} / {mutation} / {outcome}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            }
        }
        foreach (var (key, count) in outcomes.OrderBy(kv => kv.Key)) Console.WriteLine($"{key}: {count}");
        Assert.AreEqual(bases.Count * PerKind, outcomes.Values.Sum());
        Assert.IsTrue(outcomes.Keys.Any(k => k.EndsWith("clear error", StringComparison.Ordinal)), "the mutations do damage");
    }

    private static (int, int) Size<T>(Raster<T> r) where T : unmanaged => (r.Width, r.Height);

    private static (int, int) Size(RgbImage image) => (image.Width, image.Height);

    private static string WriteTo(TempDirectory dir, string kind, byte[] bytes)
    {
        string path = dir.File($"case-{Guid.NewGuid():N}{(kind == "JPEG" ? ".jpg" : ".png")}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Mutation <paramref name="n"/> of three kinds in turn: a truncation, 1–8 flipped bits, or an oversized header.</summary>
    private static (string Kind, byte[] Bytes) Mutate(byte[] original, Random random, int n)
    {
        var bytes = (byte[])original.Clone();
        switch (n % 3)
        {
            case 0:
                return ("truncated", DamagedInput.Truncated(original, random));
            case 1:
                return ("bit flips", DamagedInput.BitFlipped(original, random));
            default:
                // PNG: IHDR width/height at bytes 16–23; JPEG: the SOF0 marker's height/width. Huge sizes must be refused
                // from the header, before memory for them is taken.
                int at = PngInfo.HasSignature(bytes) ? 16 : SofOffset(bytes);
                bytes[at] = 0x7F;
                bytes[at + 2] = (byte)random.Next(256);
                return ("oversized header", bytes);
        }
    }

    /// <summary>Offset of the height field in the JPEG's first SOF0/SOF2 segment.</summary>
    private static int SofOffset(byte[] jpeg)
    {
        for (int i = 2; i + 9 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2) return i + 5;
        throw new InvalidOperationException("the JPEG has no SOF marker");
    }
}
