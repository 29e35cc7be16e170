using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>BatchNorm followed by PReLU, the "BR" unit ESPNet puts after each concatenation (Mehta et al. 2018, Fig. 4).</summary>
public sealed class BatchNormPRelu : nn.Module<Tensor, Tensor>
{
    private readonly BatchNorm2d bn;
    private readonly PReLU act;

    /// <summary>Creates the unit for <paramref name="channels"/> channels.</summary>
    public BatchNormPRelu(long channels) : base(nameof(BatchNormPRelu))
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be positive.");
        bn = nn.BatchNorm2d(channels, eps: 1e-3);
        act = nn.PReLU(channels);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return act.call(bn.call(x)).MoveToOuterDisposeScope();
    }
}
