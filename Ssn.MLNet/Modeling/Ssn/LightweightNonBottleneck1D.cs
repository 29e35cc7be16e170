using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Modeling;

/// <summary>
/// Lightweight Non-bottleneck-1D module (paper §5, Fig. 5; design justified by Table 3: "Conv 1x1", "No Bias",
/// "PReLU", "Moved 1x1"): a residual block whose body is a 1×1 convolution, a dilated 3×1 and 1×3 asymmetric
/// pair, and a closing 1×1 convolution — all without biases, with PReLU activations, BatchNorm and Dropout —
/// added to the input and passed through a final PReLU.
/// </summary>
/// <remarks>
/// <c>x → 1×1 → PReLU → 3×1(d) → PReLU → 1×3(d) → BN → PReLU → 1×1 → BN → Dropout → (+x) → PReLU</c>.
/// The ERFNet Non-bt-1D this replaces has two 3×1/1×3 pairs; the first pair became 1×1 convolutions and one of
/// them moved to the end (Table 3).
/// </remarks>
public sealed class LightweightNonBottleneck1D : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1x1In, conv3x1, conv1x3, conv1x1Out;
    private readonly BatchNorm2d bn1, bn2;
    private readonly PReLU act1, act2, act3, actOut;
    private readonly Dropout2d dropout;
    private bool folded;

    /// <summary>Creates the block.</summary>
    /// <param name="channels">Input and output channels w.</param>
    /// <param name="dropout">Dropout probability (paper §6: 0.03 for the first five modules, 0.3 after).</param>
    /// <param name="dilation">Dilation of the asymmetric pair (1 at stride 4; 2, 4, 8, 16 at stride 8).</param>
    public LightweightNonBottleneck1D(long channels, double dropout, long dilation) : base(nameof(LightweightNonBottleneck1D))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels));
        if (dilation <= 0) throw new ArgumentOutOfRangeException(nameof(dilation));
        conv1x1In = nn.Conv2d(channels, channels, 1, bias: false);
        conv3x1 = nn.Conv2d(channels, channels, (3, 1), padding: (dilation, 0), dilation: (dilation, 1), bias: false);
        conv1x3 = nn.Conv2d(channels, channels, (1, 3), padding: (0, dilation), dilation: (1, dilation), bias: false);
        conv1x1Out = nn.Conv2d(channels, channels, 1, bias: false);
        bn1 = nn.BatchNorm2d(channels, eps: 1e-3);
        bn2 = nn.BatchNorm2d(channels, eps: 1e-3);
        act1 = nn.PReLU(channels);
        act2 = nn.PReLU(channels);
        act3 = nn.PReLU(channels);
        actOut = nn.PReLU(channels);
        this.dropout = nn.Dropout2d(dropout);
        Dilation = dilation;
        RegisterComponents();
    }

    /// <summary>Dilation of the asymmetric convolutions.</summary>
    public long Dilation { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = act1.call(conv1x1In.call(x));
        y = act2.call(conv3x1.call(y));
        y = conv1x3.call(y);
        if (!folded) y = bn1.call(y);
        y = conv1x1Out.call(act3.call(y));
        if (!folded) y = bn2.call(y);
        y = dropout.call(y);
        return actOut.call(y.add_(x, KeptScalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>Merges both BatchNorms into the convolutions before them (paper §6). Eval only.</summary>
    public void FoldBatchNorm()
    {
        if (folded) return;
        ConvBatchNorm.FoldInto(conv1x3, bn1);
        ConvBatchNorm.FoldInto(conv1x1Out, bn2);
        folded = true;
    }
}
