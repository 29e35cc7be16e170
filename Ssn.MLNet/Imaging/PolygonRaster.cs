namespace Ssn.MLNet.Imaging;

/// <summary>
/// Rasterises polygons (COCO <c>segmentation</c> polygons, YOLO segmentation lines) exactly and deterministically:
/// a pixel belongs to the polygon when its centre <c>(x + 0.5, y + 0.5)</c> is inside by the <b>even-odd rule</b> — a
/// ray from the centre crosses the outline an odd number of times. Edges are half-open in y (an edge covers
/// <c>y0 ≤ c &lt; y1</c>), so a centre on a shared vertex is counted once and two polygons that share an edge never both
/// take a pixel on it. Coordinates are in pixels (YOLO's normalised ones times the image size).
/// </summary>
public static class PolygonRaster
{
    /// <summary>The pixel indices (<c>y * width + x</c>, ascending) inside the polygon <paramref name="xy"/>.</summary>
    /// <param name="xy">Vertices x1, y1, x2, y2, … (at least 3 vertices); the polygon is closed implicitly.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <exception cref="ArgumentException">Fewer than 3 vertices, an odd number of coordinates, or a coordinate that is not finite.</exception>
    public static int[] Fill(IReadOnlyList<double> xy, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(xy);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (xy.Count % 2 != 0) throw new ArgumentException($"A polygon has an even number of coordinates (x, y pairs); got {xy.Count}.", nameof(xy));
        if (xy.Count < 6) throw new ArgumentException($"A polygon needs at least 3 points; got {xy.Count / 2}.", nameof(xy));
        if (xy.Any(v => !double.IsFinite(v))) throw new ArgumentException("A polygon coordinate is not a finite number.", nameof(xy));
        int n = xy.Count / 2;
        var pixels = new List<int>();
        var crossings = new List<double>();
        double minY = Enumerable.Range(0, n).Min(i => xy[2 * i + 1]), maxY = Enumerable.Range(0, n).Max(i => xy[2 * i + 1]);
        int rowFrom = Math.Max(0, (int)Math.Floor(minY - 0.5)), rowTo = Math.Min(height - 1, (int)Math.Ceiling(maxY - 0.5));
        for (int y = rowFrom; y <= rowTo; y++)
        {
            double cy = y + 0.5;
            crossings.Clear();
            for (int i = 0, j = n - 1; i < n; j = i++)
            {
                double x0 = xy[2 * j], y0 = xy[2 * j + 1], x1 = xy[2 * i], y1 = xy[2 * i + 1];
                if ((y0 <= cy && cy < y1) || (y1 <= cy && cy < y0))
                    crossings.Add(x0 + (cy - y0) * (x1 - x0) / (y1 - y0));
            }
            crossings.Sort();
            for (int k = 0; k + 1 < crossings.Count; k += 2)
            {
                // Centres x + 0.5 in [left, right): the spans of consecutive crossings (even-odd).
                int from = Math.Max(0, (int)Math.Ceiling(crossings[k] - 0.5));
                int to = Math.Min(width - 1, (int)Math.Ceiling(crossings[k + 1] - 0.5) - 1);
                for (int x = from; x <= to; x++) pixels.Add(y * width + x);
            }
        }
        return pixels.ToArray(); // rows ascending, spans of a row disjoint and ascending
    }
}
