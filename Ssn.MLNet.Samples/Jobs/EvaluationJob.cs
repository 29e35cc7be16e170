using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Data;
using Ssn.MLNet.Export;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Transforms;
using Ssn.MLNet.Visualization;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>
/// One streaming pass of a trained model over a labelled dataset: accumulates the semantic metrics (and, for Cityscapes
/// data with instances, AP by the official protocol), writes overlays (prediction next to ground truth) and the
/// Cityscapes results files, then times single-image inference. Memory stays at one batch of images.
/// </summary>
internal sealed class EvaluationJob
{
    /// <summary>Folder for overlay PNGs, or null for none.</summary>
    public string? OverlayDirectory { get; init; }

    /// <summary>At most this many overlays (the first images in order).</summary>
    public int MaxOverlays { get; init; } = int.MaxValue;

    /// <summary>Root of the Cityscapes results (<c>pixel/</c>, <c>instance/</c>), or null; only for Cityscapes-class models.</summary>
    public string? CityscapesResultsDirectory { get; init; }

    /// <summary>Called after each image with (done, total).</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>Single-image predictions timed (after two warm-up runs); the median is reported.</summary>
    public int TimingRuns { get; init; } = 10;

    /// <summary>Evaluates <paramref name="model"/> (TorchSharp or ONNX Runtime transformer) predicting <paramref name="classNames"/>.</summary>
    public EvaluationReport Run(MLContext ml, ITransformer model, IReadOnlyList<string> classNames, SegmentationDataSource data, CancellationToken token = default)
    {
        if (!data.ClassNames.SequenceEqual(classNames))
            throw new InvalidDataException($"The model predicts {classNames.Count} classes ({string.Join(", ", classNames.Take(4))}, …) but the dataset has {data.ClassNames.Count} ({string.Join(", ", data.ClassNames.Take(4))}, …).");
        var metrics = new EvaluationAccumulator(classNames, data.HasInstances);
        var results = metrics.IsCityscapes && CityscapesResultsDirectory is not null ? new CityscapesResultsWriter(CityscapesResultsDirectory) : null;
        var palette = SegmentationPalette.For(classNames);
        var overlay = new OverlayOptions { Palette = palette };

        var scored = model.Transform(data);
        var s = scored.Schema;
        var columns = new List<DataViewSchema.Column> { s[SegmentationColumns.Label], s[SegmentationColumns.ImagePath], s[SegmentationColumns.Width], s[SegmentationColumns.Height],
            s[SegmentationOutputColumns.PredictedLabel], s[SegmentationOutputColumns.PredictedInstanceIds], s[SegmentationOutputColumns.InstanceClasses], s[SegmentationOutputColumns.InstanceScores] };
        if (data.HasInstances) columns.Add(s[SegmentationColumns.InstanceIds]);
        using var cursor = scored.GetRowCursor(columns);
        var getLabel = cursor.GetGetter<VBuffer<byte>>(s[SegmentationColumns.Label]);
        var getPath = cursor.GetGetter<ReadOnlyMemory<char>>(s[SegmentationColumns.ImagePath]);
        var getWidth = cursor.GetGetter<int>(s[SegmentationColumns.Width]);
        var getHeight = cursor.GetGetter<int>(s[SegmentationColumns.Height]);
        var getPredicted = cursor.GetGetter<VBuffer<byte>>(s[SegmentationOutputColumns.PredictedLabel]);
        var getIds = cursor.GetGetter<VBuffer<int>>(s[SegmentationOutputColumns.PredictedInstanceIds]);
        var getClasses = cursor.GetGetter<VBuffer<int>>(s[SegmentationOutputColumns.InstanceClasses]);
        var getScores = cursor.GetGetter<VBuffer<float>>(s[SegmentationOutputColumns.InstanceScores]);
        var getGtInstances = data.HasInstances ? cursor.GetGetter<VBuffer<int>>(s[SegmentationColumns.InstanceIds]) : null;
        VBuffer<byte> label = default, predicted = default;
        VBuffer<int> ids = default, classes = default, gtInstances = default;
        VBuffer<float> scores = default;
        ReadOnlyMemory<char> path = default;
        int width = 0, height = 0, done = 0, overlays = 0, total = data.Count;
        while (cursor.MoveNext())
        {
            token.ThrowIfCancellationRequested();
            getLabel(ref label); getPath(ref path); getWidth(ref width); getHeight(ref height);
            getPredicted(ref predicted); getIds(ref ids); getClasses(ref classes); getScores(ref scores);
            var gt = label.DenseValues().ToArray();
            var pred = predicted.DenseValues().ToArray();
            var predIds = ids.DenseValues().ToArray();
            var cls = classes.DenseValues().ToArray();
            var sc = scores.DenseValues().ToArray();
            int[]? gtIds = null;
            if (getGtInstances is not null) { getGtInstances(ref gtInstances); gtIds = gtInstances.DenseValues().ToArray(); }

            metrics.Add(gt, gtIds, width, height, pred, predIds, cls, sc);
            string imagePath = path.ToString();
            results?.Write(imagePath, pred, width, height, predIds, cls, sc);
            if (OverlayDirectory is not null && overlays < MaxOverlays)
            {
                var image = ImageFile.ReadRgb(imagePath);
                var panel = SegmentationOverlay.SideBySide(new[]
                {
                    SegmentationOverlay.Render(image, pred, predIds, overlay),
                    SegmentationOverlay.Render(image, gt, gtIds is null ? default : SegmentationOverlay.GroundTruthInstances(gtIds), overlay),
                });
                ImageFile.WriteRgbPng(Path.Combine(OverlayDirectory, Path.GetFileNameWithoutExtension(imagePath) + "_overlay.png"), panel);
                overlays++;
            }
            Progress?.Invoke(++done, total);
        }
        if (done == 0) throw new InvalidDataException("The evaluation set is empty.");
        var (ms, w, h) = TimeInference(ml, model, data, TimingRuns);
        return new EvaluationReport(metrics.Semantic, metrics.Instances, ms, w, h, done, overlays);
    }

    /// <summary>
    /// Median of <paramref name="runs"/> single-image predictions of the first image through a <c>PredictionEngine</c>
    /// (after two warm-up runs): network, class map and instance extraction, as a user's engine runs them.
    /// </summary>
    internal static (double Ms, int Width, int Height) TimeInference(MLContext ml, ITransformer model, SegmentationDataSource data, int runs)
    {
        using var image = data.LoadImage(0).ToMLImage();
        var input = new SegmentationInput { Image = image };
        using var engine = ml.Model.CreatePredictionEngine<SegmentationInput, SegmentationPrediction>(model, new PredictionEngineOptions { OwnsTransformer = false });
        var times = new List<double>();
        for (int i = 0; i < runs + 2; i++)
        {
            var sw = Stopwatch.StartNew();
            engine.Predict(input);
            if (i >= 2) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times.Count == 0 ? double.NaN : times[times.Count / 2], image.Width, image.Height);
    }
}
