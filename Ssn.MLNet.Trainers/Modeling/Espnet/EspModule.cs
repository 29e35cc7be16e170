using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ESPNet's Efficient Spatial Pyramid module (Mehta et al. 2018, §3.1, Fig. 3b): Reduce — a convolution to
/// <c>d = N/K</c> channels (1×1, or 3×3 stride 2 in the strided variant) — Split — K = 5 parallel 3×3 dilated
/// convolutions with dilation rates 1, 2, 4, 8, 16 — Transform and Merge by hierarchical feature fusion (each branch
/// summed with the previous ones before concatenation), then the input added back (when shapes match and
/// <c>residual</c>), BatchNorm and PReLU. All convolutions are bias-free.
/// </summary>
/// <remarks>
/// The first branch (dilation 1) takes the <c>N − 4d</c> channels left over by rounding, so the output has exactly
/// <c>N</c> channels.
/// </remarks>
public sealed class EspModule : nn.Module<Tensor, Tensor>
{
    private static readonly long[] DilationRates = { 1, 2, 4, 8, 16 };
    private readonly Conv2d reduce;
    private readonly ModuleList<Conv2d> branches;
    private readonly BatchNorm2d bn;
    private readonly PReLU act;
    private readonly bool addInput;

    /// <summary>Creates the module.</summary>
    /// <param name="inChannels">Input channels M.</param>
    /// <param name="outChannels">Output channels N (at least 5).</param>
    /// <param name="strided">The strided ESP module of Fig. 3b/§3.1 that halves the resolution (reduce is 3×3 stride 2; no residual).</param>
    /// <param name="residual">Add the input to the merged output (only when not strided and M = N).</param>
    public EspModule(long inChannels, long outChannels, bool strided = false, bool residual = true) : base(nameof(EspModule))
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Channels must be positive.");
        if (outChannels < DilationRates.Length) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, $"An ESP module needs at least {DilationRates.Length} output channels.");
        long d = outChannels / DilationRates.Length;
        long first = outChannels - (DilationRates.Length - 1) * d;
        reduce = strided
            ? nn.Conv2d(inChannels, d, 3, stride: 2, padding: 1, bias: false)
            : nn.Conv2d(inChannels, d, 1, bias: false);
        branches = new ModuleList<Conv2d>(DilationRates
            .Select((rate, i) => nn.Conv2d(d, i == 0 ? first : d, 3, padding: rate, dilation: rate, bias: false)).ToArray());
        bn = nn.BatchNorm2d(outChannels, eps: 1e-3);
        act = nn.PReLU(outChannels);
        addInput = residual && !strided && inChannels == outChannels;
        Strided = strided;
        RegisterComponents();
    }

    /// <summary>Whether this is the strided (downsampling) variant.</summary>
    public bool Strided { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var reduced = reduce.call(x);
        var outputs = new Tensor[branches.Count];
        outputs[0] = branches[0].call(reduced);
        Tensor sum = branches[1].call(reduced);
        outputs[1] = sum;
        for (int i = 2; i < branches.Count; i++)
        {
            sum = sum + branches[i].call(reduced); // hierarchical feature fusion (HFF)
            outputs[i] = sum;
        }
        var merged = cat(outputs, 1);
        if (addInput) merged = merged + x;
        return act.call(bn.call(merged)).MoveToOuterDisposeScope();
    }
}
