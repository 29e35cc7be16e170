using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ENet's downsampling bottleneck (Paszke et al. 2016, Fig. 2b, "bottleneck1.0" and "bottleneck2.0"): the main
/// branch is a 2×2 max-pool (its indices kept for the decoder's max-unpooling) zero-padded to the output channels;
/// the extension is a 2×2 stride-2 projection to <c>out/4</c>, a 3×3 convolution and a 1×1 expansion, each with
/// BatchNorm and PReLU, then spatial dropout. The sum goes through a PReLU.
/// </summary>
public sealed class EnetDownsamplingBottleneck : nn.Module
{
    private readonly Sequential extension;
    private readonly PReLU outputActivation;
    private readonly long inChannels, outChannels;

    /// <summary>Creates the bottleneck mapping <paramref name="inChannels"/> to <paramref name="outChannels"/> at half resolution.</summary>
    public EnetDownsamplingBottleneck(long inChannels, long outChannels, double dropout) : base(nameof(EnetDownsamplingBottleneck))
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Channels must be positive.");
        if (outChannels < inChannels || outChannels < 4) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "A downsampling bottleneck cannot reduce channels.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        long inner = outChannels / 4;
        extension = nn.Sequential(
            nn.Conv2d(inChannels, inner, 2, stride: 2, bias: false), nn.BatchNorm2d(inner, eps: 1e-3), nn.PReLU(inner),
            nn.Conv2d(inner, inner, 3, padding: 1), nn.BatchNorm2d(inner, eps: 1e-3), nn.PReLU(inner),
            nn.Conv2d(inner, outChannels, 1, bias: false), nn.BatchNorm2d(outChannels, eps: 1e-3), nn.PReLU(outChannels),
            new SpatialDropout(dropout));
        outputActivation = nn.PReLU(outChannels);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        RegisterComponents();
    }

    /// <summary>Downsamples <paramref name="x"/>; returns the output and the max-pool indices of the main branch.</summary>
    public (Tensor Output, Tensor Indices) forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (pooled, indices) = max_pool2d_with_indices(x, new[] { 2L, 2L }, new[] { 2L, 2L });
        if (outChannels > inChannels)
            pooled = pad(pooled, new[] { 0L, 0L, 0L, 0L, 0L, outChannels - inChannels });
        var y = outputActivation.call(pooled + extension.call(x));
        return (y.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope());
    }
}
