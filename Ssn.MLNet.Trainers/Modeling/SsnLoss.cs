using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>The parts of one loss evaluation; <see cref="Instance"/> is null when no instance target was given.</summary>
public sealed record SsnLossParts(Tensor Total, Tensor Semantic, Tensor? Instance) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Total.Dispose();
        Semantic.Dispose();
        Instance?.Dispose();
    }
}

/// <summary>
/// The training objective: cross-entropy with an ignore label on the iGUM-upsampled logits, plus the instance
/// regression loss (paper Eq. 2, Table 5) on the upsampled sampled centres over labelled instance pixels only.
/// Instance distances are measured in encoder-resolution pixels (1/8 of the input), which keeps both parts of the
/// same order at the start of training.
/// </summary>
public sealed class SsnLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="ignoreIndex">Label ignored by the cross-entropy (default 255).</param>
    /// <param name="classWeights">Optional per-class weights <c>[C]</c> for the cross-entropy.</param>
    /// <param name="instanceLoss">Instance regression loss (default L2, Eq. 2).</param>
    /// <param name="semanticWeight">Weight of the semantic part (default 1).</param>
    /// <param name="instanceWeight">Weight of the instance part (default 1).</param>
    public SsnLoss(long ignoreIndex = 255, Tensor? classWeights = null, InstanceLossKind instanceLoss = InstanceLossKind.L2,
        double semanticWeight = 1.0, double instanceWeight = 1.0)
    {
        IgnoreIndex = ignoreIndex;
        ClassWeights = classWeights;
        InstanceLoss = instanceLoss;
        SemanticWeight = semanticWeight;
        InstanceWeight = instanceWeight;
    }

    /// <summary>Label ignored by the cross-entropy.</summary>
    public long IgnoreIndex { get; }

    /// <summary>Per-class cross-entropy weights, or null.</summary>
    public Tensor? ClassWeights { get; }

    /// <summary>The instance regression loss.</summary>
    public InstanceLossKind InstanceLoss { get; }

    /// <summary>Weight of the semantic part.</summary>
    public double SemanticWeight { get; }

    /// <summary>Weight of the instance part.</summary>
    public double InstanceWeight { get; }

    /// <summary>Computes the loss.</summary>
    /// <param name="logits">Upsampled logits <c>[B, C, H, W]</c>.</param>
    /// <param name="labels">Train ids <c>[B, H, W]</c> (int64), <see cref="IgnoreIndex"/> where unlabelled.</param>
    /// <param name="centres">Upsampled predicted centres <c>[B, 2, H, W]</c> (normalised), or null.</param>
    /// <param name="targetCentres">Ground-truth centres <c>[B, 2, H, W]</c> (normalised), or null.</param>
    /// <param name="instanceMask">Which pixels belong to an instance <c>[B, H, W]</c> (bool), or null.</param>
    /// <param name="encoderHeight">Height of the encoder output (unit of the instance distance).</param>
    /// <param name="encoderWidth">Width of the encoder output.</param>
    public SsnLossParts Compute(Tensor logits, Tensor labels, Tensor? centres, Tensor? targetCentres, Tensor? instanceMask,
        long encoderHeight, long encoderWidth)
    {
        using var scope = NewDisposeScope();
        // Scalars held until the end of the call (see KeptScalars for why TorchSharp's temporaries are avoided).
        using Scalar one = 1, two = 2, zero = 0, tiny = 1e-12, semanticWeight = SemanticWeight, instanceWeight = InstanceWeight;
        var semantic = CrossEntropyTraining.Compute(logits, labels, ClassWeights, IgnoreIndex);
        Tensor? instance = null;
        if (centres is not null && targetCentres is not null && instanceMask is not null)
        {
            // Normalised → encoder pixels: a normalised unit is half the image, i.e. w/2 (x) or h/2 (y) pixels.
            var unit = tensor(new[] { encoderWidth / 2f, encoderHeight / 2f }, dtype: centres.dtype, device: centres.device).view(1, 2, 1, 1);
            var diff = centres.sub(targetCentres).mul(unit).permute(0, 2, 3, 1)[instanceMask]; // [N, 2]
            if (diff.shape[0] == 0)
                instance = centres.sum().mul(zero); // keeps the graph; no labelled instance pixel in this batch
            else
                instance = InstanceLoss switch
                {
                    InstanceLossKind.L2 => diff.pow(two).sum(1).add(tiny, one).sqrt().mean(),
                    InstanceLossKind.L1 => diff.abs().sum(1).mean(),
                    _ => smooth_l1_loss(diff, zeros_like(diff), reduction: nn.Reduction.None).sum(1).mean(),
                };
        }
        var total = semantic.mul(semanticWeight);
        if (instance is not null) total = total.add(instance.mul(instanceWeight), one);
        total.MoveToOuterDisposeScope();
        semantic.MoveToOuterDisposeScope();
        instance?.MoveToOuterDisposeScope();
        return new SsnLossParts(total, semantic, instance);
    }
}
