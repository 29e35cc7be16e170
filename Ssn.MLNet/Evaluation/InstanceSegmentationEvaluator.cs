using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Evaluates instance segmentation with the official Cityscapes instance-level protocol
/// (<c>cityscapesscripts/evaluation/evalInstanceLevelSemanticLabeling.py</c>); feed it one image at a time, then call
/// <see cref="GetMetrics"/>.
/// </summary>
/// <remarks>
/// <para>Per image, the ground truth is a Cityscapes instance map (<c>*gtFine_instanceIds.png</c>): a value ≥ 1000 is
/// the instance <c>labelId·1000 + k</c>; a value below 1000 is a plain label id. Classes come from these values alone;
/// no label-id map is needed. The evaluated classes are the eight instance classes that are not ignored (person,
/// rider, car, truck, bus, train, motorcycle, bicycle).</para>
/// <para>Ground-truth regions of an evaluated class are its instances and its group region (the plain label id, e.g.
/// 26 = a group of cars). Only instances (id ≥ 1000) with at least <see cref="InstanceSegmentationEvaluatorOptions.MinRegionSize"/>
/// pixels are evaluated. Void pixels are plain label ids of labels ignored in evaluation.</para>
/// <para>For each threshold t and class: a prediction matches an evaluated instance of its class when IoU &gt; t; an
/// instance matched by several predictions keeps the highest score and every other match is a false positive; an
/// instance without match is a false negative. A prediction that matches no region of its class (evaluated, group or
/// too small) is a false positive unless (void pixels + pixels on group regions + pixels on too-small instances of its
/// class) / its size &gt; t — then it is ignored (a group region that is also too small counts twice, as in the
/// script). AP per class and threshold is then computed by <see cref="CityscapesAveragePrecision"/>.</para>
/// <para>Predictions with empty masks and predictions of classes that are not evaluated are skipped, as the script
/// skips them. Not thread-safe.</para>
/// </remarks>
public sealed class InstanceSegmentationEvaluator
{
    private static readonly int[] EvalTrainIds = CityscapesLabels.InstanceTrainIds.ToArray();

    // Lookups over label ids 0..33: evaluated class index (-1 = none), and void.
    private static readonly int[] LabelToEvalClass = BuildLabelToEvalClass();
    private static readonly bool[] LabelIsVoid = Enumerable.Range(0, LabelToEvalClass.Length).Select(CityscapesEvaluation.IsVoid).ToArray();
    private static readonly bool[] LabelIsKnown = Enumerable.Range(0, LabelToEvalClass.Length).Select(id => CityscapesLabels.FromId(id) is not null).ToArray();

    private readonly int minRegionSize;
    private readonly double[] thresholds;
    private readonly List<ImageRecord> imageRecords = new();
    private readonly Dictionary<int, int> regionSlot = new();
    private int[] codeBuffer = Array.Empty<int>();
    private int[] stamp = Array.Empty<int>();
    private int stampValue;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="options">Options; default the official Cityscapes settings.</param>
    public InstanceSegmentationEvaluator(InstanceSegmentationEvaluatorOptions? options = null)
    {
        options ??= new InstanceSegmentationEvaluatorOptions();
        if (options.MinRegionSize < 0)
            throw new ArgumentException($"{nameof(InstanceSegmentationEvaluatorOptions)}.{nameof(InstanceSegmentationEvaluatorOptions.MinRegionSize)} = {options.MinRegionSize} must be >= 0.", nameof(options));
        thresholds = (options.OverlapThresholds ?? CityscapesEvaluation.OverlapThresholds).ToArray();
        if (thresholds.Length == 0 || thresholds.Any(t => !(t >= 0.5 && t < 1.0)))
            throw new ArgumentException($"{nameof(InstanceSegmentationEvaluatorOptions)}.{nameof(InstanceSegmentationEvaluatorOptions.OverlapThresholds)} must be non-empty with every value in [0.5, 1).", nameof(options));
        minRegionSize = options.MinRegionSize;
    }

    /// <summary>Train ids of the evaluated classes, in the order of the metrics' per-class arrays.</summary>
    public static IReadOnlyList<int> ClassTrainIds => EvalTrainIds;

    /// <summary>Number of images added.</summary>
    public int ImageCount => imageRecords.Count;

