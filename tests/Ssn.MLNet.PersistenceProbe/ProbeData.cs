using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Ssn.MLNet.PersistenceProbe;

/// <summary>The fixed input both the tests and the probe process transform, and how outputs are printed.</summary>
public static class ProbeData
{
    /// <summary>Length of the <see cref="ProbeRow.Features"/> vector.</summary>
    public const int FeatureCount = 4;

    /// <summary>One input row.</summary>
    public sealed class ProbeRow
    {
        /// <summary>The input vector.</summary>
        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>Five rows of fixed, non-trivial values.</summary>
    public static IDataView Create(MLContext mlContext) => mlContext.Data.LoadFromEnumerable(
        Enumerable.Range(0, 5).Select(r => new ProbeRow
        {
            Features = Enumerable.Range(0, FeatureCount).Select(i => MathF.Sin(1.7f * r + 0.3f * i) * (i + 1)).ToArray(),
        }));

    /// <summary>The float column's values as exact round-trip strings, one per row.</summary>
    public static string[] Format(IDataView view, string column) =>
        view.GetColumn<float>(column).Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray();
}
