using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// <see cref="BatchNorm2d"/> in training without TorchSharp's temporary <see cref="Scalar"/>s: its forward counts the
/// batch with <c>num_batches_tracked.add_(1)</c>, whose two temporaries a garbage collection on another thread can
/// finalise while libtorch reads them (see <see cref="KeptScalars"/>). With two data-parallel replicas allocating at
/// once this aborted a CamVid run after one epoch ("For integral input tensors, argument alpha must not be a floating
/// point number"). Same arithmetic as the module: the count, then <c>batch_norm</c> with its statistics, momentum and eps.
/// </summary>
internal static class BatchNormTraining
{
    /// <summary><paramref name="bn"/> applied to <paramref name="x"/>; outside training (or without running statistics) the module itself.</summary>
    public static Tensor Apply(BatchNorm2d bn, Tensor x)
    {
        if (!bn.training || bn.num_batches_tracked is not { } count || bn.momentum is not { } momentum || momentum == 0)
            return bn.call(x);
        count.add_(KeptScalars.One, KeptScalars.One);
        return nn.functional.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, training: true, momentum, bn.eps);
    }
}
