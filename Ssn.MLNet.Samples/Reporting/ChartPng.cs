using OxyPlot;
using OxyPlot.SkiaSharp;

namespace Ssn.MLNet.Samples.Reporting;

/// <summary>
/// OxyPlot model → PNG bytes through OxyPlot's SkiaSharp exporter (SkiaSharp 2.88, the version ML.NET's image support
/// already brings; text shaping off, so no HarfBuzz native library is needed).
/// </summary>
internal static class ChartPng
{
    public static byte[] Export(PlotModel model, int width, int height)
    {
        var exporter = new PngExporter { Width = width, Height = height, UseTextShaping = false };
        using var buffer = new MemoryStream();
        exporter.Export(model, buffer);
        return buffer.ToArray();
    }
}
