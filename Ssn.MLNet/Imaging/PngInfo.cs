using System.Buffers.Binary;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// The PNG header (<c>IHDR</c>) of a file whose chunk structure was checked: signature, chunk lengths inside the
/// file, <c>IHDR</c> first, at least one <c>IDAT</c>, and an <c>IEND</c> (so truncated files are caught before
/// decoding). See the PNG specification (ISO/IEC 15948), §5 and §11.2.2.
/// </summary>
internal readonly record struct PngInfo(int Width, int Height, int BitDepth, PngColorKind ColorType, bool Interlaced)
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Whether <paramref name="bytes"/> start with the PNG signature.</summary>
    internal static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);

    /// <summary>Checks the chunk structure of <paramref name="bytes"/> and returns its header.</summary>
    /// <exception cref="InvalidDataException">The data is not a complete PNG; the message names <paramref name="path"/>.</exception>
    internal static PngInfo Parse(ReadOnlySpan<byte> bytes, string path, long? maxPixels = null)
    {
        if (!HasSignature(bytes))
            throw new InvalidDataException($"'{path}' is not a PNG file (bad signature).");
        int pos = Signature.Length;
        PngInfo? header = null;
        bool sawData = false;
        while (true)
        {
            if (bytes.Length - pos < 12)
                throw new InvalidDataException($"PNG file '{path}' is truncated (no IEND chunk after {pos} bytes).");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[pos..]);
            ReadOnlySpan<byte> type = bytes.Slice(pos + 4, 4);
            if (length > int.MaxValue || bytes.Length - pos - 12 < (long)length)
                throw new InvalidDataException($"PNG file '{path}' is truncated or corrupt (chunk at byte {pos} claims {length} bytes).");
            ReadOnlySpan<byte> data = bytes.Slice(pos + 8, (int)length);
            if (header is null)
            {
                if (!type.SequenceEqual("IHDR"u8) || length != 13)
                    throw new InvalidDataException($"PNG file '{path}' is corrupt (first chunk is not IHDR).");
                header = new PngInfo(
                    checked((int)BinaryPrimitives.ReadUInt32BigEndian(data)),
                    checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[4..])),
                    data[8], (PngColorKind)data[9], data[12] != 0);
                if (header.Value.Width <= 0 || header.Value.Height <= 0)
                    throw new InvalidDataException($"PNG file '{path}' is corrupt (size {header.Value.Width}×{header.Value.Height}).");
                ImageLimits.Check(header.Value.Width, header.Value.Height, $"PNG file '{path}'", maxPixels);
            }
            else if (type.SequenceEqual("IDAT"u8)) sawData = true;
            else if (type.SequenceEqual("IEND"u8))
            {
                if (!sawData) throw new InvalidDataException($"PNG file '{path}' is corrupt (no image data).");
                return header.Value;
            }
            pos += 12 + (int)length;
        }
    }

    /// <summary>Reads and checks the file at <paramref name="path"/>; returns its bytes and header.</summary>
    internal static (byte[] Bytes, PngInfo Info) ReadFile(string path)
    {
        byte[] bytes = ImageFile.ReadAllBytes(path);
        return (bytes, Parse(bytes, path));
    }
}

/// <summary>PNG colour types (PNG specification §11.2.2).</summary>
internal enum PngColorKind : byte
{
    /// <summary>Grayscale.</summary>
    Gray = 0,
    /// <summary>RGB.</summary>
    Rgb = 2,
    /// <summary>Palette indices.</summary>
    Indexed = 3,
    /// <summary>Grayscale with alpha.</summary>
    GrayAlpha = 4,
    /// <summary>RGB with alpha.</summary>
    Rgba = 6,
}
