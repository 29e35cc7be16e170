using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Early-downsampling block (paper §5, "Early downsampling", after ERFNet and ENet): the concatenation of a
/// 3×3 stride-2 convolution with <c>out − in</c> channels and a 2×2 max-pool of the input, then BatchNorm and PReLU.
/// </summary>
public sealed class DownsamplerBlock : nn.Module<Tensor, Tensor>, OnnxExport.IOnnxWritable
{
    private readonly Conv2d conv;
    private readonly MaxPool2d pool;
    private readonly BatchNorm2d bn;
    private readonly PReLU act;
    private bool folded; // FoldBatchNorm registers buffers pool_scale/pool_shift: the BN of the pooled channels stays an affine

    /// <summary>Creates the block mapping <paramref name="inChannels"/> to <paramref name="outChannels"/> at half resolution.</summary>
    public DownsamplerBlock(long inChannels, long outChannels) : base(nameof(DownsamplerBlock))
    {
        if (outChannels <= inChannels) throw new ArgumentOutOfRangeException(nameof(outChannels), "The downsampler needs more output than input channels.");
        conv = nn.Conv2d(inChannels, outChannels - inChannels, 3, stride: 2, padding: 1, bias: true);
        pool = nn.MaxPool2d(2, stride: 2);
        bn = nn.BatchNorm2d(outChannels, eps: 1e-3);
        act = nn.PReLU(outChannels);
        InChannels = inChannels;
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Whether <see cref="FoldBatchNorm"/> has been applied.</summary>
    public bool IsFolded => folded;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y;
        if (!folded)
        {
            y = BatchNormTraining.Apply(bn, cat(new[] { conv.call(x), pool.call(x) }, 1));
        }
        else
        {
            // Looked up by name (not cached in fields) so that module.to(device or dtype) after folding is honoured.
            var pooled = pool.call(x) * get_buffer("pool_scale")!.view(1, -1, 1, 1) + get_buffer("pool_shift")!.view(1, -1, 1, 1);
            y = cat(new[] { conv.call(x), pooled }, 1);
        }
        return PReluTraining.Apply(act, y).MoveToOuterDisposeScope();
    }

    /// <summary>Merges the BatchNorm into the convolution (and a per-channel affine for the pooled channels). Eval only.</summary>
    public void FoldBatchNorm()
    {
        if (IsFolded) return;
        long convOut = conv.weight!.shape[0];
        var (scale, shift) = ConvBatchNorm.Affine(bn);
        ConvBatchNorm.FoldInto(conv, bn);
        register_buffer("pool_scale", scale.narrow(0, convOut, InChannels).clone());
        register_buffer("pool_shift", shift.narrow(0, convOut, InChannels).clone());
        folded = true;
        scale.Dispose();
        shift.Dispose();
    }

    /// <summary>Writes the block as ONNX nodes: Conv ‖ MaxPool (with the folded affine of the pooled channels), BN when unfolded, PReLU.</summary>
    string OnnxExport.IOnnxWritable.WriteOnnx(OnnxExport.OnnxModuleWriter writer, string x)
    {
        var g = writer.Graph;
        var convolved = writer.Conv(conv, x, 2, 1, 1, 1, 1);
        var pooled = g.Node("MaxPool", new[] { x }, null, OnnxExport.OnnxGraph.Attr("kernel_shape", new long[] { 2, 2 }), OnnxExport.OnnxGraph.Attr("strides", new long[] { 2, 2 }));
        if (folded)
            pooled = g.Node("Add", new[] { g.Node("Mul", new[] { pooled, writer.Channelwise("pool_scale", get_buffer("pool_scale")!) }), writer.Channelwise("pool_shift", get_buffer("pool_shift")!) });
        var y = g.Node("Concat", new[] { convolved, pooled }, null, OnnxExport.OnnxGraph.Attr("axis", 1L));
        if (!folded) y = writer.BatchNorm(bn, y);
        return writer.PRelu(act, y);
    }
}
