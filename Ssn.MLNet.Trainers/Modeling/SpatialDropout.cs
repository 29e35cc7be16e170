using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Spatial dropout, as <c>nn.Dropout2d</c>: in training, each channel of each image is zeroed with probability
/// <see cref="P"/> and the others are scaled by 1 / (1 − p). It draws from libtorch's process-wide generator, exactly as
/// <c>nn.Dropout2d</c> does, unless it is given a <see cref="Generator"/> of its own: the trainer's data-parallel
/// replicas (<see cref="SpatialSamplingTrainerOptions.Replicas"/>) run on several threads at once and give each
/// replica its own seeded generator, so that a run stays reproducible.
/// </summary>
public sealed class SpatialDropout : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with drop probability <paramref name="p"/> in [0, 1).</summary>
    public SpatialDropout(double p) : base(nameof(SpatialDropout))
    {
        if (p is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout must be in [0, 1).");
        P = p;
        scale = 1 / (1 - p);
    }

    // Held for the module's life: a temporary Scalar can be finalised mid-call (see KeptScalars).
    private readonly Scalar scale;

    /// <summary>The probability of dropping a channel.</summary>
    public double P { get; }

    /// <summary>The generator the masks are drawn from; null (the default) for libtorch's process-wide one.</summary>
    internal Generator? Generator { get; set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (Generator is null || !training || P == 0) return nn.functional.dropout2d(x, P, training);
        using var scope = NewDisposeScope();
        var keep = empty(x.shape[0], x.shape[1], 1, 1, dtype: x.dtype, device: x.device).bernoulli_(1 - P, Generator);
        return x.mul(keep.mul_(scale)).MoveToOuterDisposeScope();
    }
}
