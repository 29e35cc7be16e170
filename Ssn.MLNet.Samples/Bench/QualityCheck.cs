using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Onnx;
using Ssn.MLNet.Trainers;
using static TorchSharp.torch;

namespace Ssn.MLNet.Samples.Bench;

/// <summary>
/// mIoU of each backend against the synthetic validation split, after a short training of the paper's network on the
/// synthetic training split: the accuracy cost of bf16 and int8 against fp32.
/// </summary>
public static class QualityCheck
{
    /// <summary>Trains for <paramref name="epochs"/> epochs and evaluates every backend; returns the figures for the JSON.</summary>
    public static Dictionary<string, object> Run(int epochs, int threads, TextWriter log)
    {
        const int width = 512, height = 256, trainCount = 48, valCount = 16, seed = 5;
        string root = Path.Combine(Path.GetTempPath(), $"ssn-bench-quality-{Guid.NewGuid():N}");
        try
        {
            var ml = new MLContext(seed: 1);
            var synthetic = new SyntheticCityscapesOptions { Width = width, Height = height, TrainCount = trainCount, ValCount = valCount, Seed = seed };
            var train = ml.Segmentation().Data.LoadSyntheticCityscapes(root, synthetic, "train");
            log.WriteLine($"quality: training the default network {epochs} epochs on {trainCount} synthetic {width}×{height} images…");
            var start = DateTime.UtcNow;
            using var model = ml.Segmentation().Trainers.SpatialSampling(new SpatialSamplingTrainerOptions
            {
                Epochs = epochs, BatchSize = 8, LearningRate = 5e-3, Seed = 2, KeepBestModel = false, NumberOfThreads = threads,
            }).Fit(train);
            log.WriteLine($"  trained in {(DateTime.UtcNow - start).TotalSeconds:F0} s");

            var generator = new SyntheticCityscapesGenerator(synthetic);
            var normalization = model.Normalization;
            var val = Enumerable.Range(0, valCount).Select(i =>
            {
                var scene = generator.Render("val", i);
                var chw = new float[3 * height * width];
                normalization.ToChw(scene.Image, chw);
                var truth = scene.LabelIds.Data.Select(id => CityscapesLabels.LabelIdToTrainId[id]).ToArray();
                return (Image: chw, Truth: truth);
            }).ToList();
            var calibration = BenchRunner.SyntheticImages("train", 8, height, width, seed);

            var network = model.Model; // trained with the default Architecture/Decoder: always the SSN
            using var fp32 = new SegmentationPredictor(network);
            using var bf16 = new SegmentationPredictor(network, null, InferencePrecision.BFloat16);
            using var ortFp32 = SsnOnnxExporter.ToOnnxPredictor(network);
            using var ortInt8 = new SsnOnnxPredictor(SsnOnnxExporter.ExportInt8(network, calibration, height, width,
                new SsnOnnxExportOptions { FullResolutionOutputs = false }));
            using var ortInt8MinMax = new SsnOnnxPredictor(SsnOnnxExporter.ExportInt8(network, calibration, height, width,
                new SsnOnnxExportOptions { FullResolutionOutputs = false }, percentile: 100));
            var backends = new (string Name, Func<float[], byte[]> Predict)[]
            {
                ("torchsharp-fp32", img => { using var t = tensor(img, new long[] { 1, 3, height, width }); return fp32.Predict(t)[0].Labels; }),
                ("torchsharp-bf16", img => { using var t = tensor(img, new long[] { 1, 3, height, width }); return bf16.Predict(t)[0].Labels; }),
                ("onnxruntime-fp32", img => ortFp32.Predict(img, 1, height, width)[0].Labels),
                ("onnxruntime-int8", img => ortInt8.Predict(img, 1, height, width)[0].Labels),
                ("onnxruntime-int8-minmax", img => ortInt8MinMax.Predict(img, 1, height, width)[0].Labels),
            };
            var predictions = backends.ToDictionary(b => b.Name, b => val.Select(v => b.Predict(v.Image)).ToList());
            var result = new Dictionary<string, object> { ["epochs"] = epochs, ["train_images"] = trainCount, ["val_images"] = valCount, ["size"] = $"{height}x{width}" };
            var reference = predictions["torchsharp-fp32"];
            double baseline = MeanIoU(val.Select(v => v.Truth).ToList(), reference, 19);
            foreach (var (name, labels) in predictions)
            {
                double miou = MeanIoU(val.Select(v => v.Truth).ToList(), labels, 19);
                double agreement = labels.Zip(reference).Average(p => p.First.Zip(p.Second).Count(q => q.First == q.Second) / (double)p.First.Length);
                result[$"miou_{name}"] = Math.Round(miou, 4);
                result[$"miou_loss_vs_fp32_{name}"] = Math.Round(baseline - miou, 4);
                result[$"pixel_agreement_with_fp32_{name}"] = Math.Round(agreement, 5);
                log.WriteLine($"  {name}: mIoU {miou:F4} (loss vs fp32 {baseline - miou:+0.0000;-0.0000;0.0000}), pixels equal to fp32 {agreement:P2}");
            }
            return result;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Mean over classes (with a non-empty union) of intersection over union; 255 in the truth is ignored.</summary>
    private static double MeanIoU(List<byte[]> truth, List<byte[]> predicted, int classes)
    {
        var intersection = new long[classes];
        var union = new long[classes];
        for (int i = 0; i < truth.Count; i++)
            for (int p = 0; p < truth[i].Length; p++)
            {
                int t = truth[i][p], q = predicted[i][p];
                if (t == 255) continue;
                if (t == q) { intersection[t]++; union[t]++; }
                else { union[t]++; if (q < classes) union[q]++; }
            }
        var ious = Enumerable.Range(0, classes).Where(c => union[c] > 0).Select(c => intersection[c] / (double)union[c]).ToList();
        return ious.Count == 0 ? 0 : ious.Average();
    }
}
