using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Ssn.MLNet.Instances;

namespace Ssn.MLNet.Inference;

/// <summary>
/// The full-resolution end of inference in one fused pass (paper §3.1 and §4 at test time): for every output
/// pixel it builds iGUM's guided sampling point (regular grid + bilinearly upsampled guidance offsets), samples
/// the stride-8 class logits bilinearly, takes the argmax and the softmax probability of the winner, and samples
/// the instance centres nearest — without ever materialising the <c>C × H × W</c> upsampled logits, whose
/// <c>grid_sample</c> + <c>softmax</c> + <c>max</c> cost as much as the encoder when done tensor by tensor.
/// </summary>
/// <remarks>
/// Same arithmetic as <c>interpolate(bilinear, align_corners = false)</c> followed by <c>grid_sample</c>
/// (border padding, align_corners = false) and <c>softmax</c>/<c>max</c>, up to float rounding order: sampled
/// logits agree to ~1e-6 relative, so a label can differ only where the two best classes are that close.
/// Rows run in parallel.
/// </remarks>
public static class GuidedClassMap
{
    /// <summary>The dense maps of one image from the network's stride-8 outputs (any backend's).</summary>
    /// <param name="logits">Stride-8 logits <c>[C, h, w]</c>.</param>
    /// <param name="guidance">iGUM guidance offsets <c>[2, h, w]</c> (tanh applied).</param>
    /// <param name="centres">Instance centres <c>[2, h, w]</c>, or empty.</param>
    /// <param name="classes">C.</param>
    /// <param name="lowHeight">h.</param>
    /// <param name="lowWidth">w.</param>
    /// <param name="paddedHeight">Height of the full-resolution grid (h × 8).</param>
    /// <param name="paddedWidth">Width of the full-resolution grid.</param>
    /// <param name="height">Output height (≤ padded; the top-left crop).</param>
    /// <param name="width">Output width.</param>
    /// <param name="offsetScale">iGUM offset unit in low-resolution pixels.</param>
    /// <param name="includeScores">Also return the per-class probabilities <c>[C, H, W]</c>.</param>
    public static DenseMaps Compute(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> guidance, ReadOnlySpan<float> centres,
        int classes, int lowHeight, int lowWidth, int paddedHeight, int paddedWidth, int height, int width,
        double offsetScale, bool includeScores)
    {
        if (classes > 255) throw new ArgumentOutOfRangeException(nameof(classes), classes, "Labels are bytes: at most 255 classes.");
        int h = lowHeight, w = lowWidth, plane = h * w;
        int lanes = Vector256<float>.Count, cp = (classes + lanes - 1) / lanes * lanes;
        // Channels-last, padded to whole vectors with a very negative logit (weight · pad stays far below any real logit).
        var table = new float[plane * cp];
        Array.Fill(table, -1e30f);
        for (int c = 0; c < classes; c++)
        {
            var src = logits.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) table[i * cp + c] = src[i];
        }
        var gx = guidance.Slice(0, plane).ToArray();
        var gy = guidance.Slice(plane, plane).ToArray();
        var cxLow = centres.IsEmpty ? null : centres.Slice(0, plane).ToArray();
        var cyLow = centres.IsEmpty ? null : centres.Slice(plane, plane).ToArray();

        int n = height * width;
        var labels = new byte[n];
        var confidence = new float[n];
        var cx = cxLow is null ? null : new float[n];
        var cy = cxLow is null ? null : new float[n];
        var scores = includeScores ? new float[(long)classes * n] : null;

        // interpolate(align_corners = false): src = (dst + 0.5)·(in/out) − 0.5, clamped at 0.
        float scaleY = (float)h / paddedHeight, scaleX = (float)w / paddedWidth;
        var x0s = new int[width]; var x1s = new int[width]; var lxs = new float[width]; var regularX = new float[width];
        for (int x = 0; x < width; x++)
        {
            float s = Math.Max((x + 0.5f) * scaleX - 0.5f, 0f);
            int x0 = (int)s;
            x0s[x] = x0; x1s[x] = Math.Min(x0 + 1, w - 1); lxs[x] = s - x0;
            regularX[x] = (x * 2 + 1f) / paddedWidth - 1;
        }
        float unitX = (float)(2 * offsetScale / w), unitY = (float)(2 * offsetScale / h);

