namespace Ssn.MLNet.Evaluation;

/// <summary>Options of <see cref="SegmentationMetricsAccumulator"/>.</summary>
public sealed class SegmentationMetricsOptions
{
    /// <summary>
    /// The ground-truth value that marks ignored pixels. Default 255 (<see cref="Data.CityscapesLabels.IgnoreTrainId"/>).
    /// It must not be a class index (it must be ≥ the number of classes).
    /// </summary>
    public byte IgnoreLabel { get; set; } = Data.CityscapesLabels.IgnoreTrainId;

    /// <summary>
    /// Average instance size in pixels per class (indexed by class), used to weight ground-truth instances for iIoU;
    /// NaN marks classes without instances. Default <c>null</c> = the fixed Cityscapes sizes of the official script
    /// (<see cref="CityscapesEvaluation.AverageClassSizesByTrainId"/>, for classes 0–18). Sizes computed from a data set
    /// can be supplied with <see cref="AverageInstanceSizeAccumulator"/>.
    /// </summary>
    public IReadOnlyList<double>? AverageInstanceSizes { get; set; }
}
