using Ssn.MLNet.Data;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Visualization;

/// <summary>
/// Renders segmentation results as pictures: class maps in palette colours, blended over the camera image, with the
/// outline of every instance (paper §4: each instance is a set of pixels sharing a sampled centre), and several
/// panels side by side (e.g. prediction next to ground truth).
/// </summary>
public static class SegmentationOverlay
{
    /// <summary>The class map in palette colours (ignored pixels black).</summary>
    /// <param name="labels">Class index per pixel, row-major.</param>
    /// <param name="width">Map width.</param>
    /// <param name="height">Map height.</param>
    /// <param name="palette">Colours (default Cityscapes).</param>
    public static RgbImage Colorize(ReadOnlySpan<byte> labels, int width, int height, SegmentationPalette? palette = null)
    {
        CheckSize(labels.Length, width, height, nameof(labels));
        palette ??= SegmentationPalette.Cityscapes;
        var image = new RgbImage(width, height);
        var p = image.Pixels;
        for (int i = 0; i < labels.Length; i++)
            (p[3 * i], p[3 * i + 1], p[3 * i + 2]) = palette[labels[i]];
        return image;
    }

    /// <summary>
    /// Blends the class colours over <paramref name="image"/> (ignored pixels keep the image) and, when
    /// <paramref name="instanceIds"/> is given, draws the outline of each instance: a pixel of instance k with a
    /// 4-neighbour outside k.
    /// </summary>
    /// <param name="image">The camera image.</param>
    /// <param name="labels">Class index per pixel (same size as the image).</param>
    /// <param name="instanceIds">Instance id per pixel (0 = none; any other value is an instance), or empty for none.</param>
    /// <param name="options">Colours and blending (default <see cref="OverlayOptions"/>).</param>
    public static RgbImage Render(RgbImage image, ReadOnlySpan<byte> labels, ReadOnlySpan<int> instanceIds = default, OverlayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= new OverlayOptions();
        options.Validate();
        int w = image.Width, h = image.Height;
        CheckSize(labels.Length, w, h, nameof(labels));
        if (!instanceIds.IsEmpty) CheckSize(instanceIds.Length, w, h, nameof(instanceIds));
        var result = new RgbImage(w, h);
        byte[] src = image.Pixels, dst = result.Pixels;
        float a = options.Alpha, b = 1 - a;
        for (int i = 0; i < labels.Length; i++)
        {
            int k = 3 * i;
            if (labels[i] == options.IgnoreLabel)
            {
                dst[k] = src[k]; dst[k + 1] = src[k + 1]; dst[k + 2] = src[k + 2];
                continue;
            }
            var (r, g, bl) = options.Palette[labels[i]];
            dst[k] = (byte)MathF.Round(b * src[k] + a * r);
            dst[k + 1] = (byte)MathF.Round(b * src[k + 1] + a * g);
            dst[k + 2] = (byte)MathF.Round(b * src[k + 2] + a * bl);
        }
        if (options.DrawInstanceOutlines && !instanceIds.IsEmpty)
        {
            var (or, og, ob) = options.OutlineColor;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x, id = instanceIds[i];
                    if (id == 0) continue;
                    bool edge = (x > 0 && instanceIds[i - 1] != id) || (x < w - 1 && instanceIds[i + 1] != id)
                             || (y > 0 && instanceIds[i - w] != id) || (y < h - 1 && instanceIds[i + w] != id);
                    if (edge) (dst[3 * i], dst[3 * i + 1], dst[3 * i + 2]) = (or, og, ob);
                }
        }
        return result;
    }

    /// <summary>
    /// Turns a Cityscapes-encoded ground-truth instance map (<c>labelId * 1000 + k</c> on instances, the plain label id
    /// elsewhere) into an instance-id map for <see cref="Render"/>: the instance's code where ≥ 1000, else 0.
    /// </summary>
    /// <param name="cityscapesInstanceIds">The map as read from <c>*_gtFine_instanceIds.png</c>.</param>
    public static int[] GroundTruthInstances(ReadOnlySpan<int> cityscapesInstanceIds)
    {
        var ids = new int[cityscapesInstanceIds.Length];
        for (int i = 0; i < ids.Length; i++)
            ids[i] = cityscapesInstanceIds[i] >= CityscapesLabels.InstanceIdDivisor ? cityscapesInstanceIds[i] : 0;
        return ids;
    }

    /// <summary>Places images left to right, top-aligned, separated by <paramref name="gap"/> white pixels.</summary>
    /// <param name="panels">The images (at least one).</param>
    /// <param name="gap">Pixels between panels (default 4).</param>
    public static RgbImage SideBySide(IReadOnlyList<RgbImage> panels, int gap = 4)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0) throw new ArgumentException("At least one panel is needed.", nameof(panels));
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        int width = panels.Sum(p => p.Width) + gap * (panels.Count - 1), height = panels.Max(p => p.Height);
        var result = new RgbImage(width, height);
        Array.Fill(result.Pixels, (byte)255);
        int left = 0;
        foreach (var panel in panels)
        {
            for (int y = 0; y < panel.Height; y++)
                Array.Copy(panel.Pixels, y * panel.Width * 3, result.Pixels, (y * width + left) * 3, panel.Width * 3);
            left += panel.Width + gap;
        }
        return result;
    }

    /// <summary>Encodes an image as PNG bytes (for notebooks, HTML reports or streams).</summary>
    /// <param name="image">The image.</param>
    public static byte[] ToPng(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var stream = new MemoryStream();
        Imaging.PngCodec.WriteRgb(stream, image);
        return stream.ToArray();
    }

    private static void CheckSize(int length, int width, int height, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (length != (long)width * height)
            throw new ArgumentException($"'{name}' holds {length} values; a {width}×{height} map needs {(long)width * height}.", name);
    }
}