    /// <summary>Adds one image.</summary>
    /// <param name="groundTruthInstanceIds">Cityscapes instance map, row-major, <paramref name="width"/>·<paramref name="height"/> values.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="predictions">The predicted instances of this image (class as train id).</param>
    public void Add(ReadOnlySpan<int> groundTruthInstanceIds, int width, int height, IReadOnlyList<PredictedInstance> predictions)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (width <= 0 || height <= 0 || (long)width * height != groundTruthInstanceIds.Length)
            throw new ArgumentException($"The instance map has {groundTruthInstanceIds.Length} values, not width·height = {width}·{height}.", nameof(groundTruthInstanceIds));
        int n = groundTruthInstanceIds.Length;
        var record = new ImageRecord();
        IndexGroundTruth(groundTruthInstanceIds, record);
        MatchPredictions(n, predictions, record);
        imageRecords.Add(record);
    }

    /// <summary>Adds one image whose instance map is 16-bit, as read from <c>*gtFine_instanceIds.png</c>.</summary>
    /// <param name="groundTruthInstanceIds">Cityscapes instance map, row-major.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="predictions">The predicted instances of this image (class as train id).</param>
    public void Add(ReadOnlySpan<ushort> groundTruthInstanceIds, int width, int height, IReadOnlyList<PredictedInstance> predictions)
    {
        var ids = new int[groundTruthInstanceIds.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = groundTruthInstanceIds[i];
        Add(ids, width, height, predictions);
    }

    /// <summary>Computes AP for every class and threshold over all images added so far.</summary>
    public InstanceSegmentationMetrics GetMetrics()
    {
        int nc = EvalTrainIds.Length, nt = thresholds.Length;
        var ap = new double[nc, nt];
        var gtCounts = new int[nc];
        var predCounts = new int[nc];
        foreach (var img in imageRecords)
        {
            foreach (var g in img.Regions) if (IsEvaluated(g)) gtCounts[g.Class]++;
            foreach (var p in img.Predictions) predCounts[p.Class]++;
        }
        var scores = new List<double>();
        var isTrue = new List<bool>();
        for (int c = 0; c < nc; c++)
            for (int t = 0; t < nt; t++)
            {
                scores.Clear();
                isTrue.Clear();
                int hardFns = CollectExamples(c, thresholds[t], scores, isTrue);
                ap[c, t] = gtCounts[c] == 0 ? double.NaN
                    : predCounts[c] == 0 ? 0.0
                    : CityscapesAveragePrecision.Compute(scores, isTrue, hardFns);
            }
        var names = EvalTrainIds.Select(id => CityscapesLabels.TrainClassNames[id]).ToArray();
        return new InstanceSegmentationMetrics(names, EvalTrainIds, thresholds, ap, gtCounts, predCounts, imageRecords.Count);
    }

    private bool IsEvaluated(Region g) => g.InstanceId >= CityscapesLabels.InstanceIdDivisor && g.PixelCount >= minRegionSize;

    /// <summary>Builds the examples of class <paramref name="c"/> at <paramref name="threshold"/>; returns the hard false negatives.</summary>
    private int CollectExamples(int c, double threshold, List<double> scores, List<bool> isTrue)
    {
        int hardFns = 0;
        foreach (var img in imageRecords)
        {
            foreach (var g in img.Regions)
            {
                if (g.Class != c || !IsEvaluated(g)) continue;
                bool matched = false;
                double best = double.NegativeInfinity;
                foreach (var (pi, inter) in g.Matches)
                {
                    var p = img.Predictions[pi];
                    if (Overlap(inter, g.PixelCount, p.PixelCount) <= threshold) continue;
                    if (!matched) { matched = true; best = p.Confidence; continue; }
                    scores.Add(Math.Min(best, p.Confidence));
                    isTrue.Add(false);
                    best = Math.Max(best, p.Confidence);
                }
                if (matched) { scores.Add(best); isTrue.Add(true); }
                else hardFns++;
            }
            foreach (var p in img.Predictions)
            {
                if (p.Class != c) continue;
                bool foundRegion = false;
                foreach (var (gi, inter) in p.Matches)
                    if (Overlap(inter, img.Regions[gi].PixelCount, p.PixelCount) > threshold) { foundRegion = true; break; }
                if (foundRegion) continue;
                long ignored = p.VoidIntersection;
                foreach (var (gi, inter) in p.Matches)
                {
                    var g = img.Regions[gi];
                    if (g.InstanceId < CityscapesLabels.InstanceIdDivisor) ignored += inter;
                    if (g.PixelCount < minRegionSize) ignored += inter;
                }
                if ((double)ignored / p.PixelCount <= threshold) { scores.Add(p.Confidence); isTrue.Add(false); }
            }
        }
        return hardFns;
    }

    private static double Overlap(int intersection, int gtPixels, int predPixels) =>
        (double)intersection / (gtPixels + predPixels - intersection);

    /// <summary>One pass over the instance map: region slot (≥ 0), void (−2) or nothing (−1) per pixel, and region sizes.</summary>
    private void IndexGroundTruth(ReadOnlySpan<int> ids, ImageRecord record)
    {
        if (codeBuffer.Length < ids.Length) codeBuffer = new int[ids.Length];
        regionSlot.Clear();
        int lastId = int.MinValue, lastCode = -1;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (id != lastId)
            {
                lastId = id;
                if (!regionSlot.TryGetValue(id, out lastCode))
                {
                    lastCode = Classify(id, i, record);
                    regionSlot[id] = lastCode;
                }
            }
            codeBuffer[i] = lastCode;
            if (lastCode >= 0) record.Regions[lastCode].PixelCount++;
        }
    }

    private static int Classify(int id, int pixel, ImageRecord record)
    {
        int labelId = id < CityscapesLabels.InstanceIdDivisor ? id : id / CityscapesLabels.InstanceIdDivisor;
        if (id < 0 || labelId >= LabelIsKnown.Length || !LabelIsKnown[labelId])
            throw new ArgumentException($"Instance map pixel {pixel} has value {id}, whose label id {labelId} is not a Cityscapes label id.", "groundTruthInstanceIds");
        if (id < CityscapesLabels.InstanceIdDivisor && LabelIsVoid[labelId]) return -2;
        int cls = LabelToEvalClass[labelId];
        if (cls < 0) return -1;
        record.Regions.Add(new Region(id, cls));
        return record.Regions.Count - 1;
    }

    private void MatchPredictions(int n, IReadOnlyList<PredictedInstance> predictions, ImageRecord record)
    {
        if (stamp.Length < n) { stamp = new int[n]; stampValue = 0; }
        var inter = new int[record.Regions.Count];
        var touched = new List<int>();
        for (int pi = 0; pi < predictions.Count; pi++)
        {
            var pred = predictions[pi] ?? throw new ArgumentException($"Prediction {pi} is null.", nameof(predictions));
            int cls = Array.IndexOf(EvalTrainIds, pred.TrainId);
            if (cls < 0 || pred.PixelCount == 0) continue;
            if (++stampValue == int.MaxValue) { Array.Clear(stamp); stampValue = 1; }
            var rec = new PredictionRecord(cls, pred.Confidence, pred.PixelCount);
            int predIndex = record.Predictions.Count;
            touched.Clear();
            foreach (int px in pred.PixelIndices)
            {
                if ((uint)px >= (uint)n)
                    throw new ArgumentException($"Prediction {pi} has pixel index {px}, outside the image of {n} pixels.", nameof(predictions));
                if (stamp[px] == stampValue)
                    throw new ArgumentException($"Prediction {pi} lists pixel index {px} twice.", nameof(predictions));
                stamp[px] = stampValue;
                int code = codeBuffer[px];
                if (code == -2) rec.VoidIntersection++;
                else if (code >= 0 && record.Regions[code].Class == cls)
                {
                    if (inter[code]++ == 0) touched.Add(code);
                }
            }
            foreach (int gi in touched)
            {
                rec.Matches.Add((gi, inter[gi]));
                record.Regions[gi].Matches.Add((predIndex, inter[gi]));
                inter[gi] = 0;
            }
            record.Predictions.Add(rec);
        }
    }

    private static int[] BuildLabelToEvalClass()
    {
        var map = new int[CityscapesLabels.All.Max(l => l.Id) + 1];
        Array.Fill(map, -1);
        foreach (var l in CityscapesLabels.All)
            if (l.Id >= 0 && l.HasInstances && !l.IgnoreInEval)
                map[l.Id] = Array.IndexOf(EvalTrainIds, l.TrainId);
        return map;
    }

    private sealed class ImageRecord
    {
        public List<Region> Regions { get; } = new();
        public List<PredictionRecord> Predictions { get; } = new();
    }

    /// <summary>A ground-truth region of an evaluated class: an instance (id ≥ 1000) or a group (plain label id).</summary>
    private sealed class Region(int instanceId, int cls)
    {
        public int InstanceId { get; } = instanceId;
        public int Class { get; } = cls;
        public int PixelCount { get; set; }
        public List<(int Prediction, int Intersection)> Matches { get; } = new();
    }

    private sealed class PredictionRecord(int cls, double confidence, int pixelCount)
    {
        public int Class { get; } = cls;
        public double Confidence { get; } = confidence;
        public int PixelCount { get; } = pixelCount;
        public int VoidIntersection { get; set; }
        public List<(int Region, int Intersection)> Matches { get; } = new();
    }
}
