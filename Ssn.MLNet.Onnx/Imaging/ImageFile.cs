using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// Reads and writes colour images (PNG, JPEG and the other formats SixLabors.ImageSharp 2.1 decodes). Corrupt or
/// truncated files raise <see cref="InvalidDataException"/> naming the file; writes are atomic (temporary file +
/// rename).
/// </summary>
public static class ImageFile
{
    /// <summary>Reads an image file as 8-bit RGB (grayscale and palette images are expanded, alpha is dropped).</summary>
    /// <param name="path">The image file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image, or is truncated.</exception>
    public static RgbImage ReadRgb(string path) => DecodeRgb(ReadAllBytes(path), path);

    /// <summary>
    /// Decodes an encoded image held in memory (for example an HTTP request's body) as 8-bit RGB, with the checks of
    /// <see cref="ReadRgb"/>: structure, then size from the header before any pixel is decoded.
    /// </summary>
    /// <param name="bytes">The encoded image (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP …).</param>
    /// <param name="name">How messages name the image: its file name, or for example <c>request body</c>.</param>
    /// <param name="maxPixels">Largest width × height accepted; default <see cref="ImageLimits.MaxPixels"/>.</param>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image, are truncated, or the header claims
    /// more than <paramref name="maxPixels"/> pixels (see <see cref="ReadSize(byte[], string)"/> to tell these apart).</exception>
    public static RgbImage DecodeRgb(byte[] bytes, string name, long? maxPixels = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw new InvalidDataException($"Image '{name}' is empty (0 bytes).");
        if (PngInfo.HasSignature(bytes)) PngInfo.Parse(bytes, name, maxPixels);
        else if (JpegStructure.HasSignature(bytes)) JpegStructure.Validate(bytes, name);
        using Image<Rgb24> image = Decode<Rgb24>(bytes, name, maxPixels);
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return new RgbImage(image.Width, image.Height, pixels);
    }

    /// <summary>Reads only the size of an image from its header (no pixel decoding).</summary>
    /// <param name="path">The image file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header is not that of a known image format.</exception>
    public static (int Width, int Height) ReadSize(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        IImageInfo? info;
        try { info = Image.Identify(path); }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException)
        {
            throw new InvalidDataException($"Cannot read the image header of '{path}': {e.Message}", e);
        }
        return info is null
            ? throw new InvalidDataException($"'{path}' is not an image in a known format.")
            : (info.Width, info.Height);
    }

    /// <summary>Reads only the size of an encoded image held in memory from its header (no pixel decoding).</summary>
    /// <param name="bytes">The encoded image.</param>
    /// <param name="name">How messages name the image.</param>
    /// <exception cref="InvalidDataException">The header is not that of a known image format.</exception>
    public static (int Width, int Height) ReadSize(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (PngInfo.HasSignature(bytes))
        {
            var png = PngInfo.Parse(bytes, name, maxPixels: long.MaxValue); // our own chunk walk: also names truncation
            return (png.Width, png.Height);
        }
        IImageInfo? info;
        try { info = Image.Identify(bytes); }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidOperationException
                                      or ArgumentException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new InvalidDataException($"Cannot read the image header of '{name}': {e.Message}", e);
        }
        return info is null
            ? throw new InvalidDataException($"'{name}' is not an image in a known format.")
            : (info.Width, info.Height);
    }

    /// <summary>Writes an RGB image as a PNG (atomically).</summary>
    /// <param name="path">Target file; its directory is created.</param>
    /// <param name="image">The image.</param>
    public static void WriteRgbPng(string path, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        var encoder = new PngEncoder
        {
            ColorType = PngColorType.Rgb,
            BitDepth = PngBitDepth.Bit8,
            CompressionLevel = PngCompressionLevel.BestSpeed,
        };
        AtomicFile.Write(path, s => img.Save(s, encoder));
    }

    /// <summary>Reads a whole file, turning a missing file into an exception that names it.</summary>
    internal static byte[] ReadAllBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try { return File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new FileNotFoundException($"File '{path}' does not exist.", path, e); }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException($"File '{path}' does not exist.", path, e); }
    }

    /// <summary>Decodes with ImageSharp, turning its format errors into <see cref="InvalidDataException"/> naming the file;
    /// an image over <see cref="ImageLimits.MaxPixels"/> is refused from its header, before decoding.</summary>
    internal static Image<TPixel> Decode<TPixel>(byte[] bytes, string path, long? maxPixels = null) where TPixel : unmanaged, IPixel<TPixel>
    {
        try
        {
            if (Image.Identify(bytes) is { } info) ImageLimits.Check(info.Width, info.Height, $"Image '{path}'", maxPixels);
            return Image.Load<TPixel>(bytes);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidOperationException
                                      or ArgumentException or IndexOutOfRangeException or EndOfStreamException)
        {
            throw new InvalidDataException($"Cannot decode image '{path}': {e.Message}", e);
        }
    }
}
