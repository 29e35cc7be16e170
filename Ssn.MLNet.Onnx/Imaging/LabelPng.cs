using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// Reads and writes label maps stored as PNG, losslessly: 8-bit grayscale (Cityscapes <c>*_labelIds.png</c>, CamVid
/// annotations), 16-bit grayscale (Cityscapes <c>*_instanceIds.png</c>: <c>labelId * 1000 + k</c>, e.g. 26001) and
/// PASCAL VOC palette PNGs (index = class, 255 = boundary). Corrupt, truncated or wrongly-typed files raise
/// <see cref="InvalidDataException"/> naming the file; writes are atomic (temporary file + rename).
/// </summary>
public static class LabelPng
{
    /// <summary>Reads an 8-bit (or lower bit depth) grayscale PNG; values are returned unscaled.</summary>
    /// <param name="path">The PNG file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated, not grayscale, or 16-bit.</exception>
    public static Raster<byte> ReadGray8(string path)
    {
        (byte[] bytes, PngInfo info) = PngInfo.ReadFile(path);
        RequireGray(info, path);
        if (info.BitDepth > 8)
            throw new InvalidDataException($"'{path}' is a {info.BitDepth}-bit grayscale PNG; read it with {nameof(ReadGray16)} to keep its values.");
        return DecodeGray8(bytes, info, path);
    }

    /// <summary>
    /// Reads a grayscale PNG of any bit depth into <see cref="int"/> values without loss (16-bit values 0–65535,
    /// 8-bit values 0–255).
    /// </summary>
    /// <param name="path">The PNG file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated or not grayscale.</exception>
    public static Raster<int> ReadGray16(string path)
    {
        (byte[] bytes, PngInfo info) = PngInfo.ReadFile(path);
        RequireGray(info, path);
        var result = new Raster<int>(info.Width, info.Height);
        if (info.BitDepth <= 8)
        {
            byte[] narrow = DecodeGray8(bytes, info, path).Data;
            for (int i = 0; i < narrow.Length; i++) result.Data[i] = narrow[i];
            return result;
        }
        using Image<L16> image = ImageFile.Decode<L16>(bytes, path);
        CheckSize(image, info, path);
        var wide = new L16[result.Data.Length];
        image.CopyPixelDataTo(wide);
        for (int i = 0; i < wide.Length; i++) result.Data[i] = wide[i].PackedValue;
        return result;
    }

    /// <summary>Writes an 8-bit grayscale PNG (atomically).</summary>
    /// <param name="path">Target file; its directory is created.</param>
    /// <param name="labels">The values to store.</param>
    public static void WriteGray8(string path, Raster<byte> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var image = Image.LoadPixelData<L8>(labels.Data, labels.Width, labels.Height);
        var encoder = new PngEncoder
        {
            ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8, CompressionLevel = PngCompressionLevel.BestSpeed,
        };
        AtomicFile.Write(path, s => image.Save(s, encoder));
    }

    /// <summary>Writes a 16-bit grayscale PNG (atomically), e.g. a Cityscapes <c>*_instanceIds.png</c>.</summary>
    /// <param name="path">Target file; its directory is created.</param>
    /// <param name="values">The values to store, each in 0–65535.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value does not fit in 16 bits (nothing is written).</exception>
    public static void WriteGray16(string path, Raster<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var wide = new L16[values.Data.Length];
        for (int i = 0; i < wide.Length; i++)
        {
            int v = values.Data[i];
            if ((uint)v > ushort.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(values),
                    $"Value {v} at ({i % values.Width}, {i / values.Width}) does not fit a 16-bit PNG ('{path}').");
            wide[i] = new L16((ushort)v);
        }
        using var image = Image.LoadPixelData<L16>(wide, values.Width, values.Height);
        var encoder = new PngEncoder
        {
            ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16, CompressionLevel = PngCompressionLevel.BestSpeed,
        };
        AtomicFile.Write(path, s => image.Save(s, encoder));
    }

