using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Modeling;

/// <summary>
/// ERFNet's Non-bottleneck-1D residual block (Romera et al. 2018, Fig. 2c and Table 1): two pairs of 3×1 / 1×3
/// convolutions with biases — the first pair undilated, the second dilated by <c>d</c> — ReLU between them,
/// BatchNorm after each pair, spatial dropout, the identity shortcut and a final ReLU.
/// </summary>
/// <remarks>
/// <c>x → 3×1 → ReLU → 1×3 → BN → ReLU → 3×1(d) → ReLU → 1×3(d) → BN → Dropout → (+x) → ReLU</c>.
/// This is the block that the paper's Lightweight Non-bottleneck-1D (<see cref="LightweightNonBottleneck1D"/>) slims down (Table 3).
/// </remarks>
public sealed class NonBottleneck1D : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv3x1a, conv1x3a, conv3x1b, conv1x3b;
    private readonly BatchNorm2d bn1, bn2;
    private readonly Dropout2d dropout;

    /// <summary>Creates the block.</summary>
    /// <param name="channels">Input and output channels.</param>
    /// <param name="dropout">Spatial dropout probability (ERFNet: 0.03 at stride 4, 0.3 at stride 8, 0 in the decoder).</param>
    /// <param name="dilation">Dilation of the second pair (1, or 2/4/8/16 at stride 8).</param>
    public NonBottleneck1D(long channels, double dropout, long dilation) : base(nameof(NonBottleneck1D))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be positive.");
        if (dilation <= 0) throw new ArgumentOutOfRangeException(nameof(dilation), dilation, "Dilation must be positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        conv3x1a = nn.Conv2d(channels, channels, (3, 1), padding: (1, 0));
        conv1x3a = nn.Conv2d(channels, channels, (1, 3), padding: (0, 1));
        conv3x1b = nn.Conv2d(channels, channels, (3, 1), padding: (dilation, 0), dilation: (dilation, 1));
        conv1x3b = nn.Conv2d(channels, channels, (1, 3), padding: (0, dilation), dilation: (1, dilation));
        bn1 = nn.BatchNorm2d(channels, eps: 1e-3);
        bn2 = nn.BatchNorm2d(channels, eps: 1e-3);
        this.dropout = nn.Dropout2d(dropout);
        Dilation = dilation;
        RegisterComponents();
    }

    /// <summary>Dilation of the second asymmetric pair.</summary>
    public long Dilation { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = relu(conv3x1a.call(x));
        y = relu(bn1.call(conv1x3a.call(y)));
        y = relu(conv3x1b.call(y));
        y = dropout.call(bn2.call(conv1x3b.call(y)));
        return relu(y + x).MoveToOuterDisposeScope();
    }
}
