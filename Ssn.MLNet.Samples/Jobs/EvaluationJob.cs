using System.Diagnostics;
using Microsoft.ML;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.InstanceFormats;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.ResultFiles;
using Ssn.MLNet.Transforms;
using Ssn.MLNet.Visualization;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>
/// One streaming pass of a trained model over a labelled dataset: accumulates the semantic metrics (and, for Cityscapes
/// data with instances, AP by the official protocol), writes overlays (prediction next to ground truth) and the
/// Cityscapes results files, then times single-image inference. Memory stays at one batch of images.
/// </summary>
internal sealed record EvaluationJob
{
    /// <summary>Folder for overlay PNGs, or null for none.</summary>
    public string? OverlayDirectory { get; init; }

    /// <summary>At most this many overlays (the first images in order).</summary>
    public int MaxOverlays { get; init; } = int.MaxValue;

    /// <summary>Root of the Cityscapes results (<c>pixel/</c>, <c>instance/</c>), or null; only for Cityscapes-class models.</summary>
    public string? CityscapesResultsDirectory { get; init; }

    /// <summary>COCO results JSON to write (labelling-tool data only: image and category ids of the dataset), or null.</summary>
    public string? CocoResultsPath { get; init; }

    /// <summary>Called after each image with (done, total).</summary>
    public Action<int, int>? Progress { get; init; }

    /// <summary>Single-image predictions timed (after two warm-up runs); the median is reported.</summary>
    public int TimingRuns { get; init; } = 10;

    /// <summary>Evaluates <paramref name="model"/> (TorchSharp or ONNX Runtime transformer) predicting <paramref name="classNames"/>.</summary>
    public EvaluationReport Run(MLContext ml, ITransformer model, IReadOnlyList<string> classNames, SegmentationDataSource data, CancellationToken token = default)
    {
        if (!data.ClassNames.SequenceEqual(classNames))
            throw new InvalidDataException($"The model predicts {classNames.Count} classes ({string.Join(", ", classNames.Take(4))}, …) but the dataset has {data.ClassNames.Count} ({string.Join(", ", data.ClassNames.Take(4))}, …).");
        // Labelling-tool data (COCO, YOLO) and instance folders are scored by COCO's mask AP; Cityscapes data by its protocol.
        var evaluator = data is InstanceDataSource or ImageFolderDataSource { HasInstances: true }
            ? new SegmentationEvaluator(classNames, new SegmentationEvaluatorOptions
            {
                AveragePrecision = true, InstanceProtocol = InstanceProtocol.Coco, InstanceColumnName = SegmentationColumns.InstanceIds,
            })
            : SegmentationEvaluator.For(classNames, data.HasInstances);
        bool cityscapes = classNames.SequenceEqual(CityscapesLabels.TrainClassNames);
        var results = cityscapes && CityscapesResultsDirectory is not null ? new CityscapesResultsWriter(CityscapesResultsDirectory) : null;
        var overlay = new OverlayOptions { Palette = SegmentationPalette.For(classNames) };
        int done = 0, overlays = 0;
        if (CocoResultsPath is not null && data is not InstanceDataSource)
            throw new InvalidOperationException("COCO results files name the dataset's image and category ids: they need COCO or YOLO data.");
        var cocoResults = new List<CocoResult>();
        var measured = evaluator.Evaluate(model.Transform(data), image =>
        {
            string imagePath = image.ImagePath!;
            if (CocoResultsPath is not null && data is InstanceDataSource instances)
            {
                int row = instances.RowOf(imagePath);
                foreach (var p in PredictedInstance.FromInstanceMap(image.PredictedInstanceIds!, image.InstanceClasses!, image.InstanceScores!))
                {
                    if (p.TrainId < 1) continue; // background is no category
                    var (imageId, categoryId) = instances.CocoIds(row, p.TrainId);
                    cocoResults.Add(new CocoResult(imageId, categoryId, (float)p.Confidence, p.PixelIndices.ToArray(), image.Width, image.Height));
                }
            }
            results?.Write(imagePath, image.Predicted, image.Width, image.Height, image.PredictedInstanceIds!, image.InstanceClasses!, image.InstanceScores!);
            if (OverlayDirectory is not null && overlays < MaxOverlays)
            {
                var rgb = ImageFile.ReadRgb(imagePath);
                var panel = SegmentationOverlay.SideBySide(new[]
                {
                    SegmentationOverlay.Render(rgb, image.Predicted, image.PredictedInstanceIds, overlay),
                    SegmentationOverlay.Render(rgb, image.Truth, image.TruthInstanceIds is { } gtIds ? SegmentationOverlay.GroundTruthInstances(gtIds) : default, overlay),
                });
                ImageFile.WriteRgbPng(Path.Combine(OverlayDirectory, Path.GetFileNameWithoutExtension(imagePath) + "_overlay.png"), panel);
                overlays++;
            }
            Progress?.Invoke(++done, data.Count);
        }, token);
        if (CocoResultsPath is not null) CocoResults.Write(CocoResultsPath, cocoResults);
        var (ms, w, h) = TimeInference(ml, model, data, TimingRuns);
        return new EvaluationReport(measured.Semantic!, measured.Instances, ms, w, h, done, overlays) { CocoInstances = measured.CocoInstances };
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