    /// <summary>
    /// Reads a PASCAL VOC label PNG (<c>SegmentationClass</c> or <c>SegmentationObject</c>) into palette indices
    /// (class index or object number; 255 = boundary/ignore). Palette PNGs are decoded to colours and mapped back
    /// through <see cref="VocColorMap"/>; 8-bit grayscale PNGs are taken as indices directly.
    /// </summary>
    /// <param name="path">The PNG file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, or holds a colour outside the VOC colour map.</exception>
    public static Raster<byte> ReadVocIndexed(string path)
    {
        (byte[] bytes, PngInfo info) = PngInfo.ReadFile(path);
        if (info.ColorType == PngColorKind.Gray && info.BitDepth <= 8) return DecodeGray8(bytes, info, path);
        using Image<Rgb24> image = ImageFile.Decode<Rgb24>(bytes, path);
        CheckSize(image, info, path);
        var rgb = new Rgb24[info.Width * info.Height];
        image.CopyPixelDataTo(rgb);
        var result = new Raster<byte>(info.Width, info.Height);
        Rgb24 lastColor = default;
        byte lastIndex = 0;
        bool haveLast = false;
        for (int i = 0; i < rgb.Length; i++)
        {
            Rgb24 c = rgb[i];
            if (!haveLast || !c.Equals(lastColor))
            {
                if (!VocColorMap.TryGetIndex(c.R, c.G, c.B, out lastIndex))
                    throw new InvalidDataException(
                        $"'{path}' holds colour ({c.R}, {c.G}, {c.B}) at ({i % info.Width}, {i / info.Width}), which is not in the PASCAL VOC colour map.");
                lastColor = c;
                haveLast = true;
            }
            result.Data[i] = lastIndex;
        }
        return result;
    }

    /// <summary>
    /// Writes a PASCAL VOC palette PNG (atomically): the stored palette indices are exactly <paramref name="indices"/>
    /// and the palette is the full 256-entry <see cref="VocColorMap"/>, as in the VOC development kit.
    /// </summary>
    /// <param name="path">Target file; its directory is created.</param>
    /// <param name="indices">Class indices (or object numbers), 255 = boundary.</param>
    public static void WriteVocIndexed(string path, Raster<byte> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        AtomicFile.Write(path, s => WriteVocIndexed(s, indices));
    }

    /// <summary>As <see cref="WriteVocIndexed(string, Raster{byte})"/>, into a stream (for example an HTTP response).</summary>
    public static void WriteVocIndexed(Stream output, Raster<byte> indices)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(indices);
        var palette = Enumerable.Range(0, 256).Select(i => VocColorMap.GetColor((byte)i)).ToArray();
        PngIndexedWriter.Write(output, indices, palette);
    }

    private static Raster<byte> DecodeGray8(byte[] bytes, PngInfo info, string path)
    {
        using Image<L8> image = ImageFile.Decode<L8>(bytes, path);
        CheckSize(image, info, path);
        var result = new Raster<byte>(info.Width, info.Height);
        image.CopyPixelDataTo(result.Data);
        if (info.BitDepth < 8)
        {
            // Decoders scale 1/2/4-bit gray to the full 0–255 range; undo it so labels keep their values.
            int step = 255 / ((1 << info.BitDepth) - 1);
            for (int i = 0; i < result.Data.Length; i++) result.Data[i] = (byte)(result.Data[i] / step);
        }
        return result;
    }

    private static void RequireGray(PngInfo info, string path)
    {
        if (info.ColorType != PngColorKind.Gray)
            throw new InvalidDataException(
                $"'{path}' is a {info.ColorType} PNG; a label map must be a single-channel grayscale PNG" +
                (info.ColorType == PngColorKind.Indexed ? $" (use {nameof(ReadVocIndexed)} for palette label images)." : "."));
    }

    private static void CheckSize(Image image, PngInfo info, string path)
    {
        if (image.Width != info.Width || image.Height != info.Height)
            throw new InvalidDataException($"'{path}' decoded to {image.Width}×{image.Height} but its header says {info.Width}×{info.Height}.");
    }
}
