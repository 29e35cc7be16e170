using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Data;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Tests.Data;

/// <summary>One row read back through a cursor.</summary>
internal sealed record ReadRow(string Path, int Height, int Width, byte[] Label, int[]? Instances, byte[] Rgb);

internal static class CursorReader
{
    /// <summary>Reads every column of every row through a real ML.NET cursor.</summary>
    public static List<ReadRow> ReadAll(IDataView view, Random? rand = null)
    {
        var s = view.Schema;
        bool inst = s.GetColumnOrNull(SegmentationColumns.InstanceIds) is not null;
        var rows = new List<ReadRow>();
        using var cursor = view.GetRowCursor(s, rand);
        var image = cursor.GetGetter<MLImage>(s[SegmentationColumns.Image]);
        var label = cursor.GetGetter<VBuffer<byte>>(s[SegmentationColumns.Label]);
        var instances = inst ? cursor.GetGetter<VBuffer<int>>(s[SegmentationColumns.InstanceIds]) : null;
        var height = cursor.GetGetter<int>(s[SegmentationColumns.Height]);
        var width = cursor.GetGetter<int>(s[SegmentationColumns.Width]);
        var path = cursor.GetGetter<ReadOnlyMemory<char>>(s[SegmentationColumns.ImagePath]);
        while (cursor.MoveNext())
        {
            MLImage img = null!;
            VBuffer<byte> l = default;
            VBuffer<int> ids = default;
            int h = 0, w = 0;
            ReadOnlyMemory<char> p = default;
            image(ref img);
            label(ref l);
            instances?.Invoke(ref ids);
            height(ref h);
            width(ref w);
            path(ref p);
            Assert.AreEqual(w, img.Width);
            Assert.AreEqual(h, img.Height);
            Assert.AreEqual(h * w, l.Length);
            byte[] rgb = RgbImage.FromMLImage(img).Pixels;
            img.Dispose();
            rows.Add(new ReadRow(p.ToString(), h, w, l.DenseValues().ToArray(), instances is null ? null : ids.DenseValues().ToArray(), rgb));
        }
        return rows;
    }
}
