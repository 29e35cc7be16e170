using Microsoft.ML.Data;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// An 8-bit RGB image, row-major and interleaved (<c>Pixels[(y * Width + x) * 3 + c]</c>, c = R, G, B), convertible to
/// the float CHW layout networks take and to ML.NET's <see cref="MLImage"/>.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps interleaved RGB bytes (not copied).</summary>
    /// <param name="width">Width in pixels (&gt; 0).</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    /// <param name="pixels">Interleaved RGB, <c>width * height * 3</c> bytes.</param>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != (long)width * height * 3)
            throw new ArgumentException($"RGB data has {pixels.Length} bytes; {width}×{height}×3 needs {(long)width * height * 3}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Creates a black image.</summary>
    /// <param name="width">Width in pixels (&gt; 0).</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    public RgbImage(int width, int height) : this(width, height, new byte[checked(width * height * 3)]) { }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved RGB bytes, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>
    /// Writes the image as planar float (C = 3, then H, then W) into <paramref name="destination"/>:
    /// <c>(value / 255 - mean[c]) / std[c]</c>. With no mean/std the values are just scaled to [0, 1].
    /// </summary>
    /// <param name="destination">At least <c>3 * Width * Height</c> floats.</param>
    /// <param name="mean">Per-channel mean (R, G, B) in [0, 1] units, or empty for 0.</param>
    /// <param name="std">Per-channel standard deviation, or empty for 1.</param>
    /// <param name="order">Order of the planes written (and of <paramref name="mean"/> and <paramref name="std"/>).</param>
    public void CopyToChw(Span<float> destination, ReadOnlySpan<float> mean = default, ReadOnlySpan<float> std = default, ChannelOrder order = ChannelOrder.Rgb) =>
        InterleavedToChw(Pixels, 3, order == ChannelOrder.Bgr ? 2 : 0, order == ChannelOrder.Bgr ? 0 : 2, Width, Height, destination, mean, std);

    /// <summary>
    /// As <see cref="CopyToChw(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ChannelOrder)"/> straight from an ML.NET image's
    /// BGRA32 or RGBA32 pixels (no intermediate RGB copy): the one conversion an image makes on its way to the network.
    /// </summary>
    /// <exception cref="NotSupportedException">The image has another pixel format.</exception>
    public static void CopyToChw(MLImage image, Span<float> destination, ReadOnlySpan<float> mean = default, ReadOnlySpan<float> std = default,
        ChannelOrder order = ChannelOrder.Rgb)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (r, b) = RedBlueOffsets(image);
        if (order == ChannelOrder.Bgr) (r, b) = (b, r);
        InterleavedToChw(image.Pixels, 4, r, b, image.Width, image.Height, destination, mean, std);
    }

    /// <summary>Planes 0, 1, 2 are read at byte offsets <paramref name="first"/>, 1 and <paramref name="last"/> of each pixel.</summary>
    private static void InterleavedToChw(ReadOnlySpan<byte> pixels, int bytesPerPixel, int first, int last, int width, int height,
        Span<float> destination, ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        int plane = width * height;
        if (destination.Length < 3 * plane)
            throw new ArgumentException($"Destination holds {destination.Length} floats; 3×{height}×{width} needs {3 * plane}.", nameof(destination));
        if (!mean.IsEmpty && mean.Length != 3) throw new ArgumentException("mean needs 3 values (R, G, B).", nameof(mean));
        if (!std.IsEmpty && std.Length != 3) throw new ArgumentException("std needs 3 values (R, G, B).", nameof(std));
        for (int c = 0; c < 3; c++)
        {
            float scale = 1f / (255f * (std.IsEmpty ? 1f : std[c]));
            float shift = (mean.IsEmpty ? 0f : mean[c]) / (std.IsEmpty ? 1f : std[c]);
            Span<float> dst = destination.Slice(c * plane, plane);
            for (int i = 0, j = c switch { 0 => first, 1 => 1, _ => last }; i < plane; i++, j += bytesPerPixel) dst[i] = pixels[j] * scale - shift;
        }
    }

    /// <summary>Byte offsets of red and blue within a pixel of <paramref name="image"/> (BGRA32 or RGBA32).</summary>
    private static (int Red, int Blue) RedBlueOffsets(MLImage image) => image.PixelFormat switch
    {
        MLPixelFormat.Bgra32 => (2, 0),
        MLPixelFormat.Rgba32 => (0, 2),
        _ => throw new NotSupportedException($"MLImage pixel format {image.PixelFormat} is not supported (BGRA32 or RGBA32 expected)."),
    };

    /// <summary>Returns the image as a new planar float array (3 × H × W), see <see cref="CopyToChw(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ChannelOrder)"/>.</summary>
    /// <param name="mean">Per-channel mean (R, G, B) in [0, 1] units, or <c>null</c> for 0.</param>
    /// <param name="std">Per-channel standard deviation, or <c>null</c> for 1.</param>
    public float[] ToChw(float[]? mean = null, float[]? std = null)
    {
        var chw = new float[3 * Width * Height];
        CopyToChw(chw, mean, std);
        return chw;
    }

    /// <summary>Creates an ML.NET image (BGRA32, opaque) with the same pixels. The caller owns (disposes) it.</summary>
    public MLImage ToMLImage()
    {
        int n = Width * Height;
        var bgra = new byte[n * 4];
        for (int i = 0; i < n; i++)
        {
            bgra[4 * i] = Pixels[3 * i + 2];
            bgra[4 * i + 1] = Pixels[3 * i + 1];
            bgra[4 * i + 2] = Pixels[3 * i];
            bgra[4 * i + 3] = 255;
        }
        return MLImage.CreateFromPixels(Width, Height, MLPixelFormat.Bgra32, bgra);
    }

    /// <summary>Copies the pixels of an ML.NET image (BGRA32 or RGBA32; alpha is dropped).</summary>
    /// <param name="image">The source image.</param>
    /// <exception cref="NotSupportedException">The image has another pixel format.</exception>
    public static RgbImage FromMLImage(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (r, b) = RedBlueOffsets(image);
        ReadOnlySpan<byte> src = image.Pixels;
        int n = image.Width * image.Height;
        var rgb = new byte[n * 3];
        for (int i = 0; i < n; i++)
        {
            rgb[3 * i] = src[4 * i + r];
            rgb[3 * i + 1] = src[4 * i + 1];
            rgb[3 * i + 2] = src[4 * i + b];
        }
        return new RgbImage(image.Width, image.Height, rgb);
    }
}
