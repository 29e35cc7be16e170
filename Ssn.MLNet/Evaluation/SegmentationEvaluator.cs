using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Data;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// The one evaluation pass of the library: semantic metrics (confusion matrix, per-class IoU and, with ground-truth
/// instance maps, Cityscapes' instance-weighted iIoU), boundary mean IoU and instance AP (Cityscapes protocol), all from
/// a single cursor pass over a scored <see cref="IDataView"/> (<see cref="Evaluate"/>) or from images added one by one
/// (<see cref="Add"/>). <c>mlContext.Segmentation().Evaluate/EvaluateInstances</c>, the command line's <c>evaluate</c>,
/// the main job, <c>bench</c> and <c>ablation</c> all evaluate through it.
/// </summary>
/// <remarks>Not thread-safe: one evaluator per pass.</remarks>
public sealed class SegmentationEvaluator
{
    private readonly SegmentationEvaluatorOptions options;
    private readonly SegmentationMetricsAccumulator? semantic;
    private readonly BoundaryMetricsAccumulator? boundary;
    private readonly InstanceSegmentationEvaluator? instances;
    private readonly CocoMaskEvaluator? coco;

    /// <summary>An empty evaluation of a model predicting <paramref name="classNames"/>.</summary>
    /// <param name="classNames">The classes, indexed by class id (train id).</param>
    /// <param name="options">What to measure and which columns hold it (default: semantic metrics only).</param>
    public SegmentationEvaluator(IReadOnlyList<string> classNames, SegmentationEvaluatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        this.options = options ?? new SegmentationEvaluatorOptions();
        ClassNames = classNames;
        if (this.options.Semantic) semantic = new SegmentationMetricsAccumulator(classNames.Count, classNames);
        if (this.options.Boundary) boundary = new BoundaryMetricsAccumulator(classNames.Count, classNames, this.options.BoundaryRadius);
        if (this.options.AveragePrecision && this.options.InstanceProtocol == InstanceProtocol.Cityscapes) instances = new InstanceSegmentationEvaluator();
        if (this.options.AveragePrecision && this.options.InstanceProtocol == InstanceProtocol.Coco) coco = new CocoMaskEvaluator();
    }

    /// <summary>
    /// The evaluator the command line uses for a model and a dataset: semantic metrics always; iIoU and AP by the Cityscapes
    /// protocol when the classes are Cityscapes' 19 train ids and the data has instance maps (the protocol defines them for
    /// those only); boundary mean IoU when <paramref name="boundary"/>.
    /// </summary>
    public static SegmentationEvaluator For(IReadOnlyList<string> classNames, bool dataHasInstances, bool boundary = false)
    {
        bool cityscapesInstances = dataHasInstances && classNames.SequenceEqual(CityscapesLabels.TrainClassNames);
        return new SegmentationEvaluator(classNames, new SegmentationEvaluatorOptions
        {
            InstanceColumnName = cityscapesInstances ? SegmentationColumns.InstanceIds : null,
            AveragePrecision = cityscapesInstances,
            Boundary = boundary,
        });
    }

    /// <summary>The classes evaluated.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Whether ground-truth instance maps are read (for iIoU or AP).</summary>
    public bool UsesInstances => options.InstanceColumnName is not null;

    /// <summary>Images added so far.</summary>
    public int ImageCount { get; private set; }

    /// <summary>Adds one image (its truth and the model's prediction).</summary>
    /// <exception cref="ArgumentException">Sizes disagree, or a value is outside its range.</exception>
    public void Add(EvaluatedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int[]? truthIds = UsesInstances ? image.TruthInstanceIds : null;
        if (semantic is not null)
        {
            if (truthIds is null) semantic.Add(image.Truth, image.Predicted);
            else semantic.Add(image.Truth, image.Predicted, truthIds);
        }
        boundary?.Add(image.Truth, image.Predicted, image.Width);
        if (instances is not null || coco is not null)
        {
            if (truthIds is null || image.PredictedInstanceIds is null || image.InstanceClasses is null || image.InstanceScores is null)
                throw new ArgumentException("Average precision needs the ground-truth instance map and the predicted instance map, classes and scores.", nameof(image));
            var predicted = PredictedInstance.FromInstanceMap(image.PredictedInstanceIds, image.InstanceClasses, image.InstanceScores);
            instances?.Add(truthIds, image.Width, image.Height, predicted);
            coco?.Add(CocoTruth(truthIds), predicted.Select(p => new CocoDetection(p.TrainId, (float)p.Confidence, p.PixelIndices.ToArray())).ToArray());
        }
        ImageCount++;
    }

