using System.Buffers.Binary;
using System.IO.Compression;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// The PNG encoder of every file the project writes, and the decoder of the one kind SkiaSharp decodes lossily:
/// 16-bit grayscale (Cityscapes <c>*_instanceIds.png</c>; SkiaSharp 2.88 and 3.119 both return it as 8 bits, 12345 → 48).
/// Writing: 8-bit gray, 16-bit gray, 8-bit RGB and 8-bit palette images whose values must be stored exactly as given
/// (IHDR, PLTE for palettes, one IDAT of filter-0 rows, IEND). Reading: non-interlaced 16-bit grayscale, with all five
/// row filters (PNG specification, ISO/IEC 15948, §9). The file's chunk structure is checked first by
/// <see cref="PngInfo.Parse"/>.
/// </summary>
internal static class PngCodec
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>8-bit grayscale.</summary>
    internal static void WriteGray8(Stream output, Raster<byte> values) =>
        Write(output, values.Width, values.Height, 8, PngColorKind.Gray, null, values.Data, values.Width);

    /// <summary>16-bit grayscale (values 0–65535, stored big-endian).</summary>
    internal static void WriteGray16(Stream output, Raster<int> values)
    {
        var bytes = new byte[values.Data.Length * 2];
        for (int i = 0; i < values.Data.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2 * i), checked((ushort)values.Data[i]));
        Write(output, values.Width, values.Height, 16, PngColorKind.Gray, null, bytes, 2 * values.Width);
    }

    /// <summary>8-bit RGB.</summary>
    internal static void WriteRgb(Stream output, RgbImage image) =>
        Write(output, image.Width, image.Height, 8, PngColorKind.Rgb, null, image.Pixels, 3 * image.Width);

    /// <summary>8-bit palette indices with a 1–256-entry palette.</summary>
    internal static void WriteIndexed(Stream output, Raster<byte> indices, IReadOnlyList<(byte R, byte G, byte B)> palette)
    {
        if (palette.Count is < 1 or > 256) throw new ArgumentException("A PNG palette has 1 to 256 entries.", nameof(palette));
        Write(output, indices.Width, indices.Height, 8, PngColorKind.Indexed, palette, indices.Data, indices.Width);
    }

    /// <summary>Decodes a non-interlaced 16-bit grayscale PNG whose structure <paramref name="info"/> describes.</summary>
    /// <exception cref="InvalidDataException">Interlaced, corrupt compressed data, an unknown row filter, or too little data; the message names <paramref name="path"/>.</exception>
    internal static Raster<int> ReadGray16(ReadOnlySpan<byte> bytes, PngInfo info, string path)
    {
        if (info.ColorType != PngColorKind.Gray || info.BitDepth != 16) throw new ArgumentException("Not a 16-bit grayscale PNG.", nameof(info));
        byte[] samples = ReadSamples(bytes, info, path);
        var result = new Raster<int>(info.Width, info.Height);
        for (int i = 0; i < result.Data.Length; i++) result.Data[i] = BinaryPrimitives.ReadUInt16BigEndian(samples.AsSpan(2 * i));
        return result;
    }

    /// <summary>
    /// The unfiltered samples of a non-interlaced PNG of bit depth 8 or 16 (any colour type; palette images give their
    /// indices), row after row, big-endian for 16 bits. <see cref="ReadGray16"/> needs it; the tests use it as a second
    /// decoder beside SkiaSharp.
    /// </summary>
    internal static byte[] ReadSamples(ReadOnlySpan<byte> bytes, PngInfo info, string path)
    {
        if (info.Interlaced)
            throw new InvalidDataException($"'{path}' is an interlaced {info.BitDepth}-bit PNG, which this reader does not decode; save it without interlacing.");
        if (info.BitDepth is not (8 or 16)) throw new InvalidDataException($"'{path}' has bit depth {info.BitDepth}; this reader takes 8 or 16.");
        int channels = info.ColorType switch
        {
            PngColorKind.Gray or PngColorKind.Indexed => 1, PngColorKind.GrayAlpha => 2, PngColorKind.Rgb => 3, PngColorKind.Rgba => 4,
            _ => throw new InvalidDataException($"PNG file '{path}' has an unknown colour type {(int)info.ColorType}."),
        };
        int bytesPerPixel = channels * info.BitDepth / 8;
        int stride = checked(bytesPerPixel * info.Width);
        byte[] raw = Inflate(bytes, checked((long)(stride + 1) * info.Height), path);
        var samples = new byte[(long)stride * info.Height];
        for (int y = 0; y < info.Height; y++)
        {
            var row = samples.AsSpan(y * stride, stride);
            raw.AsSpan(y * (stride + 1) + 1, stride).CopyTo(row);
            Unfilter(raw[y * (stride + 1)], row, y == 0 ? new byte[stride] : samples.AsSpan((y - 1) * stride, stride), bytesPerPixel, path, y);
        }
        return samples;
    }

    /// <summary>The concatenated IDAT data, inflated; exactly <paramref name="expected"/> bytes or an error.</summary>
    private static byte[] Inflate(ReadOnlySpan<byte> bytes, long expected, string path)
    {
        using var compressed = new MemoryStream();
        for (int pos = 8; pos + 12 <= bytes.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes[pos..]);
            if (bytes.Slice(pos + 4, 4).SequenceEqual("IDAT"u8)) compressed.Write(bytes.Slice(pos + 8, length));
            pos += 12 + length;
        }
        compressed.Position = 0;
        var raw = new byte[expected];
        try
        {
            using var z = new ZLibStream(compressed, CompressionMode.Decompress);
            z.ReadExactly(raw);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"PNG file '{path}' has corrupt or too little image data ({e.Message}).", e);
        }
        return raw;
    }

    /// <summary>Reverses a row filter in place (§9.2): 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth.</summary>
    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, string path, int y)
    {
        switch (filter)
        {
            case 0: break;
            case 1: for (int i = bytesPerPixel; i < row.Length; i++) row[i] += row[i - bytesPerPixel]; break;
            case 2: for (int i = 0; i < row.Length; i++) row[i] += previous[i]; break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= bytesPerPixel ? row[i - bytesPerPixel] : 0) + previous[i]) >> 1);
                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0, b = previous[i], c = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }
                break;
            default:
                throw new InvalidDataException($"PNG file '{path}' is corrupt (row {y} has filter type {filter}).");
        }
    }

    private static void Write(Stream output, int width, int height, byte bitDepth, PngColorKind kind,
        IReadOnlyList<(byte R, byte G, byte B)>? palette, byte[] data, int stride)
    {
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = bitDepth;
        ihdr[9] = (byte)kind;
        WriteChunk(output, "IHDR"u8, ihdr);
        if (palette is not null)
        {
            var plte = new byte[palette.Count * 3];
            for (int i = 0; i < palette.Count; i++) (plte[3 * i], plte[3 * i + 1], plte[3 * i + 2]) = palette[i];
            WriteChunk(output, "PLTE"u8, plte);
        }
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(data, y * stride, stride);
            }
        }
        WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND"u8, []);
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        uint crc = Update(Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
