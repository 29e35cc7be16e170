using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Trainers;

namespace Ssn.MLNet.Samples.Reporting;

/// <summary>
/// Draws the training curve — mean loss per epoch (left axis; total, semantic and instance) and validation mean IoU
/// (right axis) — with OxyPlot and writes it as a PNG through OxyPlot's SkiaSharp exporter (SkiaSharp 2.88, the version
/// ML.NET's image support already brings; text shaping off, so no HarfBuzz native library is needed).
/// </summary>
public static class TrainingCurvePlot
{
    /// <summary>Writes the curve as a PNG file (atomically).</summary>
    public static void Write(string path, IReadOnlyList<TrainingProgress> history, string title, int width = 900, int height = 480) =>
        AtomicFile.WriteAllBytes(path, Render(history, title, width, height));

    /// <summary>The curve as PNG bytes (for a notebook or a web page).</summary>
    public static byte[] Render(IReadOnlyList<TrainingProgress> history, string title, int width = 900, int height = 480)
    {
        if (history.Count == 0) throw new ArgumentException("No epochs to plot.", nameof(history));
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.TopCenter, LegendPlacement = LegendPlacement.Inside, LegendOrientation = LegendOrientation.Horizontal });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch", Minimum = 0.5, Maximum = history.Max(h => h.Epoch) + 0.5, MajorGridlineStyle = LineStyle.Dot });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "loss", Key = "loss", Minimum = 0, MajorGridlineStyle = LineStyle.Dot });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Right, Title = "val mIoU", Key = "iou", Minimum = 0, Maximum = 1 });
        LineSeries Line(string name, OxyColor color, string axis, Func<TrainingProgress, double> value, LineStyle style = LineStyle.Solid)
        {
            var s = new LineSeries { Title = name, Color = color, YAxisKey = axis, LineStyle = style, MarkerType = MarkerType.Circle, MarkerSize = 2.5 };
            foreach (var p in history)
                if (double.IsFinite(value(p))) s.Points.Add(new DataPoint(p.Epoch, value(p)));
            return s;
        }
        model.Series.Add(Line("loss", OxyColors.Black, "loss", p => p.Loss));
        model.Series.Add(Line("semantic", OxyColors.SteelBlue, "loss", p => p.SemanticLoss, LineStyle.Dash));
        if (history.Any(p => double.IsFinite(p.InstanceLoss)))
            model.Series.Add(Line("instance", OxyColors.DarkOrange, "loss", p => p.InstanceLoss, LineStyle.Dash));
        if (history.Any(p => double.IsFinite(p.ValidationMeanIoU)))
            model.Series.Add(Line("val mIoU", OxyColors.ForestGreen, "iou", p => p.ValidationMeanIoU));
        return ChartPng.Export(model, width, height);
    }
}