    /// <summary>
    /// Evaluates every row of <paramref name="scored"/> (a transformer's output over labelled data) in one cursor pass;
    /// <paramref name="onImage"/>, when given, sees each row after it is counted (overlays, result files, progress).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type (the message names it).</exception>
    /// <exception cref="InvalidDataException">A row's columns disagree in size (the message names the row and columns).</exception>
    public SegmentationEvaluationResult Evaluate(IDataView scored, Action<EvaluatedImage>? onImage = null, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(scored);
        var o = options;
        var s = scored.Schema;
        bool predictedInstances = instances is not null || coco is not null || (onImage is not null && s.GetColumnOrNull(o.PredictedInstanceIdsColumnName) is not null);
        var label = o.Semantic || o.Boundary ? Vector(s, o.LabelColumnName, NumberDataViewType.Byte, "ground-truth label") : (DataViewSchema.Column?)null;
        var predicted = o.Semantic || o.Boundary ? Vector(s, o.PredictedLabelColumnName, NumberDataViewType.Byte, "predicted label") : (DataViewSchema.Column?)null;
        var truthIds = o.InstanceColumnName is { } ic ? Vector(s, ic, NumberDataViewType.Int32, "ground-truth instance") : (DataViewSchema.Column?)null;
        var ids = predictedInstances ? Vector(s, o.PredictedInstanceIdsColumnName, NumberDataViewType.Int32, "predicted instance") : (DataViewSchema.Column?)null;
        var classes = predictedInstances ? Vector(s, o.InstanceClassesColumnName, NumberDataViewType.Int32, "instance class") : (DataViewSchema.Column?)null;
        var scores = predictedInstances ? Vector(s, o.InstanceScoresColumnName, NumberDataViewType.Single, "instance score") : (DataViewSchema.Column?)null;
        var width = s.GetColumnOrNull(SegmentationColumns.Width) is { Type: var wt } wc && wt == NumberDataViewType.Int32 ? wc : (DataViewSchema.Column?)null;
        var path = onImage is not null && s.GetColumnOrNull(SegmentationColumns.ImagePath) is { Type: TextDataViewType } pc ? pc : (DataViewSchema.Column?)null;

        var columns = new[] { label, predicted, truthIds, ids, classes, scores, width, path }.OfType<DataViewSchema.Column>().ToArray();
        using var cursor = scored.GetRowCursor(columns);
        var getLabel = Getter<VBuffer<byte>>(cursor, label);
        var getPredicted = Getter<VBuffer<byte>>(cursor, predicted);
        var getTruthIds = Getter<VBuffer<int>>(cursor, truthIds);
        var getIds = Getter<VBuffer<int>>(cursor, ids);
        var getClasses = Getter<VBuffer<int>>(cursor, classes);
        var getScores = Getter<VBuffer<float>>(cursor, scores);
        var getWidth = Getter<int>(cursor, width);
        var getPath = Getter<ReadOnlyMemory<char>>(cursor, path);
        VBuffer<byte> gt = default, pred = default;
        VBuffer<int> gtIds = default, predIds = default, cls = default;
        VBuffer<float> sc = default;
        ReadOnlyMemory<char> imagePath = default;
        while (cursor.MoveNext())
        {
            token.ThrowIfCancellationRequested();
            getLabel?.Invoke(ref gt);
            getPredicted?.Invoke(ref pred);
            getTruthIds?.Invoke(ref gtIds);
            getIds?.Invoke(ref predIds);
            getClasses?.Invoke(ref cls);
            getScores?.Invoke(ref sc);
            getPath?.Invoke(ref imagePath);
            int pixels = label is not null ? gt.Length : gtIds.Length;
            if (predicted is not null && pred.Length != pixels)
                throw new InvalidDataException($"Row {cursor.Position}: '{o.LabelColumnName}' has {pixels} values but '{o.PredictedLabelColumnName}' has {pred.Length}.");
            if (truthIds is not null && gtIds.Length != pixels)
                throw new InvalidDataException($"Row {cursor.Position}: '{o.InstanceColumnName}' has {gtIds.Length} values but '{o.LabelColumnName}' has {pixels}.");
            if (ids is not null && predIds.Length != pixels)
                throw new InvalidDataException($"Row {cursor.Position}: '{o.PredictedInstanceIdsColumnName}' has {predIds.Length} values but the ground truth has {pixels}.");
            int w = 0;
            getWidth?.Invoke(ref w);
            if (w <= 0 || pixels % w != 0) w = pixels; // no usable Width column: one row of pixels
            int h = pixels / Math.Max(w, 1);
            var image = new EvaluatedImage(w, h, label is null ? [] : gt.DenseValues().ToArray(), pred.DenseValues().ToArray(),
                truthIds is null ? null : gtIds.DenseValues().ToArray(), ids is null ? null : predIds.DenseValues().ToArray(),
                classes is null ? null : cls.DenseValues().ToArray(), scores is null ? null : sc.DenseValues().ToArray())
            {
                ImagePath = path is null ? null : imagePath.ToString(),
            };
            try
            {
                Add(image);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"Row {cursor.Position}: {e.Message}", e);
            }
            onImage?.Invoke(image);
        }
        if (ImageCount == 0) throw new ArgumentException("The data to evaluate has no rows.", nameof(scored));
        return GetResult();
    }

    /// <summary>The metrics of everything added so far.</summary>
    public SegmentationEvaluationResult GetResult() =>
        new(semantic?.GetMetrics(), boundary?.GetMetrics(), instances?.GetMetrics(), ImageCount) { CocoInstances = coco?.Compute() };

    /// <summary>
    /// COCO ground truth from an instance map in the encoding of <see cref="Data.InstanceDataSource"/>: <c>c·1000 + n</c> is
    /// an instance of class c, a plain <c>c</c> (1–999) a crowd region of class c.
    /// </summary>
    internal static IReadOnlyList<CocoGroundTruth> CocoTruth(ReadOnlySpan<int> ids)
    {
        var pixels = new Dictionary<int, List<int>>();
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] <= 0) continue;
            if (!pixels.TryGetValue(ids[i], out var list)) pixels[ids[i]] = list = [];
            list.Add(i);
        }
        return pixels.OrderBy(kv => kv.Key).Select(kv => kv.Key >= CityscapesLabels.InstanceIdDivisor
            ? new CocoGroundTruth(kv.Key / CityscapesLabels.InstanceIdDivisor, kv.Value.ToArray())
            : new CocoGroundTruth(kv.Key, kv.Value.ToArray(), IsCrowd: true)).ToArray();
    }

    private static ValueGetter<T>? Getter<T>(DataViewRowCursor cursor, DataViewSchema.Column? column) =>
        column is { } c ? cursor.GetGetter<T>(c) : null;

    internal static DataViewSchema.Column Vector(DataViewSchema schema, string name, PrimitiveDataViewType item, string role)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"The {role} column '{name}' was not found. Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType v || v.ItemType != item)
            throw new ArgumentOutOfRangeException(nameof(schema), $"The {role} column '{name}' has type {column.Type}; expected a vector of {item}.");
        return column;
    }
}

