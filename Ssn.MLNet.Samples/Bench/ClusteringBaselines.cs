namespace Ssn.MLNet.Samples.Bench;

/// <summary>
/// The clustering the paper's thresholding replaces (§4), run on the same per-pixel predicted centres:
/// mean-shift (flat kernel, bin seeding, as in the discriminative-loss method of De Brabandere et al.) and
/// Panoptic-DeepLab's grouping (centre keypoints by non-maximum suppression of a centre heatmap, each pixel to the
/// nearest keypoint). Both use a uniform grid for neighbour queries, so they are fair, not naive, baselines.
/// </summary>
public static class ClusteringBaselines
{
    /// <summary>
    /// Mean-shift on the points (<paramref name="xs"/>, <paramref name="ys"/>) in pixels; returns a cluster per point
    /// and the cluster count. Seeds: every point (scikit-learn's default), or with <paramref name="binSeeding"/> one
    /// per occupied bandwidth-sized bin.
    /// </summary>
    public static (int[] Cluster, int Count) MeanShift(float[] xs, float[] ys, float bandwidth, bool binSeeding = false)
    {
        int n = xs.Length;
        if (n == 0) return (Array.Empty<int>(), 0);
        var grid = new PointGrid(xs, ys, bandwidth);
        var seeds = new List<(float X, float Y)>();
        if (binSeeding)
        {
            var bins = new HashSet<(int, int)>();
            for (int i = 0; i < n; i++) bins.Add(((int)MathF.Round(xs[i] / bandwidth), (int)MathF.Round(ys[i] / bandwidth)));
            seeds.AddRange(bins.Select(b => (b.Item1 * bandwidth, b.Item2 * bandwidth)));
        }
        else
            for (int i = 0; i < n; i++) seeds.Add((xs[i], ys[i]));
        var modes = new List<(float X, float Y, int Support)>();
        float b2 = bandwidth * bandwidth, stop = 1e-3f * bandwidth;
        foreach (var (sx, sy) in seeds)
        {
            float mx = sx, my = sy;
            int support = 0;
            for (int iteration = 0; iteration < 300; iteration++)
            {
                var (cx, cy, count) = grid.MeanWithin(mx, my, b2);
                if (count == 0) break;
                bool converged = MathF.Abs(cx - mx) < stop && MathF.Abs(cy - my) < stop;
                (mx, my, support) = (cx, cy, count);
                if (converged) break;
            }
            if (support > 0) modes.Add((mx, my, support));
        }
        // Keep the best-supported modes, dropping any within one bandwidth of a kept one.
        var kept = new List<(float X, float Y)>();
        foreach (var m in modes.OrderByDescending(m => m.Support))
            if (kept.All(k => (k.X - m.X) * (k.X - m.X) + (k.Y - m.Y) * (k.Y - m.Y) >= b2)) kept.Add((m.X, m.Y));
        return (AssignNearest(xs, ys, kept), kept.Count);
    }

    /// <summary>
    /// Panoptic-DeepLab grouping: votes of the predicted centres form a heatmap; keypoints are its local maxima in a
    /// <paramref name="window"/>-pixel window holding at least <paramref name="minVotes"/> votes (top 200); each point
    /// goes to the nearest keypoint.
    /// </summary>
    public static (int[] Cluster, int Count) NearestCentre(float[] xs, float[] ys, int width, int height, int window = 7, int minVotes = 10)
    {
        var votes = new int[width * height];
        for (int i = 0; i < xs.Length; i++)
        {
            int x = Math.Clamp((int)MathF.Round(xs[i]), 0, width - 1), y = Math.Clamp((int)MathF.Round(ys[i]), 0, height - 1);
            votes[y * width + x]++;
        }
        int r = window / 2;
        // Separable max filter (the max-pool NMS of Panoptic-DeepLab).
        var rowMax = new int[votes.Length];
        var max = new int[votes.Length];
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                int m = 0;
                for (int dx = Math.Max(0, x - r); dx <= Math.Min(width - 1, x + r); dx++) m = Math.Max(m, votes[y * width + dx]);
                rowMax[y * width + x] = m;
            }
        });
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                int m = 0;
                for (int dy = Math.Max(0, y - r); dy <= Math.Min(height - 1, y + r); dy++) m = Math.Max(m, rowMax[dy * width + x]);
                max[y * width + x] = m;
            }
        });
        var keypoints = new List<(float X, float Y, int Votes)>();
        for (int i = 0; i < votes.Length; i++)
            if (votes[i] >= minVotes && votes[i] == max[i]) keypoints.Add((i % width, i / width, votes[i]));
        var top = keypoints.OrderByDescending(k => k.Votes).Take(200).Select(k => (k.X, k.Y)).ToList();
        return (AssignNearest(xs, ys, top), top.Count);
    }

    private static int[] AssignNearest(float[] xs, float[] ys, List<(float X, float Y)> centres)
    {
        var cluster = new int[xs.Length];
        if (centres.Count == 0) return cluster;
        Parallel.For(0, xs.Length, i =>
        {
            int best = 0;
            float bestD = float.MaxValue;
            for (int k = 0; k < centres.Count; k++)
            {
                float dx = xs[i] - centres[k].X, dy = ys[i] - centres[k].Y, d = dx * dx + dy * dy;
                if (d < bestD) { bestD = d; best = k; }
            }
            cluster[i] = best + 1;
        });
        return cluster;
    }

    /// <summary>Points bucketed in square cells of one bandwidth, for radius queries touching 3×3 cells.</summary>
    private sealed class PointGrid
    {
        private readonly float[] xs, ys;
        private readonly float cell;
        private readonly Dictionary<(int, int), List<int>> cells = new();

        public PointGrid(float[] xs, float[] ys, float cell)
        {
            this.xs = xs;
            this.ys = ys;
            this.cell = cell;
            for (int i = 0; i < xs.Length; i++)
            {
                var key = ((int)MathF.Floor(xs[i] / cell), (int)MathF.Floor(ys[i] / cell));
                if (!cells.TryGetValue(key, out var list)) cells[key] = list = new List<int>();
                list.Add(i);
            }
        }

        public (float X, float Y, int Count) MeanWithin(float x, float y, float radius2)
        {
            int cx = (int)MathF.Floor(x / cell), cy = (int)MathF.Floor(y / cell), count = 0;
            double sx = 0, sy = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                {
                    if (!cells.TryGetValue((cx + dx, cy + dy), out var list)) continue;
                    foreach (int i in list)
                    {
                        float ex = xs[i] - x, ey = ys[i] - y;
                        if (ex * ex + ey * ey > radius2) continue;
                        sx += xs[i];
                        sy += ys[i];
                        count++;
                    }
                }
            return count == 0 ? (x, y, 0) : ((float)(sx / count), (float)(sy / count), count);
        }
    }
}
