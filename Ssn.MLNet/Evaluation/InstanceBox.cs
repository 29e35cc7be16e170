using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Tight axis-aligned box of an instance mask, in pixels, with inclusive edges: a one-pixel mask at (x, y) has
/// Left = Right = x and Top = Bottom = y. This is the convention of ML.NET's object detection columns
/// (<c>[left, top, right, bottom]</c>, width = right − left + 1).
/// </summary>
/// <param name="Left">Smallest column.</param>
/// <param name="Top">Smallest row.</param>
/// <param name="Right">Largest column (inclusive).</param>
/// <param name="Bottom">Largest row (inclusive).</param>
public readonly record struct InstanceBox(int Left, int Top, int Right, int Bottom)
{
    /// <summary>Box width in pixels (Right − Left + 1).</summary>
    public int Width => Right - Left + 1;

    /// <summary>Box height in pixels (Bottom − Top + 1).</summary>
    public int Height => Bottom - Top + 1;

    /// <summary>The box as <c>[left, top, right, bottom]</c>, the layout of ML.NET's bounding-box vector columns.</summary>
    public float[] ToLeftTopRightBottom() => new float[] { Left, Top, Right, Bottom };

    /// <summary>The box of a mask given as row-major pixel indices.</summary>
    /// <param name="pixelIndices">Row-major indices (y·width + x); must not be empty.</param>
    /// <param name="width">Image width.</param>
    public static InstanceBox FromPixelIndices(ReadOnlySpan<int> pixelIndices, int width)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be positive.");
        if (pixelIndices.IsEmpty) throw new ArgumentException("An empty mask has no box.", nameof(pixelIndices));
        int l = int.MaxValue, t = int.MaxValue, r = int.MinValue, b = int.MinValue;
        foreach (int i in pixelIndices)
        {
            if (i < 0) throw new ArgumentException($"Pixel index {i} is negative.", nameof(pixelIndices));
            int y = i / width, x = i - y * width;
            if (x < l) l = x;
            if (x > r) r = x;
            if (y < t) t = y;
            if (y > b) b = y;
        }
        return new InstanceBox(l, t, r, b);
    }

    /// <summary>The box of a predicted instance.</summary>
    /// <param name="instance">A non-empty prediction.</param>
    /// <param name="width">Image width.</param>
    public static InstanceBox FromPrediction(PredictedInstance instance, int width)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return FromPixelIndices(instance.PixelIndices, width);
    }

    /// <summary>
    /// The boxes of every annotated instance (value ≥ 1000) in a Cityscapes instance map, with the instance's train id
    /// (255 for classes ignored in evaluation, such as caravan), ordered by instance id. Group regions (plain label
    /// ids) get no box.
    /// </summary>
    /// <param name="groundTruthInstanceIds">Cityscapes instance map, row-major.</param>
    /// <param name="width">Image width.</param>
    public static IReadOnlyList<(int InstanceId, int TrainId, InstanceBox Box)> FromInstanceMap(ReadOnlySpan<int> groundTruthInstanceIds, int width)
    {
        if (width <= 0 || groundTruthInstanceIds.Length % width != 0)
            throw new ArgumentException($"The instance map has {groundTruthInstanceIds.Length} values, not a multiple of the width {width}.", nameof(groundTruthInstanceIds));
        var boxes = new SortedDictionary<int, (int L, int T, int R, int B)>();
        for (int i = 0; i < groundTruthInstanceIds.Length; i++)
        {
            int id = groundTruthInstanceIds[i];
            if (id < CityscapesLabels.InstanceIdDivisor) continue;
            int y = i / width, x = i - y * width;
            boxes[id] = boxes.TryGetValue(id, out var bx)
                ? (Math.Min(bx.L, x), Math.Min(bx.T, y), Math.Max(bx.R, x), Math.Max(bx.B, y))
                : (x, y, x, y);
        }
        return boxes.Select(kv =>
        {
            int labelId = kv.Key / CityscapesLabels.InstanceIdDivisor;
            int trainId = labelId < CityscapesLabels.LabelIdToTrainId.Count ? CityscapesLabels.LabelIdToTrainId[labelId] : CityscapesLabels.IgnoreTrainId;
            return (kv.Key, trainId, new InstanceBox(kv.Value.L, kv.Value.T, kv.Value.R, kv.Value.B));
        }).ToArray();
    }
}
