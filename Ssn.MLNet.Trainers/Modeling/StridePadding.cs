using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>Pads images for a stride-8 encoder (<see cref="SsnNetworkOptions.PaddedSize"/>, the one place that rounds).</summary>
internal static class StridePadding
{
    /// <summary><paramref name="images"/> <c>[B, C, H, W]</c> padded to the rounded-up size (itself when no padding is needed).</summary>
    public static Tensor Pad(Tensor images, out long paddedHeight, out long paddedWidth)
    {
        long h = images.shape[2], w = images.shape[3];
        paddedHeight = SsnNetworkOptions.PaddedSize(h);
        paddedWidth = SsnNetworkOptions.PaddedSize(w);
        return paddedHeight == h && paddedWidth == w ? images : pad(images, new[] { 0L, paddedWidth - w, 0L, paddedHeight - h });
    }
}
