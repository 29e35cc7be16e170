namespace Ssn.MLNet.Modeling;

/// <summary>The geometry every network of the library shares, which the torch-free predictors need too.</summary>
public static class NetworkGeometry
{
    /// <summary>The encoders' output stride (8: three downsamplers).</summary>
    public const int OutputStride = 8;

    /// <summary>
    /// <paramref name="size"/> rounded up to a multiple of <see cref="OutputStride"/>: images of any size enter the
    /// encoder padded with zeros at the bottom and right to this size, and the outputs are cut back.
    /// </summary>
    public static long PaddedSize(long size) => (size + OutputStride - 1) / OutputStride * OutputStride;
}
