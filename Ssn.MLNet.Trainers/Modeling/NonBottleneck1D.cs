using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The Non-bottleneck-1D residual block with any combination of the paper's Table 3 design steps (<see cref="LnbDesign"/>):
/// ERFNet's Non-bt-1D (Romera et al. 2018, Fig. 2c; <see cref="LnbDesign.NonBottleneck1D"/>, no step) through the paper's
/// Lightweight Non-bottleneck-1D module (§5, Fig. 5; <see cref="LnbDesign.Lightweight"/>, all four steps), and the
/// ablation rows between them.
/// </summary>
/// <remarks>
/// Without "Moved 1x1" (ERFNet): <c>x → first → act → second → BN → act → 3×1(d) → act → 1×3(d) → BN → Dropout → (+x) → act</c>,
/// where first/second are 3×1 and 1×3 (dilation 1), or two 1×1 with "Conv 1x1".<br/>
/// With "Moved 1x1" (the Lightweight module): <c>x → 1×1 → act → 3×1(d) → act → 1×3(d) → BN → act → 1×1 → BN → Dropout → (+x) → act</c>.<br/>
/// act is ReLU, or per-channel PReLU with "PReLU"; convolutions have biases unless "No Bias".
/// </remarks>
public sealed class NonBottleneck1D : nn.Module<Tensor, Tensor>, OnnxExport.IOnnxWritable
{
    // Declared (registered) in the Lightweight module's order: its parameters and state_dict read first, 3×1, 1×3, second.
    private readonly Conv2d first, conv3x1, conv1x3, second;
    private readonly BatchNorm2d bn1x3, bnSecond;
    private readonly nn.Module<Tensor, Tensor> act1, act2, act3, actOut;
    private readonly SpatialDropout dropout;
    private bool folded;

    /// <summary>Creates the block.</summary>
    /// <param name="channels">Input and output channels.</param>
    /// <param name="dropout">Spatial dropout probability (paper §6 and ERFNet: 0.03 at stride 4, 0.3 at stride 8, 0 in ERFNet's decoder).</param>
    /// <param name="dilation">Dilation of the 3×1/1×3 pair (1 at stride 4; 2, 4, 8, 16 at stride 8).</param>
    /// <param name="design">The Table 3 design steps applied (default: none, ERFNet's block).</param>
    public NonBottleneck1D(long channels, double dropout, long dilation, LnbDesign? design = null) : base(nameof(NonBottleneck1D))
    {
        design ??= LnbDesign.NonBottleneck1D;
        design.Validate();
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be positive.");
        if (dilation <= 0) throw new ArgumentOutOfRangeException(nameof(dilation), dilation, "Dilation must be positive.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        bool bias = !design.NoBias;
        Conv2d First() => design.Conv1x1 ? nn.Conv2d(channels, channels, 1, bias: bias) : nn.Conv2d(channels, channels, (3, 1), padding: (1, 0), bias: bias);
        Conv2d Second() => design.Conv1x1 ? nn.Conv2d(channels, channels, 1, bias: bias) : nn.Conv2d(channels, channels, (1, 3), padding: (0, 1), bias: bias);
        // Created in the order of the block's data flow, which fixes the initial weights drawn from a seeded generator.
        first = First();
        Conv2d? early = design.Moved1x1 ? null : Second();
        conv3x1 = nn.Conv2d(channels, channels, (3, 1), padding: (dilation, 0), dilation: (dilation, 1), bias: bias);
        conv1x3 = nn.Conv2d(channels, channels, (1, 3), padding: (0, dilation), dilation: (1, dilation), bias: bias);
        second = early ?? Second();
        bn1x3 = nn.BatchNorm2d(channels, eps: 1e-3);
        bnSecond = nn.BatchNorm2d(channels, eps: 1e-3);
        nn.Module<Tensor, Tensor> Activation() => design.PRelu ? nn.PReLU(channels) : nn.ReLU();
        act1 = Activation();
        act2 = Activation();
        act3 = Activation();
        actOut = Activation();
        this.dropout = new SpatialDropout(dropout);
        Design = design;
        Dilation = dilation;
        RegisterComponents();
    }

    /// <summary>The Table 3 design steps of this block.</summary>
    public LnbDesign Design { get; }

    /// <summary>Dilation of the 3×1/1×3 pair.</summary>
    public long Dilation { get; }

    /// <summary>Whether <see cref="FoldBatchNorm"/> has been applied.</summary>
    public bool IsFolded => folded;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y;
        if (Design.Moved1x1)
        {
            y = PReluTraining.Apply(act1, first.call(x));
            y = PReluTraining.Apply(act2, conv3x1.call(y));
            y = PReluTraining.Apply(act3, Normalise(bn1x3, conv1x3.call(y)));
            y = Normalise(bnSecond, second.call(y));
        }
        else
        {
            y = PReluTraining.Apply(act1, first.call(x));
            y = PReluTraining.Apply(act2, Normalise(bnSecond, second.call(y)));
            y = PReluTraining.Apply(act3, conv3x1.call(y));
            y = Normalise(bn1x3, conv1x3.call(y));
        }
        y = dropout.call(y);
        return PReluTraining.Apply(actOut, y.add_(x, KeptScalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>Merges both BatchNorms into the convolutions before them, biases included (paper §6). Eval only.</summary>
    public void FoldBatchNorm()
    {
        if (folded) return;
        ConvBatchNorm.FoldInto(second, bnSecond);
        ConvBatchNorm.FoldInto(conv1x3, bn1x3);
        folded = true;
    }

    private Tensor Normalise(BatchNorm2d bn, Tensor y) => folded ? y : BatchNormTraining.Apply(bn, y);

    /// <summary>Writes the Lightweight module (Fig. 5) as ONNX nodes; the other Table 3 designs have no export.</summary>
    string OnnxExport.IOnnxWritable.WriteOnnx(OnnxExport.OnnxModuleWriter writer, string x)
    {
        if (Design != LnbDesign.Lightweight)
            throw new NotSupportedException($"ONNX export covers the Lightweight Non-bt-1D only, not the Table 3 design \"{Design.Name}\".");
        long d = Dilation;
        var y = writer.PRelu((PReLU)act1, writer.Conv(first, x, 1, 0, 0, 1, 1));
        y = writer.PRelu((PReLU)act2, writer.Conv(conv3x1, y, 1, d, 0, d, 1));
        y = writer.Conv(conv1x3, y, 1, 0, d, 1, d);
        if (!folded) y = writer.BatchNorm(bn1x3, y);
        y = writer.Conv(second, writer.PRelu((PReLU)act3, y), 1, 0, 0, 1, 1);
        if (!folded) y = writer.BatchNorm(bnSecond, y);
        return writer.PRelu((PReLU)actOut, writer.Graph.Node("Add", new[] { y, x }));
    }
}