/// <summary>What a <see cref="SegmentationEvaluator"/> measures and where it reads it.</summary>
public sealed record SegmentationEvaluatorOptions
{
    /// <summary>Semantic metrics: confusion matrix, per-class IoU, accuracies (default true).</summary>
    public bool Semantic { get; init; } = true;

    /// <summary>Mean IoU on a band around ground-truth class boundaries (default false; see <see cref="BoundaryMetrics"/>).</summary>
    public bool Boundary { get; init; }

    /// <summary>Half-width in pixels of the boundary band (default <see cref="BoundaryMetrics.DefaultRadius"/>).</summary>
    public int BoundaryRadius { get; init; } = BoundaryMetrics.DefaultRadius;

    /// <summary>Instance AP (default false; needs <see cref="InstanceColumnName"/>), by <see cref="InstanceProtocol"/>.</summary>
    public bool AveragePrecision { get; init; }

    /// <summary>The AP protocol (default <see cref="Evaluation.InstanceProtocol.Cityscapes"/>).</summary>
    public InstanceProtocol InstanceProtocol { get; init; } = InstanceProtocol.Cityscapes;

    /// <summary>Ground-truth train-id map column (default <c>Label</c>).</summary>
    public string LabelColumnName { get; init; } = SegmentationColumns.Label;

