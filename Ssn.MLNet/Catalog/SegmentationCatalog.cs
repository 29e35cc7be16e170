using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Evaluation;

namespace Ssn.MLNet.Catalog;

/// <summary>
/// Segmentation operations of an <see cref="MLContext"/>: <c>mlContext.Segmentation()</c>. Like ML.NET's task
/// catalogs it groups dataset sources (<see cref="Data"/>), trainers (<see cref="Trainers"/>, extended by
/// Ssn.MLNet.Trainers) and evaluation.
/// </summary>
public sealed class SegmentationCatalog
{
    internal SegmentationCatalog(MLContext context)
    {
        Environment = context;
        Data = new SegmentationDataCatalog(context);
        Trainers = new SegmentationTrainers(context);
        Transforms = new SegmentationTransformsCatalog();
    }

    /// <summary>The environment (the <see cref="MLContext"/>) this catalog belongs to.</summary>
    public IHostEnvironment Environment { get; }

    /// <summary>Dataset sources: Cityscapes, CamVid, PASCAL VOC, image + mask folders, synthetic street scenes.</summary>
    public SegmentationDataCatalog Data { get; }

    /// <summary>Trainers; <c>SpatialSampling(...)</c> comes from the Ssn.MLNet.Trainers package.</summary>
    public SegmentationTrainers Trainers { get; }

    /// <summary>Transforms: label-map loading from PNG paths and overlay drawing.</summary>
    public SegmentationTransformsCatalog Transforms { get; }

    /// <summary>
    /// Semantic segmentation metrics of scored data (paper §6 "Evaluation metrics": mean IoU, class average and
    /// global accuracy; Cityscapes iIoU when <paramref name="instanceColumnName"/> names a ground-truth instance map).
    /// </summary>
    /// <param name="data">Scored data, e.g. the output of a Spatial Sampling transformer.</param>
    /// <param name="labelColumnName">Ground-truth train ids (<c>VBuffer&lt;byte&gt;</c>). Default "Label".</param>
    /// <param name="predictedLabelColumnName">Predicted train ids (<c>VBuffer&lt;byte&gt;</c>). Default "PredictedLabel".</param>
    /// <param name="instanceColumnName">Ground-truth instance map (<c>VBuffer&lt;int&gt;</c>, Cityscapes encoding) for iIoU, or null.</param>
    /// <param name="classNames">Class names (their count is the number of classes); default: the data's class names if the
    /// source names them, else the 19 Cityscapes classes.</param>
    public SegmentationMetrics Evaluate(IDataView data, string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel",
        string? instanceColumnName = null, IReadOnlyList<string>? classNames = null) =>
        SegmentationEvaluation.Evaluate(data, labelColumnName, predictedLabelColumnName, instanceColumnName, classNames);

    /// <summary>
    /// Instance segmentation metrics (AP over IoU 0.50:0.95:0.05, AP50, AP75, per class) by the official Cityscapes
    /// instance protocol, from a ground-truth instance map and the predicted instance map and list.
    /// </summary>
    /// <param name="data">Scored data.</param>
    /// <param name="instanceColumnName">Ground-truth instance map (<c>VBuffer&lt;int&gt;</c>, Cityscapes encoding). Default "InstanceIds".</param>
    /// <param name="predictedInstanceIdsColumnName">Predicted instance-id map. Default "PredictedInstanceIds".</param>
    /// <param name="instanceClassesColumnName">Class (train id) per predicted instance. Default "InstanceClasses".</param>
    /// <param name="instanceScoresColumnName">Confidence per predicted instance. Default "InstanceScores".</param>
    public InstanceSegmentationMetrics EvaluateInstances(IDataView data, string instanceColumnName = "InstanceIds",
        string predictedInstanceIdsColumnName = "PredictedInstanceIds", string instanceClassesColumnName = "InstanceClasses",
        string instanceScoresColumnName = "InstanceScores") =>
        SegmentationEvaluation.EvaluateInstances(data, instanceColumnName, predictedInstanceIdsColumnName, instanceClassesColumnName, instanceScoresColumnName);
}

/// <summary>Holder of segmentation trainers; Ssn.MLNet.Trainers adds extension methods such as <c>SpatialSampling</c>.</summary>
public sealed class SegmentationTrainers
{
    internal SegmentationTrainers(MLContext context) => Environment = context;

    /// <summary>The environment the trainers are created in.</summary>
    public IHostEnvironment Environment { get; }
}

/// <summary>The <c>mlContext.Segmentation()</c> entry point.</summary>
public static class SegmentationMLContextExtensions
{
    private static readonly ConditionalWeakTable<MLContext, SegmentationCatalog> Catalogs = new();

    /// <summary>The segmentation catalog of <paramref name="mlContext"/> (one per context).</summary>
    public static SegmentationCatalog Segmentation(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return Catalogs.GetValue(mlContext, c => new SegmentationCatalog(c));
    }
}
