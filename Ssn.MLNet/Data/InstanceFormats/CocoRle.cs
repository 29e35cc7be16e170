using System.Text;

namespace Ssn.MLNet.Data.InstanceFormats;

/// <summary>
/// COCO's run-length encoding of a binary mask (pycocotools' <c>mask.py</c>): the mask is read in column-major order
/// (down the first column, then the next), and <c>counts</c> alternate runs of 0s and 1s starting with 0s. The
/// compressed form is a string: each count (from the third on, minus the count two before) in 5-bit groups, least
/// significant first, each group + 48 as a character, bit 5 set while more groups follow, bit 4 of the last group the sign.
/// </summary>
public static class CocoRle
{
    /// <summary>The pixel indices (<c>y * width + x</c>, ascending) of the mask that <paramref name="counts"/> encode.</summary>
    /// <exception cref="InvalidDataException">A negative count, or counts that do not add up to <paramref name="width"/> × <paramref name="height"/>.</exception>
    public static int[] Decode(IReadOnlyList<long> counts, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(counts);
        long total = (long)width * height, at = 0;
        var pixels = new List<int>();
        for (int i = 0; i < counts.Count; i++)
        {
            if (counts[i] < 0) throw new InvalidDataException($"RLE count {i} is negative ({counts[i]}).");
            if (at + counts[i] > total) throw new InvalidDataException($"RLE counts add up to more than {width}×{height} = {total} pixels.");
            if (i % 2 == 1)
                for (long k = at; k < at + counts[i]; k++) pixels.Add((int)(k % height) * width + (int)(k / height)); // column-major → row-major
            at += counts[i];
        }
        if (at != total) throw new InvalidDataException($"RLE counts add up to {at} pixels, not {width}×{height} = {total}.");
        pixels.Sort();
        return pixels.ToArray();
    }

    /// <summary>The counts of a mask given by its pixel indices (row-major, any order).</summary>
    public static long[] Encode(IEnumerable<int> pixels, int width, int height)
    {
        var columnMajor = pixels.Select(p => (long)(p % width) * height + p / width).Order().ToArray();
        var counts = new List<long>();
        long at = 0;
        for (int i = 0; i < columnMajor.Length;)
        {
            int j = i;
            while (j + 1 < columnMajor.Length && columnMajor[j + 1] == columnMajor[j] + 1) j++;
            counts.Add(columnMajor[i] - at);
            counts.Add(j - i + 1);
            at = columnMajor[j] + 1;
            i = j + 1;
        }
        long rest = (long)width * height - at;
        if (rest > 0 || counts.Count == 0) counts.Add(rest); // as pycocotools: no trailing run of 0 zeros
        return counts.ToArray();
    }

    /// <summary>Decodes the compressed string form of <c>counts</c>.</summary>
    /// <exception cref="InvalidDataException">A character outside the alphabet or a count cut off.</exception>
    public static long[] Uncompress(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new List<long>();
        for (int p = 0; p < text.Length;)
        {
            long x = 0;
            int shift = 0;
            bool more = true;
            while (more)
            {
                if (p >= text.Length) throw new InvalidDataException($"Compressed RLE '{Shorten(text)}' ends inside a count.");
                int c = text[p++] - 48;
                if (c is < 0 or > 63) throw new InvalidDataException($"Compressed RLE '{Shorten(text)}' holds '{text[p - 1]}', which is not an RLE character.");
                x |= (long)(c & 0x1f) << shift;
                more = (c & 0x20) != 0;
                shift += 5;
                if (!more && (c & 0x10) != 0) x |= -1L << shift;
                if (shift > 60) throw new InvalidDataException($"Compressed RLE '{Shorten(text)}' holds a count too large.");
            }
            if (counts.Count > 2) x += counts[^2];
            counts.Add(x);
        }
        return counts.ToArray();
    }

    /// <summary>The compressed string form of <paramref name="counts"/>.</summary>
    public static string Compress(IReadOnlyList<long> counts)
    {
        var text = new StringBuilder();
        for (int i = 0; i < counts.Count; i++)
        {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            bool more = true;
            while (more)
            {
                long c = x & 0x1f;
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                text.Append((char)(c + 48));
            }
        }
        return text.ToString();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
