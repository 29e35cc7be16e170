namespace Ssn.MLNet.Evaluation;

/// <summary>A ground-truth instance of one image for <see cref="CocoMaskEvaluator"/>.</summary>
/// <param name="CategoryId">Its category.</param>
/// <param name="Pixels">Its mask as pixel indices (<c>y * width + x</c>) of the image, ascending, without repeats.</param>
/// <param name="IsCrowd">A crowd region (COCO <c>iscrowd</c>): detections on it are neither true nor false positives.</param>
/// <param name="Area">The area that decides its size range (COCO's annotation <c>area</c>); default its pixel count.</param>
public sealed record CocoGroundTruth(int CategoryId, int[] Pixels, bool IsCrowd = false, double? Area = null);

/// <summary>A predicted instance of one image for <see cref="CocoMaskEvaluator"/>.</summary>
/// <param name="CategoryId">Its category.</param>
/// <param name="Score">Its confidence.</param>
/// <param name="Pixels">Its mask as pixel indices of the image, ascending, without repeats.</param>
public sealed record CocoDetection(int CategoryId, float Score, int[] Pixels);

/// <summary>COCO mask AP (<see cref="CocoMaskEvaluator"/>); NaN where no category has a ground-truth instance.</summary>
/// <param name="AP">Mean over categories and IoU thresholds 0.50:0.05:0.95 of the 101-point interpolated precision.</param>
/// <param name="AP50">The same at IoU 0.50.</param>
/// <param name="AP75">The same at IoU 0.75.</param>
/// <param name="APSmall">AP of instances with area &lt; 32².</param>
/// <param name="APMedium">AP of instances with area in [32², 96²].</param>
/// <param name="APLarge">AP of instances with area &gt; 96².</param>
/// <param name="PerCategoryAP">AP by category id (NaN for a category without ground truth).</param>
/// <param name="ImageCount">Images added.</param>
public sealed record CocoMaskMetrics(double AP, double AP50, double AP75, double APSmall, double APMedium, double APLarge,
    IReadOnlyDictionary<int, double> PerCategoryAP, int ImageCount);

/// <summary>
/// COCO's instance-mask average precision as pycocotools' <c>COCOeval</c> (<c>iouType="segm"</c>) defines it: per image
/// and category the detections, best score first and at most <see cref="MaxDetections"/>, are matched greedily to the
/// unmatched ground truth of highest IoU at each threshold 0.50:0.05:0.95; a crowd region can match any number of
/// detections and its IoU is the intersection over the detection's area; ground truth that is a crowd or outside the
/// area range is ignored, as are detections matched to it and unmatched detections outside the range. Per category,
/// area range and threshold the detections of all images are ranked by score, precision is made monotone and read at
/// the 101 recall points 0:0.01:1; AP is the mean over categories with ground truth and thresholds.
/// </summary>
public sealed class CocoMaskEvaluator
{
    /// <summary>The IoU thresholds 0.50, 0.55, …, 0.95.</summary>
    public static IReadOnlyList<double> IouThresholds { get; } = Enumerable.Range(0, 10).Select(i => 0.5 + 0.05 * i).ToArray();

    private static readonly (double Min, double Max)[] AreaRanges = [(0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10)];
    private const int RecallPoints = 101;

    /// <summary>COCOeval's <c>np.spacing(1)</c> in the precision's denominator.</summary>
    private static readonly double NumpySpacingOfOne = Math.BitIncrement(1.0) - 1.0;

    /// <summary>Per (category, area range): the ranked detections' scores, match flags and ignore flags per threshold, and the count of ground truth not ignored.</summary>
    private readonly Dictionary<(int Category, int Area), Evidence> evidence = [];
    private readonly HashSet<int> categories = [];

