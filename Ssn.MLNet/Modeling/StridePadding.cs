using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Modeling;

/// <summary>
/// Images of any size enter a stride-8 encoder padded with zeros at the bottom and right to a multiple of
/// <see cref="SsnNetworkOptions.OutputStride"/>; the outputs are cut back to the input size. The one place that rounds.
/// </summary>
internal static class StridePadding
{
    /// <summary><paramref name="size"/> rounded up to a multiple of the output stride.</summary>
    public static long RoundUp(long size) =>
        (size + SsnNetworkOptions.OutputStride - 1) / SsnNetworkOptions.OutputStride * SsnNetworkOptions.OutputStride;

    /// <summary><paramref name="images"/> <c>[B, C, H, W]</c> padded to the rounded-up size (itself when no padding is needed).</summary>
    public static Tensor Pad(Tensor images, out long paddedHeight, out long paddedWidth)
    {
        long h = images.shape[2], w = images.shape[3];
        paddedHeight = RoundUp(h);
        paddedWidth = RoundUp(w);
        return paddedHeight == h && paddedWidth == w ? images : pad(images, new[] { 0L, paddedWidth - w, 0L, paddedHeight - h });
    }
}
