using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// The catalog's evaluation entry points (<c>mlContext.Segmentation().Evaluate/EvaluateInstances</c>), which check the
/// class names and run a <see cref="SegmentationEvaluator"/>, and the class-names annotation of label columns.
/// </summary>
public static class SegmentationEvaluation
{
    /// <summary>Annotation on the predicted-label column holding the class names (<c>VBuffer&lt;ReadOnlyMemory&lt;char&gt;&gt;</c>).</summary>
    public const string ClassNamesAnnotation = "ClassNames";

    /// <summary>Semantic metrics; see <c>SegmentationCatalog.Evaluate</c>.</summary>
    public static SegmentationMetrics Evaluate(IDataView data, string labelColumnName, string predictedLabelColumnName,
        string? instanceColumnName, IReadOnlyList<string>? classNames)
    {
        ArgumentNullException.ThrowIfNull(data);
        var label = SegmentationEvaluator.Vector(data.Schema, labelColumnName, NumberDataViewType.Byte, "ground-truth label");
        var predicted = SegmentationEvaluator.Vector(data.Schema, predictedLabelColumnName, NumberDataViewType.Byte, "predicted label");
        IReadOnlyList<string>? dataClasses = ClassNamesOf(label), modelClasses = ClassNamesOf(predicted);
        classNames ??= dataClasses ?? modelClasses ?? CityscapesLabels.TrainClassNames;
        foreach (var (names, column, whose) in new[] { (dataClasses, labelColumnName, "data's"), (modelClasses, predictedLabelColumnName, "model's") })
            if (names is not null && names.Count != classNames.Count)
                throw new ArgumentException(
                    $"The {whose} '{column}' column has {names.Count} classes ({string.Join(", ", names)}) but the evaluation counts " +
                    $"{classNames.Count} ({string.Join(", ", classNames)}): the model was trained for other classes than the data holds.", nameof(data));
        var evaluator = new SegmentationEvaluator(classNames, new SegmentationEvaluatorOptions
        {
            LabelColumnName = labelColumnName, PredictedLabelColumnName = predictedLabelColumnName, InstanceColumnName = instanceColumnName,
        });
        return evaluator.Evaluate(data).Semantic!;
    }

    /// <summary>Instance metrics; see <c>SegmentationCatalog.EvaluateInstances</c>.</summary>
    public static InstanceSegmentationMetrics EvaluateInstances(IDataView data, string instanceColumnName, string predictedInstanceIdsColumnName,
        string instanceClassesColumnName, string instanceScoresColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var evaluator = new SegmentationEvaluator(CityscapesLabels.TrainClassNames, new SegmentationEvaluatorOptions
        {
            Semantic = false, AveragePrecision = true, InstanceColumnName = instanceColumnName,
            PredictedInstanceIdsColumnName = predictedInstanceIdsColumnName, InstanceClassesColumnName = instanceClassesColumnName,
            InstanceScoresColumnName = instanceScoresColumnName,
        });
        return evaluator.Evaluate(data).Instances!;
    }

    /// <summary>The annotations that name a label column's classes (read back by <see cref="ClassNamesOf"/>).</summary>
    public static DataViewSchema.Annotations ClassNamesAnnotations(IReadOnlyList<string> classNames)
    {
        var names = new DataViewSchema.Annotations.Builder();
        names.Add(ClassNamesAnnotation, new VectorDataViewType(TextDataViewType.Instance, classNames.Count),
            (ref VBuffer<ReadOnlyMemory<char>> v) => v = new VBuffer<ReadOnlyMemory<char>>(classNames.Count, classNames.Select(n => n.AsMemory()).ToArray()));
        return names.ToAnnotations();
    }

    /// <summary>The class names annotation of a column, or null.</summary>
    public static IReadOnlyList<string>? ClassNamesOf(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(ClassNamesAnnotation) is not { } a) return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.Annotations.GetValue(ClassNamesAnnotation, ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }
}