    /// <summary>Predicted class-map column (default <c>PredictedLabel</c>).</summary>
    public string PredictedLabelColumnName { get; init; } = SegmentationOutputColumns.PredictedLabel;

    /// <summary>Ground-truth instance map (Cityscapes ids, <c>labelId·1000 + k</c>) for iIoU and AP, or null (default) for none.</summary>
    public string? InstanceColumnName { get; init; }

    /// <summary>Predicted instance-id map column (default <c>PredictedInstanceIds</c>).</summary>
    public string PredictedInstanceIdsColumnName { get; init; } = SegmentationOutputColumns.PredictedInstanceIds;

    /// <summary>Per-instance class column (default <c>InstanceClasses</c>).</summary>
    public string InstanceClassesColumnName { get; init; } = SegmentationOutputColumns.InstanceClasses;

    /// <summary>Per-instance score column (default <c>InstanceScores</c>).</summary>
    public string InstanceScoresColumnName { get; init; } = SegmentationOutputColumns.InstanceScores;
}

/// <summary>One evaluated image: ground truth and prediction, as <see cref="SegmentationEvaluator"/> passes it to its per-row hook.</summary>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
/// <param name="Truth">Ground-truth train ids, row-major (255 = ignored).</param>
/// <param name="Predicted">Predicted class ids, row-major.</param>
/// <param name="TruthInstanceIds">Ground-truth instance map, or null.</param>
/// <param name="PredictedInstanceIds">Predicted instance-id map (0 = none, k = instance k), or null.</param>
/// <param name="InstanceClasses">Class of each predicted instance, in id order, or null.</param>
/// <param name="InstanceScores">Score of each predicted instance, in id order, or null.</param>
public sealed record EvaluatedImage(int Width, int Height, byte[] Truth, byte[] Predicted, int[]? TruthInstanceIds = null,
    int[]? PredictedInstanceIds = null, int[]? InstanceClasses = null, float[]? InstanceScores = null)
{
    /// <summary>The image file, when the data names it.</summary>
    public string? ImagePath { get; init; }
}

/// <summary>What one evaluation pass measured; a part is null when it was not asked for.</summary>
/// <param name="Semantic">Mean IoU, accuracies, per-class IoU and iIoU, confusion matrix.</param>
/// <param name="Boundary">The same metrics on the boundary band.</param>
/// <param name="Instances">AP and AP50 (Cityscapes instance protocol).</param>
/// <param name="ImageCount">Images evaluated.</param>
public sealed record SegmentationEvaluationResult(SegmentationMetrics? Semantic, SegmentationMetrics? Boundary,
    InstanceSegmentationMetrics? Instances, int ImageCount)
{
    /// <summary>COCO mask AP (AP, AP50, AP75, small/medium/large) when the protocol was <see cref="InstanceProtocol.Coco"/>.</summary>
    public CocoMaskMetrics? CocoInstances { get; init; }
}

/// <summary>How instance AP is computed.</summary>
public enum InstanceProtocol
{
    /// <summary>The Cityscapes benchmark's (<see cref="InstanceSegmentationEvaluator"/>): AP over IoU 0.5:0.05:0.95, AP50; Cityscapes label ids.</summary>
    Cityscapes,

    /// <summary>COCO's mask AP (<see cref="CocoMaskEvaluator"/>): AP, AP50, AP75, small/medium/large; classes are train ids, crowd regions ignored.</summary>
    Coco,
}
