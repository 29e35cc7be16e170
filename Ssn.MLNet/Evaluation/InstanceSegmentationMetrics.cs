namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Instance segmentation metrics of the official Cityscapes instance-level benchmark
/// (<c>evalInstanceLevelSemanticLabeling.py</c>), as reported by the paper (§6.2): AP averaged over the IoU thresholds
/// 0.50:0.95:0.05 and over the eight instance classes, and AP at IoU 0.5 (the script's "AP 50%") and 0.75.
/// </summary>
/// <remarks>
/// A class with no evaluated ground-truth instance in the whole set has AP NaN — even if it has predictions — and is
/// excluded from the means (numpy <c>nanmean</c>), as in the official script. A class with ground truth and no
/// predictions has AP 0.
/// </remarks>
public sealed class InstanceSegmentationMetrics
{
    internal InstanceSegmentationMetrics(IReadOnlyList<string> classNames, IReadOnlyList<int> classTrainIds,
        IReadOnlyList<double> thresholds, double[,] ap, int[] gtCounts, int[] predCounts, int imageCount)
    {
        ClassNames = classNames;
        ClassTrainIds = classTrainIds;
        OverlapThresholds = thresholds;
        APByClassAndThreshold = ap;
        PerClassGroundTruthCount = gtCounts;
        PerClassPredictionCount = predCounts;
        ImageCount = imageCount;
        int nc = ap.GetLength(0), nt = ap.GetLength(1);
        var all = new List<double>(nc * nt);
        var perClass = new double[nc];
        for (int c = 0; c < nc; c++)
        {
            double sum = 0;
            for (int t = 0; t < nt; t++) { sum += ap[c, t]; all.Add(ap[c, t]); }
            perClass[c] = nt == 0 ? double.NaN : sum / nt;
        }
        PerClassAP = perClass;
        AP = SegmentationMetrics.NanMean(all);
        PerClassAP50 = AtThreshold(0.5);
        PerClassAP75 = AtThreshold(0.75);
        AP50 = SegmentationMetrics.NanMean(PerClassAP50);
        AP75 = SegmentationMetrics.NanMean(PerClassAP75);
    }

    /// <summary>Names of the evaluated classes (person, rider, car, truck, bus, train, motorcycle, bicycle).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Train ids of the evaluated classes, parallel to <see cref="ClassNames"/>.</summary>
    public IReadOnlyList<int> ClassTrainIds { get; }

    /// <summary>The IoU thresholds used.</summary>
    public IReadOnlyList<double> OverlapThresholds { get; }

    /// <summary>AP per class (rows, as <see cref="ClassNames"/>) and IoU threshold (columns); NaN for classes without ground truth.</summary>
    public double[,] APByClassAndThreshold { get; }

    /// <summary>Mean AP over all thresholds and classes, NaN entries excluded (the official "AP").</summary>
    public double AP { get; }

    /// <summary>Mean over classes of AP at IoU 0.5 (the official "AP 50%"); NaN when 0.5 is not a threshold.</summary>
    public double AP50 { get; }

    /// <summary>Mean over classes of AP at IoU 0.75; NaN when 0.75 is not a threshold.</summary>
    public double AP75 { get; }

    /// <summary>Per-class AP averaged over the thresholds.</summary>
    public IReadOnlyList<double> PerClassAP { get; }

    /// <summary>Per-class AP at IoU 0.5.</summary>
    public IReadOnlyList<double> PerClassAP50 { get; }

    /// <summary>Per-class AP at IoU 0.75.</summary>
    public IReadOnlyList<double> PerClassAP75 { get; }

    /// <summary>Per class, the number of evaluated ground-truth instances (instance id ≥ 1000, at least the minimum region size).</summary>
    public IReadOnlyList<int> PerClassGroundTruthCount { get; }

    /// <summary>Per class, the number of non-empty predictions.</summary>
    public IReadOnlyList<int> PerClassPredictionCount { get; }

    /// <summary>Number of images evaluated.</summary>
    public int ImageCount { get; }

    /// <summary>Per-class mean of AP over the thresholds numpy's <c>isclose</c> deems equal to <paramref name="overlap"/> (NaN if none).</summary>
    private double[] AtThreshold(double overlap)
    {
        int nc = APByClassAndThreshold.GetLength(0);
        var idx = Enumerable.Range(0, OverlapThresholds.Count)
            .Where(t => Math.Abs(OverlapThresholds[t] - overlap) <= 1e-8 + 1e-5 * Math.Abs(overlap)).ToArray();
        var result = new double[nc];
        for (int c = 0; c < nc; c++)
            result[c] = idx.Length == 0 ? double.NaN : idx.Average(t => APByClassAndThreshold[c, t]);
        return result;
    }
}
