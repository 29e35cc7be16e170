using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Optimization;

/// <summary>
/// Adam (Kingma &amp; Ba) with L2 weight decay added to the gradient, as PyTorch's <c>torch.optim.Adam</c> and the
/// paper's recipe (§6) use it.
/// </summary>
/// <remarks>
/// Why not TorchSharp's <c>optim.Adam</c>: its step passes temporary <see cref="Scalar"/>s (betas, 1 − β, ε, step size)
/// to native code by raw handle without keeping them reachable, so a garbage collection on another thread (e.g. the
/// batch-preparing thread) can finalise a Scalar while libtorch still reads it — an intermittent native abort
/// ("Expected false to be true … toFloat", Scalar.h) seen once in long training runs on a loaded machine. Here every
/// Scalar of a step is held in a <c>using</c> variable until the step ends.
/// </remarks>
internal sealed class AdamOptimizer : IDisposable
{
    private readonly IReadOnlyList<TorchSharp.Modules.Parameter> parameters;
    private readonly Tensor[] firstMoments, secondMoments;
    private readonly double beta1, beta2, eps;

    /// <summary>Creates the optimiser over <paramref name="parameters"/>.</summary>
    public AdamOptimizer(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate, double weightDecay,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        this.parameters = parameters.ToArray();
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        firstMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        secondMoments = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Learning rate of the next steps.</summary>
    public double LearningRate { get; set; }

    /// <summary>L2 weight decay added to the gradients.</summary>
    public double WeightDecay { get; }

    /// <summary>Steps taken so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Clears the gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    /// <summary>One Adam step on the current gradients.</summary>
    public void Step()
    {
        Steps++;
        double bias1 = 1 - Math.Pow(beta1, Steps), bias2 = 1 - Math.Pow(beta2, Steps);
        using var _ = no_grad();
        using Scalar b1 = beta1, b2 = beta2, oneMinusB1 = 1 - beta1, oneMinusB2 = 1 - beta2, epsilon = eps,
            decay = WeightDecay, sqrtBias2 = Math.Sqrt(bias2), stepSize = -LearningRate / bias1;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            using var grad = p.grad;
            if (grad is null) continue;
            using var g = WeightDecay != 0 ? grad.add(p, decay) : grad.alias();
            firstMoments[i].mul_(b1).add_(g, oneMinusB1);
            secondMoments[i].mul_(b2).addcmul_(g, g, oneMinusB2);
            using var denominator = secondMoments[i].sqrt().div_(sqrtBias2).add_(epsilon);
            p.addcdiv_(firstMoments[i], denominator, stepSize);
        }
    }

    /// <summary>Writes the step count and both moments of every parameter.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Steps);
        writer.Write(parameters.Count);
        foreach (var m in firstMoments.Concat(secondMoments)) m.Save(writer);
    }

    /// <summary>Reads what <see cref="Save"/> wrote for the same parameters.</summary>
    public void Load(BinaryReader reader)
    {
        long steps = reader.ReadInt64();
        int count = reader.ReadInt32();
        if (count != parameters.Count)
            throw new InvalidDataException($"The optimiser state holds {count} parameters; the network has {parameters.Count}.");
        using var _ = no_grad();
        foreach (var m in firstMoments.Concat(secondMoments))
        {
            using var saved = Tensor.Load(reader);
            if (!saved.shape.SequenceEqual(m.shape))
                throw new InvalidDataException($"An optimiser moment has shape [{string.Join(", ", saved.shape)}]; expected [{string.Join(", ", m.shape)}].");
            m.copy_(saved);
        }
        Steps = steps;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var m in firstMoments.Concat(secondMoments)) m.Dispose();
    }
}
