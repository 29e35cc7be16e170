using System.Buffers.Binary;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// Walks the marker segments of a JPEG file (ITU-T T.81, Annex B) up to its end-of-image marker, so truncated files
/// are caught: ImageSharp 2.1 decodes a JPEG cut short without complaint, filling the missing part with grey.
/// </summary>
internal static class JpegStructure
{
    /// <summary>Whether <paramref name="bytes"/> start with a JPEG start-of-image marker.</summary>
    internal static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;

    /// <summary>Checks that the segments are complete and an end-of-image marker is reached.</summary>
    /// <exception cref="InvalidDataException">The file is truncated or malformed; the message names <paramref name="path"/>.</exception>
    internal static void Validate(ReadOnlySpan<byte> bytes, string path)
    {
        int pos = 2;
        while (true)
        {
            if (pos >= bytes.Length) throw Truncated(path, pos);
            if (bytes[pos] != 0xFF) throw new InvalidDataException($"JPEG file '{path}' is corrupt (no marker at byte {pos}).");
            while (pos < bytes.Length && bytes[pos] == 0xFF) pos++; // fill bytes
            if (pos >= bytes.Length) throw Truncated(path, pos);
            byte marker = bytes[pos++];
            if (marker == 0xD9) return; // EOI
            if (marker == 0x01 || marker is >= 0xD0 and <= 0xD7) continue; // stand-alone markers
            if (bytes.Length - pos < 2) throw Truncated(path, pos);
            int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[pos..]);
            if (length < 2 || bytes.Length - pos < length) throw Truncated(path, pos);
            pos += length;
            if (marker != 0xDA) continue;
            // Entropy-coded data after a start-of-scan: runs until a marker other than a stuffed 0xFF00 or a restart.
            while (true)
            {
                int ff = bytes[pos..].IndexOf((byte)0xFF);
                if (ff < 0 || pos + ff + 1 >= bytes.Length) throw Truncated(path, bytes.Length);
                byte next = bytes[pos + ff + 1];
                if (next == 0x00 || next == 0xFF || next is >= 0xD0 and <= 0xD7) { pos += ff + (next == 0xFF ? 1 : 2); continue; }
                pos += ff;
                break;
            }
        }
    }

    private static InvalidDataException Truncated(string path, int pos) =>
        new($"JPEG file '{path}' is truncated (ends at byte {pos} before its end-of-image marker).");
}
