namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Semantic segmentation metrics as defined by the Cityscapes pixel-level benchmark
/// (<c>cityscapesscripts/evaluation/evalPixelLevelSemanticLabeling.py</c>) and reported by the paper (§6, Table 1):
/// per-class IoU = TP / (TP + FP + FN) and its mean, the instance-weighted iIoU, and pixel accuracies.
/// </summary>
/// <remarks>
/// Averages skip <see cref="double.NaN"/> entries. A class's IoU is NaN only when TP + FP + FN = 0, i.e. the class
/// occurs neither in the (non-ignored) ground truth nor in the prediction on non-ignored pixels; such a class is
/// excluded from <see cref="MeanIoU"/>, as in the official script. A class that is predicted but absent from the
/// ground truth has IoU 0 and counts.
/// </remarks>
public sealed class SegmentationMetrics
{
    internal SegmentationMetrics(IReadOnlyList<string> classNames, SegmentationConfusionMatrix confusionMatrix, long[] outOfRange,
        double[] perClassIoU, double[] perClassInstanceIoU, double[] perClassAccuracy, double pixelAccuracy,
        long evaluatedPixels, int imageCount)
    {
        ClassNames = classNames;
        ConfusionMatrix = confusionMatrix;
        OutOfRangePredictionCounts = outOfRange;
        PerClassIoU = perClassIoU;
        PerClassInstanceIoU = perClassInstanceIoU;
        PerClassAccuracy = perClassAccuracy;
        PixelAccuracy = pixelAccuracy;
        EvaluatedPixels = evaluatedPixels;
        ImageCount = imageCount;
        MeanIoU = NanMean(perClassIoU);
        MeanInstanceIoU = NanMean(perClassInstanceIoU);
        MeanClassAccuracy = NanMean(perClassAccuracy);
    }

    /// <summary>Class names, indexed by class (train id).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Pixel counts: row = ground-truth class, column = predicted class, over pixels whose ground truth is not ignored
    /// (<c>ConfusionMatrix[truth, predicted]</c>; <c>GetFormattedConfusionTable()</c> prints it). Predictions outside
    /// [0, C) on such pixels are not in this matrix but in <see cref="OutOfRangePredictionCounts"/>.
    /// </summary>
    public SegmentationConfusionMatrix ConfusionMatrix { get; }

    /// <summary>
    /// Per ground-truth class, the number of non-ignored pixels whose prediction was outside [0, C) (for example the
    /// ignore value 255). They count as false negatives of the ground-truth class and as errors in the accuracies,
    /// just as the official script counts a prediction of an ignored label id on a valid pixel.
    /// </summary>
    public IReadOnlyList<long> OutOfRangePredictionCounts { get; }

    /// <summary>Per-class IoU = TP / (TP + FP + FN); NaN when the class is in neither ground truth nor prediction.</summary>
    public IReadOnlyList<double> PerClassIoU { get; }

    /// <summary>Mean of <see cref="PerClassIoU"/> over the classes that are not NaN (Cityscapes "IoU class").</summary>
    public double MeanIoU { get; }

    /// <summary>
    /// Per-class instance-weighted IoU (Cityscapes "iIoU"): TPw / (TPw + FP + FNw), where each ground-truth instance's
    /// TP and FN pixels are weighted by average class size / instance size and FP is unweighted. NaN for classes
    /// without an average instance size (stuff classes), for classes with TPw + FP + FNw = 0, and for every class when
    /// no instance maps were given.
    /// </summary>
    public IReadOnlyList<double> PerClassInstanceIoU { get; }

    /// <summary>Mean of <see cref="PerClassInstanceIoU"/> over the classes that are not NaN (Cityscapes "iIoU class").</summary>
    public double MeanInstanceIoU { get; }

    /// <summary>Per-class accuracy (recall) = TP / ground-truth pixels of the class; NaN when the class has no ground truth.</summary>
    public IReadOnlyList<double> PerClassAccuracy { get; }

    /// <summary>Mean of <see cref="PerClassAccuracy"/> over classes present in the ground truth ("class avg.").</summary>
    public double MeanClassAccuracy { get; }

    /// <summary>Correct pixels / non-ignored pixels ("global avg."); NaN when no pixel was evaluated.</summary>
    public double PixelAccuracy { get; }

    /// <summary>Number of non-ignored ground-truth pixels evaluated.</summary>
    public long EvaluatedPixels { get; }

    /// <summary>Number of images accumulated.</summary>
    public int ImageCount { get; }

    internal static double NanMean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (var v in values)
            if (!double.IsNaN(v)) { sum += v; n++; }
        return n == 0 ? double.NaN : sum / n;
    }
}
