using System.Globalization;
using System.Text;

namespace Ssn.MLNet.Evaluation;

/// <summary>
/// Pixel counts of a semantic segmentation evaluation: row = ground-truth class, column = predicted class, over pixels
/// whose ground truth is not ignored (as ML.NET's <c>ConfusionMatrix</c> of multiclass metrics, with class names and a
/// formatted table). Serialises as JSON (<see cref="Counts"/> is a list of rows).
/// </summary>
public sealed class SegmentationConfusionMatrix
{
    private readonly long[] counts;

    internal SegmentationConfusionMatrix(IReadOnlyList<string> classNames, long[] rowMajorCounts)
    {
        ClassNames = classNames;
        counts = rowMajorCounts;
        int c = classNames.Count;
        Counts = Enumerable.Range(0, c).Select(g => (IReadOnlyList<long>)counts.AsSpan(g * c, c).ToArray()).ToArray();
        PerClassPrecision = Enumerable.Range(0, c).Select(p => Ratio(this[p, p], Enumerable.Range(0, c).Sum(g => this[g, p]))).ToArray();
        PerClassRecall = Enumerable.Range(0, c).Select(g => Ratio(this[g, g], Counts[g].Sum())).ToArray();
    }

    /// <summary>Class names, indexed by class (train id).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The number of classes (rows and columns).</summary>
    public int NumberOfClasses => ClassNames.Count;

    /// <summary>The counts, <c>Counts[truth][predicted]</c>.</summary>
    public IReadOnlyList<IReadOnlyList<long>> Counts { get; }

    /// <summary>Pixels of ground-truth class <paramref name="truth"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int truth, int predicted] => counts[truth * NumberOfClasses + predicted];

    /// <summary>Per predicted class: correct / all pixels predicted as that class (NaN when none was).</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>Per ground-truth class: correct / pixels of that class in this matrix (NaN when none). Predictions outside
    /// the classes are not in the matrix (see <see cref="SegmentationMetrics.OutOfRangePredictionCounts"/>).</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary>The matrix as a text table with class names, recall per row and precision per column (as ML.NET's
    /// <c>ConfusionMatrix.GetFormattedConfusionTable()</c>).</summary>
    public string GetFormattedConfusionTable()
    {
        int c = NumberOfClasses;
        var names = ClassNames.Select(n => n.Length > 12 ? n[..12] : n).ToArray();
        int nameWidth = Math.Max(9, names.Max(n => n.Length));
        int cell = Math.Max(7, Enumerable.Range(0, c * c).Select(i => counts[i].ToString(CultureInfo.InvariantCulture).Length).DefaultIfEmpty(1).Max() + 1);
        cell = Math.Max(cell, names.Max(n => n.Length) + 1);
        var sb = new StringBuilder();
        string rule = new string(' ', nameWidth) + " ||" + new string('=', (cell + 2) * c + 8);
        sb.AppendLine("Confusion table (pixels)");
        sb.AppendLine(rule);
        sb.Append("PREDICTED".PadLeft(nameWidth)).Append(" ||");
        foreach (var n in names) sb.Append(n.PadLeft(cell)).Append(" |");
        sb.AppendLine(" Recall");
        sb.Append("TRUTH".PadRight(nameWidth)).AppendLine(rule[nameWidth..]);
        for (int g = 0; g < c; g++)
        {
            sb.Append(names[g].PadLeft(nameWidth)).Append(" ||");
            for (int p = 0; p < c; p++) sb.Append(this[g, p].ToString(CultureInfo.InvariantCulture).PadLeft(cell)).Append(" |");
            sb.Append(' ').AppendLine(Format(PerClassRecall[g]));
        }
        sb.AppendLine(rule);
        sb.Append("Precision".PadLeft(nameWidth)).Append(" ||");
        foreach (double precision in PerClassPrecision) sb.Append(Format(precision).PadLeft(cell)).Append(" |");
        sb.AppendLine();
        return sb.ToString();
    }

    /// <summary>The counts as a <c>long[C, C]</c> (for callers that index a 2-D array).</summary>
    internal long[,] ToArray()
    {
        int c = NumberOfClasses;
        var a = new long[c, c];
        for (int g = 0; g < c; g++)
            for (int p = 0; p < c; p++) a[g, p] = this[g, p];
        return a;
    }

    private static double Ratio(long n, long d) => d == 0 ? double.NaN : (double)n / d;

    private static string Format(double v) => double.IsNaN(v) ? "NaN" : v.ToString("0.0000", CultureInfo.InvariantCulture);
}