    /// <summary>Creates an evaluator keeping at most <paramref name="maxDetections"/> detections per image and category (COCO: 100).</summary>
    public CocoMaskEvaluator(int maxDetections = 100)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDetections);
        MaxDetections = maxDetections;
    }

    /// <summary>Detections kept per image and category, best score first.</summary>
    public int MaxDetections { get; }

    /// <summary>Images added.</summary>
    public int ImageCount { get; private set; }

    private sealed class Evidence
    {
        public List<float> Scores { get; } = [];
        public List<bool[]> Matched { get; } = []; // per detection: matched at threshold t
        public List<bool[]> Ignored { get; } = [];
        public int GroundTruth { get; set; }
    }

    /// <summary>Adds one image's ground truth and detections.</summary>
    public void Add(IReadOnlyList<CocoGroundTruth> groundTruth, IReadOnlyList<CocoDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        ImageCount++;
        foreach (int category in groundTruth.Select(g => g.CategoryId).Concat(detections.Select(d => d.CategoryId)).Distinct())
        {
            categories.Add(category);
            var gt = groundTruth.Where(g => g.CategoryId == category).ToList();
            var dt = detections.Where(d => d.CategoryId == category)
                .Select((d, i) => (d, i)).OrderByDescending(x => x.d.Score).ThenBy(x => x.i).Select(x => x.d) // stable, as mergesort
                .Take(MaxDetections).ToList();
            var iou = new double[dt.Count, gt.Count];
            for (int d = 0; d < dt.Count; d++)
                for (int g = 0; g < gt.Count; g++) iou[d, g] = Iou(dt[d].Pixels, gt[g].Pixels, gt[g].IsCrowd);
            for (int a = 0; a < AreaRanges.Length; a++) Match(category, a, gt, dt, iou);
        }
    }

    private void Match(int category, int areaIndex, List<CocoGroundTruth> gt, List<CocoDetection> dt, double[,] iou)
    {
        var (min, max) = AreaRanges[areaIndex];
        bool Outside(double area) => area < min || area > max;
        bool[] gtIgnore = gt.Select(g => g.IsCrowd || Outside(g.Area ?? g.Pixels.Length)).ToArray();
        // Ground truth not ignored first (a stable sort), as COCOeval orders it before matching.
        int[] order = Enumerable.Range(0, gt.Count).OrderBy(g => gtIgnore[g] ? 1 : 0).ToArray();
        var e = evidence.TryGetValue((category, areaIndex), out var found) ? found : evidence[(category, areaIndex)] = new Evidence();
        e.GroundTruth += gtIgnore.Count(i => !i);
        int thresholds = IouThresholds.Count;
        var matched = new bool[dt.Count][];
        var ignored = new bool[dt.Count][];
        for (int d = 0; d < dt.Count; d++) (matched[d], ignored[d]) = (new bool[thresholds], new bool[thresholds]);
        for (int t = 0; t < thresholds; t++)
        {
            var gtTaken = new bool[gt.Count];
            for (int d = 0; d < dt.Count; d++)
            {
                double best = Math.Min(IouThresholds[t], 1 - 1e-10);
                int m = -1;
                foreach (int g in order)
                {
                    if (gtTaken[g] && !gt[g].IsCrowd) continue;
                    if (m > -1 && !gtIgnore[m] && gtIgnore[g]) break; // a match that counts beats any ignored one
                    if (iou[d, g] < best) continue;
                    best = iou[d, g];
                    m = g;
                }
                if (m == -1) continue;
                matched[d][t] = true;
                ignored[d][t] = gtIgnore[m];
                gtTaken[m] = true;
            }
            for (int d = 0; d < dt.Count; d++)
                if (!matched[d][t] && Outside(dt[d].Pixels.Length)) ignored[d][t] = true;
        }
        e.Scores.AddRange(dt.Select(x => x.Score));
        e.Matched.AddRange(matched);
        e.Ignored.AddRange(ignored);
    }

    /// <summary>Mask IoU; for a crowd region, the intersection over the detection's area.</summary>
    private static double Iou(int[] detection, int[] groundTruth, bool crowd)
    {
        int i = 0, j = 0, intersection = 0;
        while (i < detection.Length && j < groundTruth.Length)
        {
            if (detection[i] == groundTruth[j]) { intersection++; i++; j++; }
            else if (detection[i] < groundTruth[j]) i++;
            else j++;
        }
        double union = crowd ? detection.Length : detection.Length + groundTruth.Length - intersection;
        return union == 0 ? 0 : intersection / union;
    }

    /// <summary>The metrics over every image added.</summary>
    public CocoMaskMetrics Compute()
    {
        double Mean(int areaIndex, Func<int, bool> threshold, int? onlyCategory = null)
        {
            double sum = 0;
            int n = 0;
            foreach (int category in categories)
            {
                if (onlyCategory is { } c && c != category) continue;
                if (!evidence.TryGetValue((category, areaIndex), out var e) || e.GroundTruth == 0) continue; // COCOeval's -1: left out
                for (int t = 0; t < IouThresholds.Count; t++)
                {
                    if (!threshold(t)) continue;
                    foreach (double p in InterpolatedPrecision(e, t)) { sum += p; n++; }
                }
            }
            return n == 0 ? double.NaN : sum / n;
        }
        var perCategory = categories.Order().ToDictionary(c => c, c => Mean(0, _ => true, c));
        return new CocoMaskMetrics(Mean(0, _ => true), Mean(0, t => t == 0), Mean(0, t => t == 5),
            Mean(1, _ => true), Mean(2, _ => true), Mean(3, _ => true), perCategory, ImageCount);
    }

    /// <summary>Precision at the 101 recall points for threshold <paramref name="t"/>, made monotone as COCOeval does.</summary>
    private static double[] InterpolatedPrecision(Evidence e, int t)
    {
        int[] rank = Enumerable.Range(0, e.Scores.Count).OrderByDescending(i => e.Scores[i]).ThenBy(i => i).ToArray();
        var recall = new List<double>();
        var precision = new List<double>();
        int tp = 0, fp = 0;
        foreach (int i in rank)
        {
            if (e.Ignored[i][t]) continue;
            if (e.Matched[i][t]) tp++; else fp++;
            recall.Add((double)tp / e.GroundTruth);
            precision.Add(tp / (tp + fp + NumpySpacingOfOne));
        }
        for (int i = precision.Count - 1; i > 0; i--)
            if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
        var q = new double[RecallPoints];
        for (int r = 0; r < RecallPoints; r++)
        {
            double target = r / 100.0;
            int at = recall.FindIndex(v => v >= target); // numpy's searchsorted(side="left") on a non-decreasing array
            if (at >= 0) q[r] = precision[at];
        }
        return q;
    }
}
