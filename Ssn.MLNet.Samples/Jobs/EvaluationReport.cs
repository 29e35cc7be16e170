using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>What an evaluation pass measured.</summary>
/// <param name="Semantic">Mean IoU, accuracies, per-class IoU (Cityscapes pixel protocol).</param>
/// <param name="Instances">AP / AP50 (Cityscapes instance protocol); null when the data or model has no Cityscapes instances.</param>
/// <param name="InferenceMsPerImage">Median time of one single-image prediction (network, upsampling, instance extraction).</param>
/// <param name="Width">Width of the image used for the timing.</param>
/// <param name="Height">Height of the image used for the timing.</param>
/// <param name="ImageCount">Images evaluated.</param>
/// <param name="OverlayCount">Overlay PNGs written.</param>
public sealed record EvaluationReport(SegmentationMetrics Semantic, InstanceSegmentationMetrics? Instances, double InferenceMsPerImage,
    int Width, int Height, int ImageCount, int OverlayCount)
{
    /// <summary>COCO mask AP, for labelling-tool data (COCO, YOLO); null otherwise.</summary>
    public CocoMaskMetrics? CocoInstances { get; init; }
}
