namespace Ssn.MLNet.Trainers;

/// <summary>What <see cref="SpatialSamplingTrainer"/> reports after each epoch (also logged to <c>MLContext.Log</c>).</summary>
/// <param name="Epoch">Epochs completed (1-based).</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Loss">Mean total loss of the epoch.</param>
/// <param name="SemanticLoss">Mean cross-entropy of the epoch.</param>
/// <param name="InstanceLoss">Mean instance loss of the epoch (NaN for semantic-only training).</param>
/// <param name="LearningRate">Learning rate used in the epoch (poly schedule).</param>
/// <param name="ImagesPerSecond">Training throughput of the epoch.</param>
/// <param name="ValidationMeanIoU">Mean IoU on the validation set after the epoch (NaN without one).</param>
/// <param name="Elapsed">Time since training started (this process).</param>
public sealed record TrainingProgress(int Epoch, int Epochs, double Loss, double SemanticLoss, double InstanceLoss,
    double LearningRate, double ImagesPerSecond, double ValidationMeanIoU, TimeSpan Elapsed)
{
    /// <summary>"loss L (semantic S, instance I)" for the log; semantic-only training has no instance part.</summary>
    public string LossText => double.IsNaN(InstanceLoss)
        ? $"loss {Loss:F4} (semantic {SemanticLoss:F4})"
        : $"loss {Loss:F4} (semantic {SemanticLoss:F4}, instance {InstanceLoss:F4})";
}
