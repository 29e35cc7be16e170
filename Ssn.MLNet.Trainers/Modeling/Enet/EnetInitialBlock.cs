using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ENet's initial block (Paszke et al. 2016, Fig. 2a): a 3×3 stride-2 convolution with 13 filters concatenated with
/// a non-overlapping 2×2 max-pool of the input (3 channels), 16 channels in all, then BatchNorm and PReLU.
/// </summary>
public sealed class EnetInitialBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly MaxPool2d pool;
    private readonly BatchNorm2d bn;
    private readonly PReLU act;

    /// <summary>Creates the block (<paramref name="inputChannels"/> → 16 channels at half resolution).</summary>
    public EnetInitialBlock(long inputChannels = 3, long outputChannels = 16) : base(nameof(EnetInitialBlock))
    {
        if (inputChannels <= 0 || outputChannels <= inputChannels)
            throw new ArgumentOutOfRangeException(nameof(outputChannels), outputChannels, "The initial block needs more output than input channels.");
        conv = nn.Conv2d(inputChannels, outputChannels - inputChannels, 3, stride: 2, padding: 1, bias: false);
        pool = nn.MaxPool2d(2, stride: 2);
        bn = nn.BatchNorm2d(outputChannels, eps: 1e-3);
        act = nn.PReLU(outputChannels);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return act.call(bn.call(cat(new[] { conv.call(x), pool.call(x) }, 1))).MoveToOuterDisposeScope();
    }
}
