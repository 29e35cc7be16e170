using Microsoft.ML;
using Microsoft.ML.TorchSharp.AutoFormerV2;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Trainers.Evaluation;

namespace Ssn.MLNet.Trainers;

/// <summary>Box mAP on the segmentation catalog. Here rather than in the core (Ssn.MLNet) because ML.NET's object-detection
/// metrics live in Microsoft.ML.TorchSharp, which depends on TorchSharp.</summary>
public static class BoxEvaluationCatalog
{
    /// <summary>
    /// Box mAP of the predicted instances by ML.NET's own object-detection evaluation, comparable with ML.NET's
    /// object-detection trainer (not the Cityscapes protocol; see <see cref="BoxEvaluation"/>).
    /// </summary>
    /// <param name="catalog">The segmentation catalog.</param>
    /// <param name="data">Scored data with the ground-truth <c>InstanceIds</c>, <c>Width</c> and the instance list columns.</param>
    /// <param name="classNames">Names by train id (default: the 19 Cityscapes classes).</param>
    public static ObjectDetectionMetrics EvaluateBoxes(this SegmentationCatalog catalog, IDataView data, IReadOnlyList<string>? classNames = null) =>
        BoxEvaluation.Evaluate((MLContext)catalog.Environment, data, classNames);
}
