namespace Ssn.MLNet.Imaging;

/// <summary>
/// The largest image Ssn.MLNet decodes or predicts. A file whose header claims more pixels (a 30000×30000 PNG is a
/// few kilobytes) is refused with a message before any pixel buffer is allocated, instead of running the process out
/// of memory; so is an in-memory <c>MLImage</c> given to a transformer.
/// </summary>
public static class ImageLimits
{
    /// <summary>
    /// Default of <see cref="MaxPixels"/>: 50 million pixels (e.g. 8660×5773). Predicting such an image with 19
    /// classes needs about 4 GB for the full-resolution class scores alone, and the network's activations come on top.
    /// </summary>
    public const long DefaultMaxPixels = 50_000_000;

    private static long maxPixels = DefaultMaxPixels;

    /// <summary>Largest width × height accepted (default <see cref="DefaultMaxPixels"/>); process-wide.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public static long MaxPixels
    {
        get => Volatile.Read(ref maxPixels);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, nameof(MaxPixels));
            Volatile.Write(ref maxPixels, value);
        }
    }

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> naming <paramref name="what"/> when the image is over
    /// <paramref name="limit"/> (default <see cref="MaxPixels"/>).
    /// </summary>
    internal static void Check(long width, long height, string what, long? limit = null)
    {
        long max = limit ?? MaxPixels;
        if (width * height > max)
            throw new InvalidDataException(
                $"{what} is {width}×{height} = {width * height:N0} pixels, more than the limit of {max:N0} " +
                (limit is null
                    ? "(ImageLimits.MaxPixels; the command line's --max-pixels): resize it, or raise the limit if the machine has the memory."
                    : "pixels: resize it."));
    }
}
