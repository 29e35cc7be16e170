using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Evaluation of scored <see cref="IDataView"/>s (the ML.NET side of <see cref="SegmentationMetricsAccumulator"/> and
/// <see cref="InstanceSegmentationEvaluator"/>); used by <c>mlContext.Segmentation().Evaluate(...)</c>.
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
        var label = ByteMap(data.Schema, labelColumnName, "ground-truth label");
        var predicted = ByteMap(data.Schema, predictedLabelColumnName, "predicted label");
        var instances = instanceColumnName is null ? (DataViewSchema.Column?)null : IntMap(data.Schema, instanceColumnName, "ground-truth instance");
        IReadOnlyList<string>? dataClasses = ClassNamesOf(label), modelClasses = ClassNamesOf(predicted);
        classNames ??= dataClasses ?? modelClasses ?? CityscapesLabels.TrainClassNames;
        foreach (var (names, column, whose) in new[] { (dataClasses, labelColumnName, "data's"), (modelClasses, predictedLabelColumnName, "model's") })
            if (names is not null && names.Count != classNames.Count)
                throw new ArgumentException(
                    $"The {whose} '{column}' column has {names.Count} classes ({string.Join(", ", names)}) but the evaluation counts " +
                    $"{classNames.Count} ({string.Join(", ", classNames)}): the model was trained for other classes than the data holds.", nameof(data));
        var accumulator = new SegmentationMetricsAccumulator(classNames.Count, classNames);

        var columns = new List<DataViewSchema.Column> { label, predicted };
        if (instances is { } ic) columns.Add(ic);
        using var cursor = data.GetRowCursor(columns);
        var getLabel = cursor.GetGetter<VBuffer<byte>>(label);
        var getPredicted = cursor.GetGetter<VBuffer<byte>>(predicted);
        var getInstances = instances is { } i ? cursor.GetGetter<VBuffer<int>>(i) : null;
        VBuffer<byte> gt = default, pred = default;
        VBuffer<int> ids = default;
        while (cursor.MoveNext())
        {
            getLabel(ref gt);
            getPredicted(ref pred);
            if (gt.Length != pred.Length)
                throw new InvalidDataException($"Row {cursor.Position}: '{labelColumnName}' has {gt.Length} values but '{predictedLabelColumnName}' has {pred.Length}.");
            if (getInstances is null)
            {
                accumulator.Add(Dense(gt), Dense(pred));
                continue;
            }
            getInstances(ref ids);
            if (ids.Length != gt.Length)
                throw new InvalidDataException($"Row {cursor.Position}: '{instanceColumnName}' has {ids.Length} values but '{labelColumnName}' has {gt.Length}.");
            accumulator.Add(Dense(gt), Dense(pred), Dense(ids));
        }
        if (accumulator.ImageCount == 0) throw new ArgumentException("The data to evaluate has no rows.", nameof(data));
        return accumulator.GetMetrics();
    }

    /// <summary>Instance metrics; see <c>SegmentationCatalog.EvaluateInstances</c>.</summary>
    public static InstanceSegmentationMetrics EvaluateInstances(IDataView data, string instanceColumnName, string predictedInstanceIdsColumnName,
        string instanceClassesColumnName, string instanceScoresColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        var truth = IntMap(data.Schema, instanceColumnName, "ground-truth instance");
        var predictedIds = IntMap(data.Schema, predictedInstanceIdsColumnName, "predicted instance");
        var classes = IntMap(data.Schema, instanceClassesColumnName, "instance class");
        var scores = Vector(data.Schema, instanceScoresColumnName, NumberDataViewType.Single, "instance score");
        var width = data.Schema.GetColumnOrNull(SegmentationColumns.Width) is { } wcolumn && wcolumn.Type == NumberDataViewType.Int32 ? wcolumn : (DataViewSchema.Column?)null;
        var evaluator = new InstanceSegmentationEvaluator();

        var columns = new List<DataViewSchema.Column> { truth, predictedIds, classes, scores };
        if (width is { } wc) columns.Add(wc);
        using var cursor = data.GetRowCursor(columns);
        var getTruth = cursor.GetGetter<VBuffer<int>>(truth);
        var getIds = cursor.GetGetter<VBuffer<int>>(predictedIds);
        var getClasses = cursor.GetGetter<VBuffer<int>>(classes);
        var getScores = cursor.GetGetter<VBuffer<float>>(scores);
        var getWidth = width is { } wcol ? cursor.GetGetter<int>(wcol) : null;
        VBuffer<int> gt = default, ids = default, cls = default;
        VBuffer<float> sc = default;
        while (cursor.MoveNext())
        {
            getTruth(ref gt);
            getIds(ref ids);
            getClasses(ref cls);
            getScores(ref sc);
            if (ids.Length != gt.Length)
                throw new InvalidDataException($"Row {cursor.Position}: '{predictedInstanceIdsColumnName}' has {ids.Length} values but '{instanceColumnName}' has {gt.Length}.");
            int w = 0;
            getWidth?.Invoke(ref w);
            if (w <= 0 || gt.Length % w != 0) w = gt.Length;
            List<PredictedInstance> predictions;
            try
            {
                predictions = PredictedInstance.FromInstanceMap(Dense(ids), Dense(cls), Dense(sc));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"Row {cursor.Position}: '{predictedInstanceIdsColumnName}': {e.Message}", e);
            }
            evaluator.Add(Dense(gt), w, gt.Length / w, predictions);
        }
        if (evaluator.ImageCount == 0) throw new ArgumentException("The data to evaluate has no rows.", nameof(data));
        return evaluator.GetMetrics();
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

    private static ReadOnlySpan<T> Dense<T>(VBuffer<T> v) => v.IsDense ? v.GetValues() : v.DenseValues().ToArray();

    private static DataViewSchema.Column ByteMap(DataViewSchema schema, string name, string role) => Vector(schema, name, NumberDataViewType.Byte, role);

    private static DataViewSchema.Column IntMap(DataViewSchema schema, string name, string role) => Vector(schema, name, NumberDataViewType.Int32, role);

    private static DataViewSchema.Column Vector(DataViewSchema schema, string name, PrimitiveDataViewType item, string role)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"The {role} column '{name}' was not found. Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType v || v.ItemType != item)
            throw new ArgumentOutOfRangeException(nameof(schema), $"The {role} column '{name}' has type {column.Type}; expected a vector of {item}.");
        return column;
    }
}
