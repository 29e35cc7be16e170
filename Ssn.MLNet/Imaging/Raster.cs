namespace Ssn.MLNet.Imaging;

/// <summary>
/// A single-channel image stored row-major (<c>Data[y * Width + x]</c>): a label map (train ids, label ids,
/// VOC class indices) or an instance map (Cityscapes <c>labelId * 1000 + k</c>).
/// </summary>
/// <typeparam name="T">The pixel type, e.g. <see cref="byte"/> for label maps, <see cref="int"/> for instance ids.</typeparam>
public sealed class Raster<T> where T : unmanaged
{
    /// <summary>Creates a zero-filled raster.</summary>
    /// <param name="width">Width in pixels (&gt; 0).</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    public Raster(int width, int height) : this(width, height, new T[CheckedArea(width, height)]) { }

    /// <summary>Wraps an existing row-major buffer (not copied).</summary>
    /// <param name="width">Width in pixels (&gt; 0).</param>
    /// <param name="height">Height in pixels (&gt; 0).</param>
    /// <param name="data">Row-major pixels; its length must be <paramref name="width"/> × <paramref name="height"/>.</param>
    public Raster(int width, int height, T[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        long area = CheckedArea(width, height);
        if (data.Length != area)
            throw new ArgumentException($"Raster data has {data.Length} elements; {width}×{height} needs {area}.", nameof(data));
        Width = width;
        Height = height;
        Data = data;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The row-major pixels, <c>Width * Height</c> long.</summary>
    public T[] Data { get; }

    /// <summary>The pixel at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    /// <param name="x">Column, 0 ≤ x &lt; <see cref="Width"/>.</param>
    /// <param name="y">Row, 0 ≤ y &lt; <see cref="Height"/>.</param>
    public T this[int x, int y]
    {
        get => Data[Index(x, y)];
        set => Data[Index(x, y)] = value;
    }

    private int Index(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside the {Width}×{Height} raster.");
        return y * Width + x;
    }

    private static int CheckedArea(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long area = (long)width * height;
        if (area > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"{width}×{height} pixels is too large for one array.");
        return (int)area;
    }
}
