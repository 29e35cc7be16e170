using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ERFNet's downsampler block (Romera et al. 2018, Table 1, after ENet's initial block): the concatenation of a
/// 3×3 stride-2 convolution with <c>out − in</c> channels and a 2×2 max-pool of the input, then BatchNorm and ReLU.
/// </summary>
public sealed class ErfnetDownsamplerBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly MaxPool2d pool;
    private readonly BatchNorm2d bn;

    /// <summary>Creates the block mapping <paramref name="inChannels"/> to <paramref name="outChannels"/> at half resolution.</summary>
    public ErfnetDownsamplerBlock(long inChannels, long outChannels) : base(nameof(ErfnetDownsamplerBlock))
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Channels must be positive.");
        if (outChannels <= inChannels) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "The downsampler needs more output than input channels.");
        conv = nn.Conv2d(inChannels, outChannels - inChannels, 3, stride: 2, padding: 1);
        pool = nn.MaxPool2d(2, stride: 2);
        bn = nn.BatchNorm2d(outChannels, eps: 1e-3);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return relu(bn.call(cat(new[] { conv.call(x), pool.call(x) }, 1))).MoveToOuterDisposeScope();
    }
}
