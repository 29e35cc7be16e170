using System.Runtime.InteropServices;
using SkiaSharp;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Tests.Imaging;

/// <summary>
/// Image files for tests, made and checked independently of the library's own read path: JPEGs encoded by SkiaSharp,
/// and PNG samples read by <see cref="PngCodec.ReadSamples"/> (inflate + unfilter), a second decoder beside SkiaSharp,
/// which the library decodes with.
/// </summary>
internal static class TestImageFiles
{
    /// <summary>Encodes <paramref name="image"/> as a JPEG of <paramref name="quality"/> with SkiaSharp.</summary>
    public static void WriteJpeg(string path, RgbImage image, int quality = 95) => Encode(path, image.Width, image.Height, SKColorType.Rgba8888,
        Enumerable.Range(0, image.Width * image.Height).SelectMany(i => new[] { image.Pixels[3 * i], image.Pixels[3 * i + 1], image.Pixels[3 * i + 2], (byte)255 }).ToArray(),
        SKEncodedImageFormat.Jpeg, quality);

    /// <summary>Encodes <paramref name="image"/> as a PNG with SkiaSharp (another encoder than the library's).</summary>
    public static void WritePngWithSkia(string path, RgbImage image) => Encode(path, image.Width, image.Height, SKColorType.Rgba8888,
        Enumerable.Range(0, image.Width * image.Height).SelectMany(i => new[] { image.Pixels[3 * i], image.Pixels[3 * i + 1], image.Pixels[3 * i + 2], (byte)255 }).ToArray(),
        SKEncodedImageFormat.Png);

    /// <summary>Encodes 8-bit gray values as a grayscale PNG with SkiaSharp.</summary>
    public static void WriteGray8PngWithSkia(string path, Raster<byte> values) =>
        Encode(path, values.Width, values.Height, SKColorType.Gray8, values.Data, SKEncodedImageFormat.Png);

    private static void Encode(string path, int width, int height, SKColorType type, byte[] pixels, SKEncodedImageFormat format, int quality = 100)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Opaque));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(format, quality);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>A solid-colour image.</summary>
    public static RgbImage Solid(int width, int height, byte r, byte g, byte b)
    {
        var image = new RgbImage(width, height);
        for (int i = 0; i < width * height; i++) (image.Pixels[3 * i], image.Pixels[3 * i + 1], image.Pixels[3 * i + 2]) = (r, g, b);
        return image;
    }

    /// <summary>The raw samples of a non-interlaced 8- or 16-bit PNG, and its header, by the second decoder.</summary>
    public static (PngInfo Info, byte[] Samples) ReadPngSamples(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var info = PngInfo.Parse(bytes, path);
        return (info, PngCodec.ReadSamples(bytes, info, path));
    }
}
