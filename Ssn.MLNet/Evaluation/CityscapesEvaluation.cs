using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Constants of the official Cityscapes evaluation (<c>mcordts/cityscapesScripts</c>,
/// <c>cityscapesscripts/evaluation/evalPixelLevelSemanticLabeling.py</c> and
/// <c>evalInstanceLevelSemanticLabeling.py</c>), expressed in train-id space.
/// </summary>
public static class CityscapesEvaluation
{
    /// <summary>
    /// The fixed average instance sizes (pixels) the official pixel-level script uses to weight ground-truth instances
    /// for the instance-level IoU (iIoU), keyed by class name. Caravan and trailer are listed by the script but are
    /// ignored in evaluation.
    /// </summary>
    public static IReadOnlyDictionary<string, double> AverageClassSizes { get; } = new Dictionary<string, double>
    {
        ["bicycle"] = 4672.3249222261,
        ["caravan"] = 36771.8241758242,
        ["motorcycle"] = 6298.7200839748,
        ["rider"] = 3930.4788056518,
        ["bus"] = 35732.1511111111,
        ["train"] = 67583.7075812274,
        ["car"] = 12794.0202738185,
        ["person"] = 3462.4756337644,
        ["truck"] = 27855.1264367816,
        ["trailer"] = 16926.9763313609,
    };

    /// <summary>
    /// <see cref="AverageClassSizes"/> indexed by train id (19 entries); <see cref="double.NaN"/> for the train ids that
    /// have no instances (stuff classes), which therefore get no iIoU.
    /// </summary>
    public static IReadOnlyList<double> AverageClassSizesByTrainId { get; } = CityscapesLabels.TrainClasses
        .Select(l => l.HasInstances && AverageClassSizes.TryGetValue(l.Name, out var s) ? s : double.NaN).ToArray();

    /// <summary>
    /// The official IoU thresholds 0.50, 0.55, …, 0.95, bit for bit as <c>numpy.arange(0.5, 1.0, 0.05)</c> produces
    /// them (start + i·((start + step) − start)), so a prediction with IoU exactly at a threshold is decided as in the
    /// official script (a match needs IoU strictly greater than the threshold).
    /// </summary>
    public static IReadOnlyList<double> OverlapThresholds { get; } = NumpyArange(0.5, 1.0, 0.05);

    /// <summary>The official minimum ground-truth region size in pixels (<c>minRegionSizes[0]</c> = 100).</summary>
    public const int MinRegionSize = 100;

    /// <summary>
    /// Whether a value of a Cityscapes <c>*_instanceIds.png</c> is a void pixel for instance evaluation: a plain label id
    /// (below 1000) of a label that is ignored in evaluation. Instance ids (≥ 1000) are never void, not even of
    /// ignored classes such as caravan — as in the official script.
    /// </summary>
    /// <param name="instanceMapValue">A value of the instance map.</param>
    public static bool IsVoid(int instanceMapValue) =>
        instanceMapValue is >= 0 and < CityscapesLabels.InstanceIdDivisor && VoidLabelIds.Contains(instanceMapValue);

    private static readonly HashSet<int> VoidLabelIds = CityscapesLabels.All.Where(l => l.IgnoreInEval).Select(l => l.Id).ToHashSet();

    private static double[] NumpyArange(double start, double stop, double step)
    {
        int n = (int)Math.Ceiling((stop - start) / step);
        var values = new double[n];
        double delta = (start + step) - start;
        for (int i = 0; i < n; i++) values[i] = start + i * delta;
        return values;
    }
}
