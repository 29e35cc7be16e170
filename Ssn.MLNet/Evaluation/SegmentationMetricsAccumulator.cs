using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Accumulates a confusion matrix (and, when ground-truth instance maps are given, the instance-weighted counts of
/// iIoU) over images, then produces <see cref="SegmentationMetrics"/> following the Cityscapes pixel-level protocol
/// (<c>evalPixelLevelSemanticLabeling.py</c>), in train-id space.
/// </summary>
/// <remarks>
/// Cost is O(pixels) per image with no per-pixel allocation. Pixels whose ground truth is
/// <see cref="SegmentationMetricsOptions.IgnoreLabel"/> are skipped entirely (they create neither FN nor FP).
/// A prediction outside [0, C) on a non-ignored pixel is an error: a false negative of the ground-truth class and a
/// miss for the accuracies (as the official script treats a predicted ignored label id). A ground-truth value that is
/// neither a class nor the ignore label is rejected. Not thread-safe; use one accumulator per thread and
/// <see cref="Merge"/>.
/// </remarks>
public sealed class SegmentationMetricsAccumulator
{
    private readonly int classCount;
    private readonly byte ignoreLabel;
    private readonly long[] confusion;
    private readonly long[] outOfRange;
    private readonly double[] avgSize;
    private readonly double[] tpWeighted;
    private readonly double[] fnWeighted;
    private readonly Dictionary<int, int> instanceSlot = new();
    private readonly List<(int Cls, long Size, long Tp)> instanceStats = new();
    private int imagesWithInstances;

    /// <summary>Creates an accumulator for <paramref name="numberOfClasses"/> classes.</summary>
    /// <param name="numberOfClasses">Number of classes C (1–255); class values are 0 … C−1.</param>
    /// <param name="classNames">Class names indexed by class; default <c>"class0"</c>, <c>"class1"</c>, ….</param>
    /// <param name="options">Options; default <see cref="SegmentationMetricsOptions"/> with its documented defaults.</param>
    public SegmentationMetricsAccumulator(int numberOfClasses, IReadOnlyList<string>? classNames = null,
        SegmentationMetricsOptions? options = null)
    {
        if (numberOfClasses is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(numberOfClasses), numberOfClasses, "The number of classes must be in [1, 255].");
        options ??= new SegmentationMetricsOptions();
        if (options.IgnoreLabel < numberOfClasses)
            throw new ArgumentException($"{nameof(SegmentationMetricsOptions)}.{nameof(SegmentationMetricsOptions.IgnoreLabel)} = {options.IgnoreLabel} is a class index; it must be >= the number of classes ({numberOfClasses}).", nameof(options));
        if (classNames is not null && classNames.Count != numberOfClasses)
            throw new ArgumentException($"{classNames.Count} class names were given for {numberOfClasses} classes.", nameof(classNames));
        classCount = numberOfClasses;
        ignoreLabel = options.IgnoreLabel;
        ClassNames = classNames?.ToArray() ?? Enumerable.Range(0, numberOfClasses).Select(i => $"class{i}").ToArray();
        confusion = new long[classCount * classCount];
        outOfRange = new long[classCount];
        tpWeighted = new double[classCount];
        fnWeighted = new double[classCount];
        avgSize = new double[classCount];
        var sizes = options.AverageInstanceSizes;
        if (sizes is not null && sizes.Count != classCount)
            throw new ArgumentException($"{nameof(SegmentationMetricsOptions)}.{nameof(SegmentationMetricsOptions.AverageInstanceSizes)} has {sizes.Count} entries for {classCount} classes.", nameof(options));
        for (int k = 0; k < classCount; k++)
        {
            double s = sizes is not null ? sizes[k]
                : k < CityscapesEvaluation.AverageClassSizesByTrainId.Count ? CityscapesEvaluation.AverageClassSizesByTrainId[k] : double.NaN;
            if (!double.IsNaN(s) && !(s > 0 && double.IsFinite(s)))
                throw new ArgumentException($"{nameof(SegmentationMetricsOptions)}.{nameof(SegmentationMetricsOptions.AverageInstanceSizes)}[{k}] = {s}; sizes must be positive and finite, or NaN for classes without instances.", nameof(options));
            avgSize[k] = s;
        }
    }

    /// <summary>An accumulator for the 19 Cityscapes train-id classes with the official average instance sizes.</summary>
    public static SegmentationMetricsAccumulator ForCityscapes() =>
        new(CityscapesLabels.NumTrainClasses, CityscapesLabels.TrainClassNames);

    /// <summary>Class names indexed by class.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of images added so far.</summary>
    public int ImageCount { get; private set; }

    /// <summary>Adds one image without instance information (iIoU will be NaN unless every image carries instances).</summary>
    /// <param name="groundTruth">Ground-truth class per pixel; <see cref="SegmentationMetricsOptions.IgnoreLabel"/> = ignored.</param>
    /// <param name="prediction">Predicted class per pixel, same length.</param>
    public void Add(ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> prediction)
    {
        if (imagesWithInstances > 0)
            throw new InvalidOperationException("Earlier images were added with ground-truth instance maps; add every image with one, or none, so that iIoU is well defined.");
        AddConfusion(groundTruth, prediction);
        ImageCount++;
    }

    /// <summary>
    /// Adds one image together with its ground-truth instance map in the Cityscapes encoding
    /// (<c>*gtFine_instanceIds.png</c>: <c>labelId·1000 + k</c> for instances, the plain label id elsewhere).
    /// Each instance of a class with an average size contributes TP (pixels predicted as its class) and FN (the rest)
    /// weighted by average size / instance size.
    /// </summary>
    /// <param name="groundTruth">Ground-truth class per pixel; <see cref="SegmentationMetricsOptions.IgnoreLabel"/> = ignored.</param>
    /// <param name="prediction">Predicted class per pixel, same length.</param>
    /// <param name="groundTruthInstanceIds">Cityscapes instance ids per pixel, same length.</param>
    public void Add(ReadOnlySpan<byte> groundTruth, ReadOnlySpan<byte> prediction, ReadOnlySpan<int> groundTruthInstanceIds)
    {
        if (ImageCount > imagesWithInstances)
            throw new InvalidOperationException("Earlier images were added without ground-truth instance maps; add every image with one, or none, so that iIoU is well defined.");
        if (groundTruthInstanceIds.Length != groundTruth.Length)
            throw new ArgumentException($"The instance map has {groundTruthInstanceIds.Length} pixels but the ground truth has {groundTruth.Length}.", nameof(groundTruthInstanceIds));
        AddConfusion(groundTruth, prediction);
        AddInstances(prediction, groundTruthInstanceIds);
        ImageCount++;
        imagesWithInstances++;
    }

    /// <summary>Adds the counts of another accumulator with the same classes (for per-thread accumulation).</summary>
    /// <param name="other">The accumulator to add; it is not changed.</param>
    public void Merge(SegmentationMetricsAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.classCount != classCount || other.ignoreLabel != ignoreLabel || !other.avgSize.AsSpan().SequenceEqual(avgSize))
            throw new ArgumentException("The accumulators differ in classes, ignore label or average instance sizes.", nameof(other));
        bool mixed = (ImageCount > 0 && other.ImageCount > 0) &&
                     ((imagesWithInstances == ImageCount) != (other.imagesWithInstances == other.ImageCount));
        if (mixed)
            throw new InvalidOperationException("One accumulator has instance maps and the other does not; iIoU would be ill defined.");
        for (int i = 0; i < confusion.Length; i++) confusion[i] += other.confusion[i];
        for (int k = 0; k < classCount; k++)
        {
            outOfRange[k] += other.outOfRange[k];
            tpWeighted[k] += other.tpWeighted[k];
            fnWeighted[k] += other.fnWeighted[k];
        }
        ImageCount += other.ImageCount;
        imagesWithInstances += other.imagesWithInstances;
    }

    /// <summary>Computes the metrics of everything added so far.</summary>
    public SegmentationMetrics GetMetrics()
    {
        var rowSum = new long[classCount];
        var colSum = new long[classCount];
        long total = 0, correct = 0;
        for (int g = 0; g < classCount; g++)
        {
            rowSum[g] = outOfRange[g];
            for (int p = 0; p < classCount; p++)
            {
                long n = confusion[g * classCount + p];
                rowSum[g] += n;
                colSum[p] += n;
            }
            total += rowSum[g];
            correct += confusion[g * classCount + g];
        }
        bool haveInstances = ImageCount > 0 && imagesWithInstances == ImageCount;
        var iou = new double[classCount];
        var iiou = new double[classCount];
        var acc = new double[classCount];
        for (int k = 0; k < classCount; k++)
        {
            long tp = confusion[k * classCount + k];
            long fn = rowSum[k] - tp;
            long fp = colSum[k] - tp;
            long denom = tp + fp + fn;
            iou[k] = denom == 0 ? double.NaN : (double)tp / denom;
            acc[k] = rowSum[k] == 0 ? double.NaN : (double)tp / rowSum[k];
            double wDenom = tpWeighted[k] + fp + fnWeighted[k];
            iiou[k] = !haveInstances || double.IsNaN(avgSize[k]) || wDenom == 0 ? double.NaN : tpWeighted[k] / wDenom;
        }
        return new SegmentationMetrics(ClassNames, new SegmentationConfusionMatrix(ClassNames, (long[])confusion.Clone()), (long[])outOfRange.Clone(), iou, iiou, acc,
            total == 0 ? double.NaN : (double)correct / total, total, ImageCount);
    }

    private void AddConfusion(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> pred)
    {
        if (pred.Length != gt.Length)
            throw new ArgumentException($"The prediction has {pred.Length} pixels but the ground truth has {gt.Length}.", nameof(pred));
        int c = classCount;
        byte ignore = ignoreLabel;
        var cm = confusion;
        for (int i = 0; i < gt.Length; i++)
        {
            int g = gt[i];
            if (g == ignore) continue;
            if (g >= c)
                throw new ArgumentException($"Ground-truth pixel {i} has value {g}, which is neither a class in [0, {c}) nor the ignore label {ignore}.", nameof(gt));
            int p = pred[i];
            if (p < c) cm[g * c + p]++;
            else outOfRange[g]++;
        }
    }

    private void AddInstances(ReadOnlySpan<byte> pred, ReadOnlySpan<int> ids)
    {
        instanceSlot.Clear();
        instanceStats.Clear();
        int lastId = int.MinValue, lastSlot = -1;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (id < CityscapesLabels.InstanceIdDivisor)
            {
                if (id < 0) throw new ArgumentException($"Instance map pixel {i} has the negative value {id}.", "groundTruthInstanceIds");
                continue;
            }
            if (id != lastId)
            {
                lastId = id;
                if (!instanceSlot.TryGetValue(id, out lastSlot))
                {
                    lastSlot = instanceStats.Count;
                    instanceSlot[id] = lastSlot;
                    instanceStats.Add((InstanceClass(id), 0, 0));
                }
            }
            var (cls, size, tp) = instanceStats[lastSlot];
            if (cls < 0) continue;
            instanceStats[lastSlot] = (cls, size + 1, pred[i] == cls ? tp + 1 : tp);
        }
        foreach (var (cls, size, tp) in instanceStats)
        {
            if (cls < 0) continue;
            double weight = avgSize[cls] / size;
            tpWeighted[cls] += tp * weight;
            fnWeighted[cls] += (size - tp) * weight;
        }
    }

    /// <summary>The class of an instance id, or −1 when its label is ignored (e.g. caravan) or outside the classes.</summary>
    private int InstanceClass(int instanceId)
    {
        int labelId = instanceId / CityscapesLabels.InstanceIdDivisor;
        int cls = labelId < CityscapesLabels.LabelIdToTrainId.Count ? CityscapesLabels.LabelIdToTrainId[labelId] : CityscapesLabels.IgnoreTrainId;
        if (cls >= classCount) return -1;
        if (double.IsNaN(avgSize[cls]))
            throw new InvalidOperationException($"Instance id {instanceId} belongs to class {cls} ('{ClassNames[cls]}'), which has no average instance size; set {nameof(SegmentationMetricsOptions)}.{nameof(SegmentationMetricsOptions.AverageInstanceSizes)}.");
        return cls;
    }
}
