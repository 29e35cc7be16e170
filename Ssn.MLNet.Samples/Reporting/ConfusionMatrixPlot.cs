using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Samples.Reporting;

/// <summary>
/// The confusion matrix of <see cref="SegmentationMetrics"/> as a heatmap: row = ground-truth class, column = predicted
/// class, each row normalised to the share of that class's pixels (the diagonal is the class's recall), with the
/// rounded percentage written in every cell.
/// </summary>
public static class ConfusionMatrixPlot
{
    /// <summary>Writes the heatmap as a PNG file (atomically).</summary>
    public static void Write(string path, SegmentationMetrics metrics, string title) => AtomicFile.WriteAllBytes(path, Render(metrics, title));

    /// <summary>The heatmap as PNG bytes (for a notebook or a web page).</summary>
    public static byte[] Render(SegmentationMetrics metrics, string title)
    {
        var names = metrics.ClassNames;
        int n = names.Count;
        var share = new double[n, n]; // [predicted (x), ground truth (y)], as HeatMapSeries indexes
        for (int gt = 0; gt < n; gt++)
        {
            double row = 0;
            for (int p = 0; p < n; p++) row += metrics.ConfusionMatrix[gt, p];
            row += metrics.OutOfRangePredictionCounts[gt];
            for (int p = 0; p < n; p++) share[p, n - 1 - gt] = row > 0 ? 100.0 * metrics.ConfusionMatrix[gt, p] / row : double.NaN;
        }
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Palette = OxyPalette.Interpolate(200, OxyColors.White, OxyColors.SteelBlue, OxyColors.MidnightBlue), Minimum = 0, Maximum = 100, Title = "% of the class's pixels", InvalidNumberColor = OxyColors.LightGray });
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Bottom, Title = "predicted", ItemsSource = names, Angle = -45 });
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Title = "ground truth", ItemsSource = names.Reverse().ToArray() });
        model.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = n - 1, Y0 = 0, Y1 = n - 1, Data = share, Interpolate = false, RenderMethod = HeatMapRenderMethod.Rectangles,
            LabelFormatString = "0", LabelFontSize = n > 12 ? 0.18 : 0.25,
        });
        int side = Math.Clamp(60 + 40 * n, 400, 1000);
        return ChartPng.Export(model, side + 120, side);
    }
}
