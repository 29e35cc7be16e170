namespace Ssn.MLNet.Data.Augmentation;

/// <summary>
/// Label-consistent geometric and photometric transforms of a <see cref="SegmentationSample"/>: geometry moves the
/// image (bilinear), the label map and the instance map (nearest neighbour) with the same pixel mapping; colour
/// changes touch only the image. All return new samples.
/// </summary>
public static class SegmentationTransforms
{
    /// <summary>Mirrors the sample left–right.</summary>
    /// <param name="s">The sample.</param>
    public static SegmentationSample FlipHorizontal(SegmentationSample s)
    {
        ArgumentNullException.ThrowIfNull(s);
        int w = s.Width, h = s.Height, n = w * h;
        var image = new float[3 * n];
        var label = new byte[n];
        int[]? inst = s.Instances is null ? null : new int[n];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int src = y * w + x, dst = y * w + (w - 1 - x);
                label[dst] = s.Label[src];
                if (inst is not null) inst[dst] = s.Instances![src];
                for (int c = 0; c < 3; c++) image[c * n + dst] = s.Image[c * n + src];
            }
        return new SegmentationSample(w, h, image, label, inst);
    }

    /// <summary>
    /// Scales the sample by <paramref name="scale"/> and cuts the window of <paramref name="cropWidth"/> ×
    /// <paramref name="cropHeight"/> whose top-left corner is at (<paramref name="offsetX"/>, <paramref name="offsetY"/>)
    /// in the scaled image. Parts of the window outside the scaled image are padded: image 0, label 255 (ignore),
    /// instances 0 (the Cityscapes "unlabeled" id).
    /// </summary>
    /// <param name="s">The sample.</param>
    /// <param name="scale">Scale factor (&gt; 0); the scaled size is the input size times it, rounded.</param>
    /// <param name="offsetX">Left edge of the window in the scaled image (may be negative).</param>
    /// <param name="offsetY">Top edge of the window in the scaled image (may be negative).</param>
    /// <param name="cropWidth">Window width.</param>
    /// <param name="cropHeight">Window height.</param>
    public static SegmentationSample ScaleAndCrop(SegmentationSample s, float scale, int offsetX, int offsetY, int cropWidth, int cropHeight)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "Scale must be > 0.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cropWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cropHeight);
        (int sw, int sh) = ScaledSize(s, scale);
        float fx = (float)s.Width / sw, fy = (float)s.Height / sh;
        int n = cropWidth * cropHeight, srcN = s.Width * s.Height;
        var image = new float[3 * n];
        var label = new byte[n];
        Array.Fill(label, SegmentationDataSource.IgnoreLabel);
        int[]? inst = s.Instances is null ? null : new int[n];
        for (int y = 0; y < cropHeight; y++)
        {
            int ys = y + offsetY;
            if (ys < 0 || ys >= sh) continue;
            // Pixel-centre mapping (half-pixel offsets), the same for image and labels.
            float v = Math.Clamp((ys + 0.5f) * fy - 0.5f, 0f, s.Height - 1);
            int y0 = (int)v, y1 = Math.Min(y0 + 1, s.Height - 1), yn = Math.Min((int)((ys + 0.5f) * fy), s.Height - 1);
            float ty = v - y0;
            for (int x = 0; x < cropWidth; x++)
            {
                int xs = x + offsetX;
                if (xs < 0 || xs >= sw) continue;
                float u = Math.Clamp((xs + 0.5f) * fx - 0.5f, 0f, s.Width - 1);
                int x0 = (int)u, x1 = Math.Min(x0 + 1, s.Width - 1), xn = Math.Min((int)((xs + 0.5f) * fx), s.Width - 1);
                float tx = u - x0;
                int dst = y * cropWidth + x, nearest = yn * s.Width + xn;
                label[dst] = s.Label[nearest];
                if (inst is not null) inst[dst] = s.Instances![nearest];
                for (int c = 0; c < 3; c++)
                {
                    int o = c * srcN;
                    float top = s.Image[o + y0 * s.Width + x0] * (1 - tx) + s.Image[o + y0 * s.Width + x1] * tx;
                    float bottom = s.Image[o + y1 * s.Width + x0] * (1 - tx) + s.Image[o + y1 * s.Width + x1] * tx;
                    image[c * n + dst] = top * (1 - ty) + bottom * ty;
                }
            }
        }
        return new SegmentationSample(cropWidth, cropHeight, image, label, inst);
    }

    /// <summary>
    /// Multiplies brightness, scales contrast around the image mean and saturation around each pixel's grey value,
    /// then clamps to [0, 1]. Labels and instances are shared, not copied.
    /// </summary>
    /// <param name="s">The sample (image values in [0, 1]).</param>
    /// <param name="brightness">Brightness factor (1 = unchanged).</param>
    /// <param name="contrast">Contrast factor (1 = unchanged).</param>
    /// <param name="saturation">Saturation factor (1 = unchanged).</param>
    public static SegmentationSample AdjustColor(SegmentationSample s, float brightness, float contrast, float saturation)
    {
        ArgumentNullException.ThrowIfNull(s);
        int n = s.Width * s.Height;
        var image = new float[3 * n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Grey(s.Image, n, i);
        float mean = (float)(sum / n) * brightness;
        for (int i = 0; i < n; i++)
        {
            float grey = Grey(s.Image, n, i) * brightness;
            for (int c = 0; c < 3; c++)
            {
                float v = s.Image[c * n + i] * brightness;
                v = grey + (v - grey) * saturation;
                v = mean + (v - mean) * contrast;
                image[c * n + i] = Math.Clamp(v, 0f, 1f);
            }
        }
        return new SegmentationSample(s.Width, s.Height, image, s.Label, s.Instances);
    }

    /// <summary>The size of the sample after scaling by <paramref name="scale"/> (at least 1 × 1).</summary>
    internal static (int Width, int Height) ScaledSize(SegmentationSample s, float scale) =>
        (Math.Max(1, (int)MathF.Round(s.Width * scale)), Math.Max(1, (int)MathF.Round(s.Height * scale)));

    private static float Grey(float[] img, int n, int i) => 0.299f * img[i] + 0.587f * img[n + i] + 0.114f * img[2 * n + i];
}
