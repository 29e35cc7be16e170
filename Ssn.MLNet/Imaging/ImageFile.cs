using System.Runtime.InteropServices;
using SkiaSharp;

namespace Ssn.MLNet.Imaging;

/// <summary>
/// Reads and writes colour images. Decoding is SkiaSharp's (PNG, JPEG, BMP, GIF, WebP …: the decoder ML.NET's
/// <c>MLImage</c> already brings into every application), after our own structure checks of PNG and JPEG files and a size
/// check from the header; corrupt or truncated files raise <see cref="InvalidDataException"/> naming the file. PNGs are
/// written by <see cref="PngCodec"/>; writes are atomic (temporary file + rename).
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
        var (width, height, rgba) = Decode(bytes, name, SKColorType.Rgba8888, maxPixels);
        var pixels = new byte[width * height * 3];
        for (int i = 0, j = 0; j < pixels.Length; i += 4, j += 3)
        {
            pixels[j] = rgba[i];
            pixels[j + 1] = rgba[i + 1];
            pixels[j + 2] = rgba[i + 2];
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Reads only the size of an image from its header (no pixel decoding).</summary>
    /// <param name="path">The image file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header is not that of a known image format.</exception>
    public static (int Width, int Height) ReadSize(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        var header = new byte[Math.Min(stream.Length, 64 * 1024)];
        stream.ReadExactly(header);
        if (PngInfo.HasSignature(header)) return ReadSize(File.ReadAllBytes(path), path); // the chunk walk needs the whole file
        using var codec = SKCodec.Create(new MemoryStream(header));
        return codec is null
            ? throw new InvalidDataException($"'{path}' is not an image in a known format.")
            : (codec.Info.Width, codec.Info.Height);
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
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        return codec is null
            ? throw new InvalidDataException($"'{name}' is not an image in a known format.")
            : (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>Writes an RGB image as a PNG (atomically).</summary>
    /// <param name="path">Target file; its directory is created.</param>
    /// <param name="image">The image.</param>
    public static void WriteRgbPng(string path, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        AtomicFile.Write(path, s => PngCodec.WriteRgb(s, image));
    }

    /// <summary>Reads a whole file, turning a missing file into an exception that names it.</summary>
    internal static byte[] ReadAllBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try { return File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new FileNotFoundException($"File '{path}' does not exist.", path, e); }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException($"File '{path}' does not exist.", path, e); }
    }

    /// <summary>
    /// Decodes with SkiaSharp into <paramref name="colorType"/> pixels (RGBA8888 unpremultiplied, or Gray8), refusing an
    /// image over <see cref="ImageLimits.MaxPixels"/> from its header, before decoding; an undecodable or truncated image
    /// raises <see cref="InvalidDataException"/> naming <paramref name="path"/>.
    /// </summary>
    internal static (int Width, int Height, byte[] Pixels) Decode(byte[] bytes, string path, SKColorType colorType, long? maxPixels = null)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
                          ?? throw new InvalidDataException($"Cannot decode image '{path}': not an image in a format SkiaSharp reads (PNG, JPEG, BMP, GIF, WebP …).");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        ImageLimits.Check(width, height, $"Image '{path}'", maxPixels);
        var info = new SKImageInfo(width, height, colorType, colorType == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        var pixels = new byte[info.BytesSize64];
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        SKCodecResult result;
        try { result = codec.GetPixels(info, handle.AddrOfPinnedObject()); }
        finally { handle.Free(); }
        return result == SKCodecResult.Success
            ? (width, height, pixels)
            : throw new InvalidDataException($"Cannot decode image '{path}': {(result == SKCodecResult.IncompleteInput ? "the file is truncated" : $"the decoder reports {result}")}.");
    }
}
