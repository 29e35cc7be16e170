using SkiaSharp;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// Reads and writes label maps stored as PNG, losslessly: 8-bit grayscale (Cityscapes <c>*_labelIds.png</c>, CamVid
/// annotations), 16-bit grayscale (Cityscapes <c>*_instanceIds.png</c>: <c>labelId * 1000 + k</c>, e.g. 26001) and
/// PASCAL VOC palette PNGs (index = class, 255 = boundary). Corrupt, truncated or wrongly-typed files raise
/// <see cref="InvalidDataException"/> naming the file; writes are atomic (temporary file + rename). 16-bit grayscale is
/// decoded by <see cref="PngCodec"/> (SkiaSharp would cut it to 8 bits), the rest by SkiaSharp; every PNG is written by
/// <see cref="PngCodec"/>.
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
        if (info.BitDepth <= 8)
        {
            var result = new Raster<int>(info.Width, info.Height);
            byte[] narrow = DecodeGray8(bytes, info, path).Data;
            for (int i = 0; i < narrow.Length; i++) result.Data[i] = narrow[i];
            return result;
        }
        return PngCodec.ReadGray16(bytes, info, path);
    }

    /// <summary>Writes an 8-bit grayscale PNG (atomically).</summary>
    /// <param name="path">Target file; its directory is created.</param>
    /// <param name="labels">The values to store.</param>
    public static void WriteGray8(string path, Raster<byte> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        AtomicFile.Write(path, s => PngCodec.WriteGray8(s, labels));
    }

    /// <summary>Writes a 16-bit grayscale PNG (atomically), e.g. a Cityscapes <c>*_instanceIds.png</c>.</summary>
    /// <param name="path">Target file; its directory is created.</param>
    /// <param name="values">The values to store, each in 0–65535.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value does not fit in 16 bits (nothing is written).</exception>
    public static void WriteGray16(string path, Raster<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        for (int i = 0; i < values.Data.Length; i++)
        {
            int v = values.Data[i];
            if ((uint)v > ushort.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(values),
                    $"Value {v} at ({i % values.Width}, {i / values.Width}) does not fit a 16-bit PNG ('{path}').");
        }
        AtomicFile.Write(path, s => PngCodec.WriteGray16(s, values));
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
        var (width, height, rgba) = ImageFile.Decode(bytes, path, SKColorType.Rgba8888);
        CheckSize(width, height, info, path);
        var result = new Raster<byte>(info.Width, info.Height);
        int lastColor = -1;
        byte lastIndex = 0;
        for (int i = 0; i < result.Data.Length; i++)
        {
            byte r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
            int color = r << 16 | g << 8 | b;
            if (color != lastColor)
            {
                if (!VocColorMap.TryGetIndex(r, g, b, out lastIndex))
                    throw new InvalidDataException(
                        $"'{path}' holds colour ({r}, {g}, {b}) at ({i % info.Width}, {i / info.Width}), which is not in the PASCAL VOC colour map.");
                lastColor = color;
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
        PngCodec.WriteIndexed(output, indices, palette);
    }

    private static Raster<byte> DecodeGray8(byte[] bytes, PngInfo info, string path)
    {
        var (width, height, gray) = ImageFile.Decode(bytes, path, SKColorType.Gray8);
        CheckSize(width, height, info, path);
        var result = new Raster<byte>(info.Width, info.Height, gray);
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

    private static void CheckSize(int width, int height, PngInfo info, string path)
    {
        if (width != info.Width || height != info.Height)
            throw new InvalidDataException($"'{path}' decoded to {width}×{height} but its header says {info.Width}×{info.Height}.");
    }
}
