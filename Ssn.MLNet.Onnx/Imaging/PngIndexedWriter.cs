using System.Buffers.Binary;
using System.IO.Compression;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// A minimal PNG encoder for 8-bit palette images whose indices must be stored exactly as given (general encoders
/// may re-order or trim the palette). Writes IHDR, PLTE, one IDAT (filter type 0 rows, zlib), IEND.
/// </summary>
internal static class PngIndexedWriter
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="indices"/> with the 256-entry <paramref name="palette"/>.</summary>
    internal static void Write(Stream output, Raster<byte> indices, IReadOnlyList<(byte R, byte G, byte B)> palette)
    {
        if (palette.Count is < 1 or > 256) throw new ArgumentException("A PNG palette has 1 to 256 entries.", nameof(palette));
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);

        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)indices.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)indices.Height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = (byte)PngColorKind.Indexed;
        WriteChunk(output, "IHDR"u8, ihdr);

        var plte = new byte[palette.Count * 3];
        for (int i = 0; i < palette.Count; i++)
            (plte[3 * i], plte[3 * i + 1], plte[3 * i + 2]) = palette[i];
        WriteChunk(output, "PLTE"u8, plte);

        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < indices.Height; y++)
            {
                z.WriteByte(0);
                z.Write(indices.Data, y * indices.Width, indices.Width);
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
