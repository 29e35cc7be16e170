namespace Ssn.MLNet.Modeling;

/// <summary>
/// The coordinate convention shared by iGUM (paper §3.1), the instance module (§4), their C# and ONNX forms and
/// instance extraction: <c>grid_sample</c>'s normalised coordinates, always with <c>align_corners = false</c>, so pixel
/// <c>j</c> of a row of <c>W</c> pixels has coordinate <c>(2j + 1)/W − 1</c> and the same number names the same image
/// location at every resolution. The tensor side (regular grids, offsets) is <c>SamplingGrid</c> in Ssn.MLNet.
/// </summary>
public static class SamplingCoordinates
{
    /// <summary>The <c>align_corners</c> value used everywhere in Ssn.MLNet.</summary>
    public const bool AlignCorners = false;

    /// <summary>Normalised coordinate of pixel <paramref name="index"/> along an axis of <paramref name="size"/> pixels.</summary>
    public static double ToNormalized(double index, long size) => (2 * index + 1) / size - 1;

    /// <summary>Pixel coordinate (0 = centre of the first pixel) of a normalised coordinate along an axis of <paramref name="size"/> pixels.</summary>
    public static double ToPixel(double normalized, long size) => ((normalized + 1) * size - 1) / 2;
}
