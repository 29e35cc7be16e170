using Ssn.MLNet.Data;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Computes the average ground-truth instance size (pixels) per train-id class over a set of Cityscapes instance
/// maps, for use as <see cref="SegmentationMetricsOptions.AverageInstanceSizes"/> when the fixed official sizes
/// (<see cref="CityscapesEvaluation.AverageClassSizes"/>) do not fit the data (e.g. another resolution).
/// </summary>
public sealed class AverageInstanceSizeAccumulator
{
    private readonly long[] pixelCounts;
    private readonly long[] instanceCounts;
    private readonly Dictionary<int, bool> seen = new();

    /// <summary>Creates an accumulator for <paramref name="numberOfClasses"/> train-id classes.</summary>
    /// <param name="numberOfClasses">Number of classes; default the 19 Cityscapes train ids.</param>
    public AverageInstanceSizeAccumulator(int numberOfClasses = CityscapesLabels.NumTrainClasses)
    {
        if (numberOfClasses is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(numberOfClasses), numberOfClasses, "The number of classes must be in [1, 255].");
        pixelCounts = new long[numberOfClasses];
        instanceCounts = new long[numberOfClasses];
    }

    /// <summary>Adds the instances of one Cityscapes instance map (<c>labelId·1000 + k</c> for instances).</summary>
    /// <param name="groundTruthInstanceIds">Instance ids per pixel.</param>
    public void Add(ReadOnlySpan<int> groundTruthInstanceIds)
    {
        seen.Clear();
        for (int i = 0; i < groundTruthInstanceIds.Length; i++)
        {
            int id = groundTruthInstanceIds[i];
            if (id < CityscapesLabels.InstanceIdDivisor) continue;
            int labelId = id / CityscapesLabels.InstanceIdDivisor;
            int cls = labelId < CityscapesLabels.LabelIdToTrainId.Count ? CityscapesLabels.LabelIdToTrainId[labelId] : CityscapesLabels.IgnoreTrainId;
            if (cls >= pixelCounts.Length) continue;
            pixelCounts[cls]++;
            if (seen.TryAdd(id, true)) instanceCounts[cls]++;
        }
    }

    /// <summary>Average instance size per class; NaN for classes without any instance.</summary>
    public double[] GetAverageSizes() =>
        pixelCounts.Select((p, k) => instanceCounts[k] == 0 ? double.NaN : (double)p / instanceCounts[k]).ToArray();
}
