using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Folding of a BatchNorm into the convolution before it (paper §6: "we removed all Batch-Normalizations at
/// test time merging them with close convolutions"): <c>BN(conv(x)) = conv'(x)</c> with
/// <c>W' = W·γ/σ</c>, <c>b' = (b − μ)·γ/σ + β</c>, σ = √(running_var + ε).
/// </summary>
internal static class ConvBatchNorm
{
    /// <summary>Per-channel scale γ/σ and shift β − μ·γ/σ of an eval-mode BatchNorm.</summary>
    public static (Tensor Scale, Tensor Shift) Affine(BatchNorm2d bn)
    {
        using var _ = no_grad();
        var scale = bn.weight! / (bn.running_var! + bn.eps).sqrt();
        var shift = bn.bias! - bn.running_mean! * scale;
        return (scale, shift);
    }

    /// <summary>Rewrites <paramref name="conv"/> so that it computes <c>bn(conv(x))</c>, for output channels
    /// <c>[0, conv.out_channels)</c> of <paramref name="bn"/> starting at <paramref name="offset"/>.</summary>
    public static void FoldInto(Conv2d conv, BatchNorm2d bn, long offset = 0)
    {
        using var _ = no_grad();
        var (scale, shift) = Affine(bn);
        long n = conv.weight!.shape[0];
        using var s = scale.narrow(0, offset, n);
        using var t = shift.narrow(0, offset, n);
        var w = conv.weight! * s.view(-1, 1, 1, 1);
        var b = conv.bias is null ? t.clone() : conv.bias * s + t;
        conv.weight = new Parameter(w, requires_grad: false);
        conv.bias = new Parameter(b, requires_grad: false);
        scale.Dispose();
        shift.Dispose();
    }
}
