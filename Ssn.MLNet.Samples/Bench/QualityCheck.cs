using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Evaluation;
using Ssn.MLNet.Inference;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Inference;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Samples.Bench;

/// <summary>
/// The accuracy cost of the reduced-precision backends: one trained network predicts the same labelled images through
/// TorchSharp fp32, TorchSharp with a bf16 encoder, ONNX Runtime fp32, and ONNX Runtime int8 (calibrated at the 99.99th
/// percentile, and with plain min/max ranges), and each is scored with the library's evaluation — mIoU (Cityscapes pixel
/// protocol), AP and AP50 where the data has Cityscapes instances — and by the share of pixels whose class equals fp32's.
/// The network is a trained model on a labelled dataset (<c>bench --model m.zip --data … --format …</c>, e.g. CamVid
/// val) or the paper's network trained a few epochs on synthetic scenes (<c>--quality-epochs N</c>).
/// </summary>
public static class QualityCheck
{
    /// <summary>Images used to calibrate int8 (the first of the calibration split).</summary>
    public const int CalibrationImages = 8;

    /// <summary>Trains the paper's network <paramref name="epochs"/> epochs on synthetic scenes and compares the backends on their val split.</summary>
    public static Dictionary<string, object> Run(int epochs, int threads, TextWriter log)
    {
        const int width = 512, height = 256, trainCount = 48, valCount = 16, seed = 5;
        string root = Path.Combine(Path.GetTempPath(), $"ssn-bench-quality-{Guid.NewGuid():N}");
        try
        {
            var ml = new MLContext(seed: 1);
            var synthetic = new SyntheticCityscapesOptions { Width = width, Height = height, TrainCount = trainCount, ValCount = valCount, Seed = seed };
            var train = ml.Segmentation().Data.LoadSyntheticCityscapes(root, synthetic, "train");
            log.WriteLine($"quality: training the paper's network {epochs} epochs on {trainCount} synthetic {width}×{height} images…");
            var start = DateTime.UtcNow;
            using var model = ml.Segmentation().Trainers.SpatialSampling(new SpatialSamplingTrainerOptions
            {
                Epochs = epochs, BatchSize = 8, LearningRate = 5e-3, Seed = 2, KeepBestModel = false, NumberOfThreads = threads,
            }).Fit(train);
            log.WriteLine($"  trained in {(DateTime.UtcNow - start).TotalSeconds:F0} s");
            var result = Run(model, ml.Segmentation().Data.LoadCityscapes(root, "val"), train, log);
            result["weights"] = $"the paper's network trained {epochs} epochs on {trainCount} synthetic {width}×{height} images";
            return result;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Compares the backends of a trained SSN on every image of <paramref name="data"/>.</summary>
    /// <param name="model">The trained model (an SSN: iGUM decoder, instance head); its normalisation and instance extraction options are used by every backend.</param>
    /// <param name="data">Labelled images to score; their classes must be the network's.</param>
    /// <param name="calibration">Where int8 takes its <see cref="CalibrationImages"/> calibration images (a training split; only images of the first one's size).</param>
    /// <param name="log">Progress.</param>
    public static Dictionary<string, object> Run(SpatialSamplingTransformer model, SegmentationDataSource data, SegmentationDataSource calibration, TextWriter log)
    {
        var (network, normalization, extraction) = (model.Model, model.Normalization, model.Options.InstanceExtraction);
        if (network.InstanceModule is null || network.GuidedDecoder is null)
            throw new ArgumentException("The quality check compares the Spatial Sampling Network's backends (iGUM decoder and instance head); this model is a baseline.", nameof(network));
        if (network.NumClasses != data.ClassNames.Count)
            throw new InvalidDataException($"The model predicts {network.NumClasses} classes but the dataset has {data.ClassNames.Count} ({string.Join(", ", data.ClassNames.Take(4))}, …).");
        if (data.Count == 0) throw new InvalidDataException("The dataset split to score holds no image.");

        var (calibrationImages, calH, calW) = Calibration(calibration, normalization);
        log.WriteLine($"quality: {data.Count} images, int8 calibrated on {calibrationImages.Count} images of {calW}×{calH}…");
        using var bf16 = new SegmentationPredictor(network, extraction, InferencePrecision.BFloat16);
        using var ortFp32 = SsnOnnxExporter.ToOnnxPredictor(network, extraction);
        var int8Options = new SsnOnnxExportOptions { FullResolutionOutputs = false };
        using var ortInt8 = new SsnOnnxPredictor(SsnOnnxExporter.ExportInt8(network, calibrationImages, calH, calW, int8Options), extraction);
        using var ortInt8MinMax = new SsnOnnxPredictor(SsnOnnxExporter.ExportInt8(network, calibrationImages, calH, calW, int8Options, percentile: 100), extraction);
        var backends = new (string Name, ISegmentationPredictor Predictor)[]
        {
            ("torchsharp-fp32", model.Predictor), ("torchsharp-bf16", bf16), ("onnxruntime-fp32", ortFp32), ("onnxruntime-int8", ortInt8), ("onnxruntime-int8-minmax", ortInt8MinMax),
        };

        var metrics = backends.Select(_ => SegmentationEvaluator.For(data.ClassNames, data.HasInstances)).ToArray();
        var equalPixels = new long[backends.Length];
        long pixels = 0;
        for (int row = 0; row < data.Count; row++)
        {
            var image = data.LoadImage(row);
            var chw = image.ToChw(normalization.Mean, normalization.Std);
            var truth = data.LoadLabel(row).Data;
            var truthIds = metrics[0].UsesInstances ? data.LoadInstanceIds(row).Data : null;
            byte[]? reference = null;
            for (int b = 0; b < backends.Length; b++)
            {
                var p = backends[b].Predictor.Predict(chw, 1, image.Height, image.Width)[0];
                reference ??= p.Labels;
                for (int i = 0; i < p.Labels.Length; i++) if (p.Labels[i] == reference[i]) equalPixels[b]++;
                var found = p.Instances.Instances.OrderBy(k => k.Id).ToArray();
                metrics[b].Add(new EvaluatedImage(image.Width, image.Height, truth, p.Labels, truthIds, p.Instances.InstanceIds,
                    found.Select(k => k.ClassId).ToArray(), found.Select(k => k.Score).ToArray()));
            }
            pixels += truth.Length;
        }

        var result = new Dictionary<string, object>
        {
            ["images"] = data.Count,
            ["classes"] = data.ClassNames.Count,
            ["calibration"] = $"{calibrationImages.Count} images of {calW}x{calH}",
        };
        var measured = metrics.Select(m => m.GetResult()).ToArray();
        double baseline = measured[0].Semantic!.MeanIoU;
        for (int b = 0; b < backends.Length; b++)
        {
            string name = backends[b].Name;
            double miou = measured[b].Semantic!.MeanIoU, agreement = equalPixels[b] / (double)pixels;
            result[$"miou_{name}"] = Math.Round(miou, 4);
            result[$"miou_loss_vs_fp32_{name}"] = Math.Round(baseline - miou, 4) + 0.0; // + 0.0 turns a rounded -0 into 0
            result[$"pixel_agreement_with_fp32_{name}"] = Math.Round(agreement, 5);
            string line = $"  {name}: mIoU {miou:F4} (loss vs fp32 {baseline - miou:+0.0000;-0.0000;0.0000}), pixels equal to fp32 {agreement:P2}";
            if (measured[b].Instances is { } m && double.IsFinite(m.AP))
            {
                result[$"ap_{name}"] = Math.Round(m.AP, 4);
                result[$"ap50_{name}"] = Math.Round(m.AP50, 4);
                line += $", AP {m.AP:F4}, AP50 {m.AP50:F4}";
            }
            log.WriteLine(line);
        }
        return result;
    }

    private static (List<float[]> Images, int Height, int Width) Calibration(SegmentationDataSource data, ImageNormalization normalization)
    {
        if (data.Count == 0) throw new InvalidDataException("The calibration split holds no image.");
        var (width, height) = data.ReadImageSize(0);
        var images = new List<float[]>();
        for (int row = 0; row < data.Count && images.Count < CalibrationImages; row++)
        {
            if (data.ReadImageSize(row) != (width, height)) continue;
            images.Add(data.LoadImage(row).ToChw(normalization.Mean, normalization.Std));
        }
        return (images, height, width);
    }
}
