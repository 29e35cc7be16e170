using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// One predicted instance for <see cref="InstanceSegmentationEvaluator"/>: a class given as a <b>train id</b> (what the
/// network predicts), a confidence, and the mask as the row-major indices (y·width + x) of its pixels. The Cityscapes
/// result files use label ids instead; convert with <see cref="FromLabelId"/> or
/// <see cref="CityscapesLabels.TrainIdToLabelId"/>.
/// </summary>
public sealed class PredictedInstance
{
    private readonly int[] mask;

    /// <summary>Creates a prediction from pixel indices.</summary>
    /// <param name="trainId">Predicted train id. Classes that are not Cityscapes instance classes are skipped by the evaluator, as the official script skips such labels.</param>
    /// <param name="confidence">Confidence score; must not be NaN. Higher means more confident.</param>
    /// <param name="pixelIndices">Distinct row-major pixel indices of the mask. The array is kept, not copied.</param>
    public PredictedInstance(int trainId, double confidence, int[] pixelIndices)
    {
        ArgumentNullException.ThrowIfNull(pixelIndices);
        if (double.IsNaN(confidence))
            throw new ArgumentException("The confidence must not be NaN.", nameof(confidence));
        TrainId = trainId;
        Confidence = confidence;
        mask = pixelIndices;
    }

    /// <summary>Predicted class as a train id.</summary>
    public int TrainId { get; }

    /// <summary>Confidence score used to rank predictions.</summary>
    public double Confidence { get; }

    /// <summary>Row-major indices of the mask's pixels.</summary>
    public ReadOnlySpan<int> PixelIndices => mask;

    /// <summary>Number of mask pixels.</summary>
    public int PixelCount => mask.Length;

    /// <summary>
    /// The instances of one image as a Spatial Sampling transformer's columns give them: an instance-id map (value k + 1
    /// = instance k, 0 = none) and the class and score of every listed instance, in id order.
    /// </summary>
    /// <exception cref="ArgumentException">An id outside [0, number of instances], or classes and scores of different lengths.</exception>
    public static List<PredictedInstance> FromInstanceMap(ReadOnlySpan<int> instanceIds, ReadOnlySpan<int> classes, ReadOnlySpan<float> scores)
    {
        if (classes.Length != scores.Length)
            throw new ArgumentException($"{classes.Length} instance classes but {scores.Length} scores.");
        var pixels = new List<int>[classes.Length];
        for (int k = 0; k < pixels.Length; k++) pixels[k] = new List<int>();
        for (int p = 0; p < instanceIds.Length; p++)
        {
            int id = instanceIds[p];
            if (id < 0 || id > pixels.Length)
                throw new ArgumentException($"holds instance id {id}, but only {pixels.Length} instances are listed.");
            if (id > 0) pixels[id - 1].Add(p);
        }
        var list = new List<PredictedInstance>(pixels.Length);
        for (int k = 0; k < pixels.Length; k++) list.Add(new PredictedInstance(classes[k], scores[k], pixels[k].ToArray()));
        return list;
    }

    /// <summary>Creates a prediction from a dense binary mask (<c>true</c> = in the instance).</summary>
    /// <param name="trainId">Predicted train id.</param>
    /// <param name="confidence">Confidence score.</param>
    /// <param name="mask">Row-major mask of the whole image.</param>
    public static PredictedInstance FromMask(int trainId, double confidence, ReadOnlySpan<bool> mask)
    {
        var list = new List<int>();
        for (int i = 0; i < mask.Length; i++) if (mask[i]) list.Add(i);
        return new PredictedInstance(trainId, confidence, list.ToArray());
    }

    /// <summary>Creates a prediction from a dense mask where any non-zero byte is in the instance (as in the result PNGs).</summary>
    /// <param name="trainId">Predicted train id.</param>
    /// <param name="confidence">Confidence score.</param>
    /// <param name="mask">Row-major mask of the whole image.</param>
    public static PredictedInstance FromMask(int trainId, double confidence, ReadOnlySpan<byte> mask)
    {
        var list = new List<int>();
        for (int i = 0; i < mask.Length; i++) if (mask[i] != 0) list.Add(i);
        return new PredictedInstance(trainId, confidence, list.ToArray());
    }

    /// <summary>
    /// Creates a prediction whose class is a Cityscapes <b>label id</b> (as written in result <c>.txt</c> files); it is
    /// converted with <see cref="CityscapesLabels.LabelIdToTrainId"/> (labels without a train id become 255 and are skipped).
    /// </summary>
    /// <param name="labelId">Cityscapes label id, e.g. 26 for car.</param>
    /// <param name="confidence">Confidence score.</param>
    /// <param name="pixelIndices">Distinct row-major pixel indices of the mask.</param>
    public static PredictedInstance FromLabelId(int labelId, double confidence, int[] pixelIndices) =>
        new(labelId is >= 0 and < 256 ? CityscapesLabels.LabelIdToTrainId[labelId] : CityscapesLabels.IgnoreTrainId,
            confidence, pixelIndices);
}