        Parallel.For(0, height, y =>
        {
            float s = Math.Max((y + 0.5f) * scaleY - 0.5f, 0f);
            int y0 = (int)s, y1 = Math.Min(y0 + 1, h - 1);
            float ly = s - y0, regularY = (y * 2 + 1f) / paddedHeight - 1;
            Span<float> probabilities = stackalloc float[cp];
            for (int x = 0; x < width; x++)
            {
                int a = y0 * w + x0s[x], b = y0 * w + x1s[x], c = y1 * w + x0s[x], d = y1 * w + x1s[x];
                float lx = lxs[x];
                float ox = (1 - ly) * ((1 - lx) * gx[a] + lx * gx[b]) + ly * ((1 - lx) * gx[c] + lx * gx[d]);
                float oy = (1 - ly) * ((1 - lx) * gy[a] + lx * gy[b]) + ly * ((1 - lx) * gy[c] + lx * gy[d]);
                float px = regularX[x] + ox * unitX, py = regularY + oy * unitY;
                // grid_sample, align_corners = false, border: unnormalise then clip to [0, size − 1].
                float ix = Math.Clamp(((px + 1) * w - 1) / 2, 0, w - 1);
                float iy = Math.Clamp(((py + 1) * h - 1) / 2, 0, h - 1);
                int i = y * width + x;
                if (cx is not null)
                {
                    int k = (int)MathF.Round(iy, MidpointRounding.ToEven) * w + (int)MathF.Round(ix, MidpointRounding.ToEven);
                    cx[i] = cxLow![k];
                    cy![i] = cyLow![k];
                }
                int sx = (int)MathF.Floor(ix), sy = (int)MathF.Floor(iy);
                float ex = ix - sx, ey = iy - sy;
                float wNw = (1 - ex) * (1 - ey), wNe = ex * (1 - ey), wSw = (1 - ex) * ey, wSe = ex * ey;
                bool east = sx + 1 < w, south = sy + 1 < h;
                int nw = (sy * w + sx) * cp;
                float max = float.NegativeInfinity;
                int label = 0;
                for (int v = 0; v < cp; v += lanes)
                {
                    var acc = Vector256.Create(wNw) * Vector256.LoadUnsafe(ref table[nw + v]);
                    if (east) acc += Vector256.Create(wNe) * Vector256.LoadUnsafe(ref table[nw + cp + v]);
                    if (south) acc += Vector256.Create(wSw) * Vector256.LoadUnsafe(ref table[nw + w * cp + v]);
                    if (east && south) acc += Vector256.Create(wSe) * Vector256.LoadUnsafe(ref table[nw + (w + 1) * cp + v]);
                    acc.StoreUnsafe(ref probabilities[v]);
                    float m = HorizontalMax(acc);
                    if (m > max)
                    {
                        max = m;
                        label = v + BitOperations.TrailingZeroCount(Vector256.Equals(acc, Vector256.Create(m)).ExtractMostSignificantBits());
                    }
                }
                var sum = Vector256<float>.Zero;
                var top = Vector256.Create(max);
                for (int v = 0; v < cp; v += lanes)
                {
                    var e = ExpNonPositive(Vector256.LoadUnsafe(ref probabilities[v]) - top);
                    sum += e;
                    if (scores is not null) e.StoreUnsafe(ref probabilities[v]);
                }
                float total = Vector256.Sum(sum);
                labels[i] = (byte)label;
                confidence[i] = 1 / total;
                if (scores is not null)
                    for (int k = 0; k < classes; k++) scores[(long)k * n + i] = probabilities[k] / total;
            }
        });
        return new DenseMaps(labels, confidence, cx, cy, scores);
    }

    /// <summary>
    /// e^x for x ≤ 0 (softmax terms once the maximum is subtracted), within 2.3e-7 relative: x = n·ln 2 + r with |r| ≤ ln 2 / 2,
    /// e^r by its degree-6 Taylor polynomial (remainder below 1.2e-7 relative), 2^n written into the exponent bits.
    /// Inputs below −87 (the −1e30 padding lanes) give e^−87 ≈ 1.6e-38, which leaves every sum unchanged in float.
    /// Against <c>Vector256.Exp</c> the whole pass is 1.2–1.3× faster, and 3–4× faster in a process's first calls,
    /// where that method is slow, presumably until tiered compilation optimises it (docs/results/classmap-exp-2026-12-07.json).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(-87f));
        var n = Vector256.Round(x * Vector256.Create(1.44269504f));
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-0.693145752f), x); // ln 2 split high/low (Cody–Waite)
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-1.42860677e-6f), r);
        var p = Vector256.Create(1f / 720);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 120));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 24));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 6));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(0.5f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        var twoToN = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return p * twoToN;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }
}

/// <summary>Full-resolution maps of one image, row-major.</summary>
/// <param name="Labels">Predicted train id per pixel.</param>
/// <param name="Confidence">Softmax probability of the predicted class.</param>
/// <param name="CentreX">Instance centre x (normalised) per pixel, nearest-sampled; null when no centres were given.</param>
/// <param name="CentreY">Instance centre y (normalised) per pixel; null when no centres were given.</param>
/// <param name="Scores">Per-class probabilities <c>[C, H, W]</c> when requested, else null.</param>
public sealed record DenseMaps(byte[] Labels, float[] Confidence, float[]? CentreX, float[]? CentreY, float[]? Scores)
{
    /// <summary>
    /// The predictions of a batch of <paramref name="width"/>×<paramref name="height"/> images: instances extracted by
    /// thresholding (paper §4) where centres were predicted, none otherwise. The one place both engines finish in.
    /// </summary>
    public static SsnPrediction[] ToPredictions(DenseMaps[] maps, int width, int height, InstanceExtractionOptions extraction)
    {
        var results = new SsnPrediction[maps.Length];
        Parallel.For(0, maps.Length, i =>
        {
            var m = maps[i];
            var instances = m.CentreX is null || m.CentreY is null
                ? new InstanceExtractionResult(new int[width * height], Array.Empty<SegmentedInstance>())
                : InstanceExtractor.Extract(m.CentreX, m.CentreY, m.Labels, m.Confidence, width, height, extraction);
            results[i] = new SsnPrediction(width, height, m.Labels, m.Confidence, instances, m.Scores);
        });
        return results;
    }
}
