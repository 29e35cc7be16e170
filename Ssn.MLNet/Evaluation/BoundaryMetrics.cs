namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Boundary-restricted semantic metrics: IoU counted only on the pixels that lie within a few pixels of a
/// ground-truth class boundary (a "trimap" band). Upsampling decoders differ mostly there — iGUM's claim (paper §3.1)
/// is sharper boundaries than bilinear upsampling at the same cost — while the interior of large regions is easy for
/// every decoder, so the band isolates what the decoders change.
/// </summary>
/// <remarks>
/// A labelled pixel p is in the band of radius r when a labelled pixel of another class lies within Chebyshev distance
/// r of it (a (2r+1)² window clipped to the image). Ignored pixels are never in the band and never make a boundary:
/// the edge of a void region is not a class boundary. Equivalently, p is in the band when the smallest and largest
/// labelled class in its window differ; both are computed with separable running min/max filters, O(pixels · r).
/// </remarks>
public static class BoundaryMetrics
{
    /// <summary>The band radius used by the ablation tables: 3 pixels.</summary>
    public const int DefaultRadius = 3;

    /// <summary>The band of radius <paramref name="radius"/> around the class boundaries of <paramref name="groundTruth"/>.</summary>
    /// <param name="groundTruth">Ground-truth class per pixel, row-major, <paramref name="width"/> × <paramref name="height"/>.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="radius">Band radius in pixels (≥ 1): pixels with a labelled pixel of another class within this Chebyshev distance.</param>
    /// <param name="ignoreLabel">Ground-truth value of ignored pixels (default 255).</param>
    /// <returns>One flag per pixel: true in the band.</returns>
    public static bool[] Band(ReadOnlySpan<byte> groundTruth, int width, int height, int radius = DefaultRadius, byte ignoreLabel = 255)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"The image size must be positive (got {width}×{height}).");
        if (groundTruth.Length != width * height)
            throw new ArgumentException($"The ground truth has {groundTruth.Length} pixels, not {width}×{height}.", nameof(groundTruth));
        if (radius < 1) throw new ArgumentOutOfRangeException(nameof(radius), radius, "The band radius must be at least 1 pixel.");
        int n = width * height;
        // Ignored pixels are neutral: +inf for the min filter, −inf for the max filter.
        var lo = new short[n];
        var hi = new short[n];
        for (int i = 0; i < n; i++)
        {
            byte g = groundTruth[i];
            lo[i] = g == ignoreLabel ? short.MaxValue : g;
            hi[i] = g == ignoreLabel ? short.MinValue : g;
        }
        var tmpLo = new short[n];
        var tmpHi = new short[n];
        // Rows.
        for (int y = 0; y < height; y++)
        {
            int row = y * width;
            for (int x = 0; x < width; x++)
            {
                short mn = short.MaxValue, mx = short.MinValue;
                for (int k = Math.Max(0, x - radius), end = Math.Min(width - 1, x + radius); k <= end; k++)
                {
                    if (lo[row + k] < mn) mn = lo[row + k];
                    if (hi[row + k] > mx) mx = hi[row + k];
                }
                tmpLo[row + x] = mn;
                tmpHi[row + x] = mx;
            }
        }
        // Columns, then the test.
        var band = new bool[n];
        for (int y = 0; y < height; y++)
        {
            int y0 = Math.Max(0, y - radius), y1 = Math.Min(height - 1, y + radius);
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                if (groundTruth[i] == ignoreLabel) continue;
                short mn = short.MaxValue, mx = short.MinValue;
                for (int k = y0; k <= y1; k++)
                {
                    int j = k * width + x;
                    if (tmpLo[j] < mn) mn = tmpLo[j];
                    if (tmpHi[j] > mx) mx = tmpHi[j];
                }
                band[i] = mn < mx;
            }
        }
        return band;
    }
}

/// <summary>
/// Accumulates <see cref="SegmentationMetrics"/> over the boundary band of each image (<see cref="BoundaryMetrics.Band"/>):
/// the confusion matrix counts only band pixels, so <see cref="SegmentationMetrics.MeanIoU"/> of the result is the
/// boundary mIoU. Not thread-safe.
/// </summary>
public sealed class BoundaryMetricsAccumulator
{
    private readonly SegmentationMetricsAccumulator inner;
    private readonly byte ignore;

    /// <summary>Creates an accumulator for <paramref name="numberOfClasses"/> classes and band radius <paramref name="radius"/>.</summary>
    /// <param name="numberOfClasses">Number of classes C (1–255).</param>
    /// <param name="classNames">Class names indexed by class (optional).</param>
    /// <param name="radius">Band radius in pixels (default <see cref="BoundaryMetrics.DefaultRadius"/>).</param>
    /// <param name="ignoreLabel">Ground-truth value of ignored pixels (default 255; must not be a class).</param>
    public BoundaryMetricsAccumulator(int numberOfClasses, IReadOnlyList<string>? classNames = null, int radius = BoundaryMetrics.DefaultRadius, byte ignoreLabel = 255)
    {
        if (radius < 1) throw new ArgumentOutOfRangeException(nameof(radius), radius, "The band radius must be at least 1 pixel.");
        inner = new SegmentationMetricsAccumulator(numberOfClasses, classNames, new SegmentationMetricsOptions { IgnoreLabel = ignoreLabel });
        ignore = ignoreLabel;
        Radius = radius;
    }

    /// <summary>The band radius in pixels.</summary>
    public int Radius { get; }

    /// <summary>Band pixels counted so far (over all images).</summary>
    public long BandPixels { get; private set; }

    /// <summary>Images added so far.</summary>
    public int ImageCount => inner.ImageCount;

    /// <summary>Adds one image: only its band pixels are counted.</summary>
    /// <param name="groundTruth">Ground-truth class per pixel, row-major.</param>
    /// <param name="prediction">Predicted class per pixel, same length.</param>
    /// <param name="width">Image width (the height is the length divided by it).</param>
    public void Add(ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> prediction, int width)
    {
        if (width <= 0 || groundTruth.Length % width != 0)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"The width must divide the {groundTruth.Length} ground-truth pixels.");
        if (prediction.Length != groundTruth.Length)
            throw new ArgumentException($"The prediction has {prediction.Length} pixels but the ground truth has {groundTruth.Length}.", nameof(prediction));
        var band = BoundaryMetrics.Band(groundTruth, width, groundTruth.Length / width, Radius, ignore);
        var masked = new byte[groundTruth.Length];
        long count = 0;
        for (int i = 0; i < masked.Length; i++)
        {
            if (band[i]) { masked[i] = groundTruth[i]; count++; }
            else masked[i] = ignore;
        }
        inner.Add(masked, prediction);
        BandPixels += count;
    }

    /// <summary>The metrics over the band pixels added so far (mean IoU = boundary mIoU).</summary>
    public SegmentationMetrics GetMetrics() => inner.GetMetrics();
}
