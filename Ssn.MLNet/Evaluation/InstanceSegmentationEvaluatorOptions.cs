namespace Ssn.MLNet.Evaluation;

/// <summary>Options of <see cref="InstanceSegmentationEvaluator"/>; the defaults are those of the official Cityscapes script.</summary>
public sealed class InstanceSegmentationEvaluatorOptions
{
    /// <summary>
    /// Ground-truth instances smaller than this many pixels are not evaluated (neither matched nor missed); predictions
    /// on them count as ignored pixels. Default <see cref="CityscapesEvaluation.MinRegionSize"/> (100). As in the
    /// official script, predictions themselves are not filtered by size.
    /// </summary>
    public int MinRegionSize { get; set; } = CityscapesEvaluation.MinRegionSize;

    /// <summary>
    /// IoU thresholds; a prediction matches a ground-truth instance when IoU is strictly greater than the threshold.
    /// Default <see cref="CityscapesEvaluation.OverlapThresholds"/> (0.50:0.95:0.05). Each must be in [0.5, 1): below
    /// 0.5 one prediction could match two instances, which the protocol does not define.
    /// </summary>
    public IReadOnlyList<double>? OverlapThresholds { get; set; }
}
