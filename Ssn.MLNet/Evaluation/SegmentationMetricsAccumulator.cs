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
    private readonly int c;
    private readonly byte ignore;
    private readonly long[] cm;
    private readonly long[] outOfRange;
    private readonly double[] avgSize;
    private readonly double[] tpWeighted;
    private readonly double[] fnWeighted;
    private readonly Dictionary<int, int> instanceSlot = new();
    private readonly List<(int Cls, long Size, long Tp)> instances = new();
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
        this.c = numberOfClasses;
        this.ignore = options.IgnoreLabel;
        ClassNames = classNames?.ToArray() ?? Enumerable.Range(0, numberOfClasses).Select(i => $"class{i}").ToArray();
        this.cm = new long[this.c * this.c];
        outOfRange = new long[this.c];
        tpWeighted = new double[this.c];
        fnWeighted = new double[this.c];
        avgSize = new double[this.c];
        var sizes = options.AverageInstanceSizes;
        if (sizes is not null && sizes.Count != this.c)
            throw new ArgumentException($"{nameof(SegmentationMetricsOptions)}.{nameof(SegmentationMetricsOptions.AverageInstanceSizes)} has {sizes.Count} entries for {this.c} classes.", nameof(options));
        for (int k = 0; k < this.c; k++)
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
        if (other.c != this.c || other.ignore != this.ignore || !other.avgSize.AsSpan().SequenceEqual(avgSize))
            throw new ArgumentException("The accumulators differ in classes, ignore label or average instance sizes.", nameof(other));
        bool mixed = (ImageCount > 0 && other.ImageCount > 0) &&
                     ((imagesWithInstances == ImageCount) != (other.imagesWithInstances == other.ImageCount));
        if (mixed)
            throw new InvalidOperationException("One accumulator has instance maps and the other does not; iIoU would be ill defined.");
        for (int i = 0; i < this.cm.Length; i++) this.cm[i] += other.cm[i];
        for (int k = 0; k < this.c; k++)
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
        var rowSum = new long[this.c];
        var colSum = new long[this.c];
        long total = 0, correct = 0;
        for (int g = 0; g < this.c; g++)
        {
            rowSum[g] = outOfRange[g];
            for (int p = 0; p < this.c; p++)
            {
                long n = this.cm[g * this.c + p];
                rowSum[g] += n;
                colSum[p] += n;
            }
            total += rowSum[g];
            correct += this.cm[g * this.c + g];
        }
        bool haveInstances = ImageCount > 0 && imagesWithInstances == ImageCount;
        var iou = new double[this.c];
        var iiou = new double[this.c];
        var acc = new double[this.c];
        for (int k = 0; k < this.c; k++)
        {
            long tp = this.cm[k * this.c + k];
            long fn = rowSum[k] - tp;
            long fp = colSum[k] - tp;
            long denom = tp + fp + fn;
            iou[k] = denom == 0 ? double.NaN : (double)tp / denom;
            acc[k] = rowSum[k] == 0 ? double.NaN : (double)tp / rowSum[k];
            double wDenom = tpWeighted[k] + fp + fnWeighted[k];
            iiou[k] = !haveInstances || double.IsNaN(avgSize[k]) || wDenom == 0 ? double.NaN : tpWeighted[k] / wDenom;
        }
        return new SegmentationMetrics(ClassNames, new SegmentationConfusionMatrix(ClassNames, (long[])this.cm.Clone()), (long[])outOfRange.Clone(), iou, iiou, acc,
            total == 0 ? double.NaN : (double)correct / total, total, ImageCount);
    }

    private void AddConfusion(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> pred)
    {
        if (pred.Length != gt.Length)
            throw new ArgumentException($"The prediction has {pred.Length} pixels but the ground truth has {gt.Length}.", nameof(pred));
        int c = this.c;
        byte ignore = this.ignore;
        var cm = this.cm;
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
        this.instances.Clear();
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
                    lastSlot = this.instances.Count;
                    instanceSlot[id] = lastSlot;
                    this.instances.Add((InstanceClass(id), 0, 0));
                }
            }
            var (cls, size, tp) = this.instances[lastSlot];
            if (cls < 0) continue;
            this.instances[lastSlot] = (cls, size + 1, pred[i] == cls ? tp + 1 : tp);
        }
        foreach (var (cls, size, tp) in this.instances)
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
        if (cls >= this.c) return -1;
        if (double.IsNaN(avgSize[cls]))
            throw new InvalidOperationException($"Instance id {instanceId} belongs to class {cls} ('{ClassNames[cls]}'), which has no average instance size; set {nameof(SegmentationMetricsOptions)}.{nameof(SegmentationMetricsOptions.AverageInstanceSizes)}.");
        return cls;
    }
}
