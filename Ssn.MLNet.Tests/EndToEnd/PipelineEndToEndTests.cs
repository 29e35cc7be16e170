using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Samples.Bench;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Transforms;

namespace Ssn.MLNet.Tests.EndToEnd;

/// <summary>
/// The whole product on a small generated Cityscapes-format set: load → fit → transform → evaluate → save → load in
/// a new context → same predictions. Shared by the tests of this class (training once).
/// </summary>
[TestClass]
[DoNotParallelize] // training seeds libtorch's process-wide generator: another class training beside it would change the weights
public sealed class PipelineEndToEndTests
{
    private static string root = "";
    private static MLContext ml = null!;
    private static IDataView train = null!, val = null!;
    private static SpatialSamplingTransformer model = null!;
    private static List<TrainingProgress> progress = new();

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        root = Path.Combine(Path.GetTempPath(), $"ssn-e2e-{Guid.NewGuid():N}");
        ml = new MLContext(seed: 1);
        var synthetic = new SyntheticCityscapesOptions { Width = 128, Height = 64, TrainCount = 24, ValCount = 24, Seed = 3 };
        train = ml.Segmentation().Data.LoadSyntheticCityscapes(root, synthetic, "train");
        val = ml.Segmentation().Data.LoadCityscapes(root, "val", (128, 64));
        var options = new SpatialSamplingTrainerOptions
        {
            Epochs = 12, BatchSize = 4, LearningRate = 5e-3, Seed = 2,
            Network = SsnNetworkOptions.Tiny(19) with { SamplingSteps = 10 },
            Augmentation = new AugmentationOptions { MinScale = 1, MaxScale = 1.25f },
            ValidationSet = val,
            Progress = new CollectingProgress(),
        };
        model = ml.Segmentation().Trainers.SpatialSampling(options).Fit(train);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        model?.Dispose();
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [TestMethod]
    public void TrainingLowersTheLossAndReportsEveryEpoch()
    {
        var history = progress.OrderBy(p => p.Epoch).ToList();
        Assert.AreEqual(12, history.Count);
        Assert.IsTrue(history[^1].Loss < 0.7 * history[0].Loss, $"loss {history[0].Loss:F3} → {history[^1].Loss:F3}");
        Assert.IsTrue(history.All(p => !double.IsNaN(p.InstanceLoss) && !double.IsNaN(p.ValidationMeanIoU)));
        Assert.IsTrue(history[^1].LearningRate < history[0].LearningRate, "poly schedule");
    }

    [TestMethod]
    public void EvaluationBeatsAConstantPredictionClearly()
    {
        var scored = model.Transform(val);
        var metrics = ml.Segmentation().Evaluate(scored);
        // Baseline: predict the most frequent class everywhere, evaluated the same way.
        var constant = ml.Segmentation().Evaluate(ConstantPrediction(val, road: 0), classNames: metrics.ClassNames);
        Console.WriteLine($"val mIoU {metrics.MeanIoU:F3} (constant baseline {constant.MeanIoU:F3}), pixel acc {metrics.PixelAccuracy:F3}, class acc {metrics.MeanClassAccuracy:F3}");
        Assert.IsTrue(metrics.MeanIoU > 2 * constant.MeanIoU, $"mIoU {metrics.MeanIoU:F3} vs constant {constant.MeanIoU:F3}");
        Assert.IsTrue(metrics.PixelAccuracy > 0.6, $"pixel accuracy {metrics.PixelAccuracy:F3}");

        var instances = ml.Segmentation().EvaluateInstances(scored);
        Console.WriteLine($"AP {instances.AP:F3}, AP50 {instances.AP50:F3} over {instances.ImageCount} images; predictions {string.Join(",", instances.PerClassPredictionCount)}; gt {string.Join(",", instances.PerClassGroundTruthCount)}");
        Assert.AreEqual(24, instances.ImageCount);
        Assert.IsFalse(double.IsNaN(instances.AP), "AP must be computed (the val split has instances)");
        // Seeded and run alone, this training is deterministic on one CPU, but not across CPUs: with 6 val images (5
        // ground-truth instances) AP50 was 0.003 on the AVX2 machine of 2026-11-27 and exactly 0 on the AVX-512 one of
        // 2026-12-07. With 24 val images (22 instances) it is 0.027 there. Above zero means at least one predicted
        // instance (threshold extraction of the learned centres) matches a ground-truth instance at IoU 0.5; a broken
        // instance path (no instances, or instances unrelated to the objects) scores exactly 0.
        Assert.IsGreaterThan(0.0, instances.AP50, "no predicted instance matches a ground-truth instance at IoU 0.5");

        var boxes = ml.Segmentation().EvaluateBoxes(scored);
        Console.WriteLine($"box mAP50 {boxes.MAP50:F3}, mAP50:95 {boxes.MAP50_95:F3} (ML.NET object-detection protocol)");
        Assert.IsTrue(boxes.MAP50 is >= 0 and <= 1);
    }

    /// <summary>
    /// The reduced-precision ONNX backends on this trained network (not a random one): ONNX Runtime fp32 and int8
    /// (calibrated on 4 training images) against TorchSharp fp32 on the val split, through the transformers.
    /// </summary>
    [TestMethod]
    public void OnnxFp32AndInt8KeepTheTrainedNetworksQuality()
    {
        var reference = ml.Segmentation().Evaluate(model.Transform(val));
        using var fp32 = Ssn.MLNet.Trainers.OnnxExport.SsnOnnxExporter.ToOnnxTransformer(ml, model);
        // Calibrated on the first 4 training scenes (the generator's, seed 3), at the val images' size.
        var generator = new SyntheticCityscapesGenerator(new SyntheticCityscapesOptions { Width = 128, Height = 64, Seed = 3 });
        var calibration = Enumerable.Range(0, 4).Select(i =>
        {
            var chw = new float[3 * 64 * 128];
            model.Normalization.ToChw(generator.Render("train", i).Image, chw);
            return chw;
        }).ToList();
        var int8Bytes = Ssn.MLNet.Trainers.OnnxExport.SsnOnnxExporter.ExportInt8(model.Model, calibration, 64, 128, new Ssn.MLNet.OnnxRuntime.SsnOnnxExportOptions { FullResolutionOutputs = false });
        using var int8 = new Ssn.MLNet.OnnxRuntime.SsnOnnxTransformer(ml, int8Bytes, model.ClassNames, model.Normalization, model.Options);
        var onnx32 = ml.Segmentation().Evaluate(fp32.Transform(val));
        var onnx8 = ml.Segmentation().Evaluate(int8.Transform(val));
        Console.WriteLine($"val mIoU: TorchSharp fp32 {reference.MeanIoU:F4}, ONNX fp32 {onnx32.MeanIoU:F4}, ONNX int8 {onnx8.MeanIoU:F4}");
        Assert.AreEqual(reference.MeanIoU, onnx32.MeanIoU, 1e-3, "ONNX Runtime fp32 computes the same network");
        Assert.AreEqual(reference.MeanIoU, onnx8.MeanIoU, 0.02, "int8 within 2 points of fp32 mIoU");
    }

    [TestMethod]
    public void SaveAndLoadInAFreshContextGivesIdenticalPredictions()
    {
        string path = Path.Combine(root, "ssn.zip");
        ml.Model.Save(model, train.Schema, path);
        var fresh = new MLContext(seed: 5);
        var loaded = fresh.Model.Load(path, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull("Label"), "the saved input schema keeps the label column (ML.NET cannot serialise image column types)");
        var a = Read(model.Transform(val));
        var b = Read(loaded.Transform(fresh.Segmentation().Data.LoadCityscapes(root, "val", (128, 64))));
        Assert.AreEqual(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            CollectionAssert.AreEqual(a[i].Labels, b[i].Labels, $"row {i}: labels differ");
            CollectionAssert.AreEqual(a[i].Ids, b[i].Ids, $"row {i}: instance ids differ");
            CollectionAssert.AreEqual(a[i].Scores, b[i].Scores, $"row {i}: instance scores differ");
        }
    }

    [TestMethod]
    public void AFreshProcessLoadsTheModelAndPredictsBitIdentically()
    {
        string path = Path.Combine(root, "ssn-fresh.zip");
        ml.Model.Save(model, train.Schema, path);
        var images = Directory.GetFiles(Path.Combine(root, "leftImg8bit", "val"), "*.png", SearchOption.AllDirectories).Order().Take(3).ToArray();
        var (exitCode, lines, error) = MLNetInterop.ModelFiles.RunProbe(new[] { path, "--segment" }.Concat(images).ToArray());
        Assert.AreEqual(0, exitCode, $"probe failed:\n{string.Join('\n', lines)}\n{error}");
        Assert.AreEqual($"type={typeof(SpatialSamplingTransformer).FullName}", lines[0]);
        var expected = Ssn.MLNet.PersistenceProbe.SegmentationProbe.Hashes(ml, model, images).ToArray();
        CollectionAssert.AreEqual(expected, lines[1..], "predictions in a fresh process differ");
    }

    [TestMethod]
    public void PredictionEngineGivesTheSamePredictionAsTransform()
    {
        var engine = ml.Model.CreatePredictionEngine<ImageRow, SegmentationRow>(model);
        var expected = Read(model.Transform(val))[0];
        using var image = MLImage.CreateFromFile(Directory.GetFiles(Path.Combine(root, "leftImg8bit", "val"), "*.png", SearchOption.AllDirectories).Order().First());
        var row = engine.Predict(new ImageRow { Image = image });
        CollectionAssert.AreEqual(expected.Labels, row.PredictedLabel);
        CollectionAssert.AreEqual(expected.Ids, row.PredictedInstanceIds);
    }

    /// <summary>
    /// <c>bench --model --data</c>'s accuracy per backend (<see cref="QualityCheck"/>) scores with its own loop over the
    /// data source: its fp32 figures must be the ML.NET evaluation of the same transformer on the same images, and ONNX
    /// Runtime fp32 (the same network) must agree with it. A wrong label/prediction pairing, a dropped image, other
    /// extraction options or a backend that is not the one named would each move these numbers.
    /// </summary>
    [TestMethod]
    public void BenchQualityScoresTheFp32BackendAsTheLibraryEvaluationDoes()
    {
        var quality = QualityCheck.Run(model, (SegmentationDataSource)val, (SegmentationDataSource)train, TextWriter.Null);

        var scored = model.Transform(val);
        var semantic = ml.Segmentation().Evaluate(scored);
        var instances = ml.Segmentation().EvaluateInstances(scored);
        Assert.AreEqual(24, quality["images"]);
        Assert.AreEqual(Math.Round(semantic.MeanIoU, 4), (double)quality["miou_torchsharp-fp32"], 1e-12);
        Assert.AreEqual(Math.Round(instances.AP, 4), (double)quality["ap_torchsharp-fp32"], 1e-12);
        Assert.AreEqual(Math.Round(instances.AP50, 4), (double)quality["ap50_torchsharp-fp32"], 1e-12);
        Assert.AreEqual(1.0, (double)quality["pixel_agreement_with_fp32_torchsharp-fp32"]);
        Assert.IsTrue(semantic.MeanIoU > 0.1, $"a trained model (mIoU {semantic.MeanIoU:F3}), so that agreement is not trivial");

        // ONNX Runtime fp32 runs the same network: labels differ only at near-ties (measured 2026-11-27: 100 % equal).
        Assert.IsTrue((double)quality["pixel_agreement_with_fp32_onnxruntime-fp32"] >= 0.999);
        Assert.AreEqual((double)quality["miou_torchsharp-fp32"], (double)quality["miou_onnxruntime-fp32"], 0.005);
        foreach (var backend in new[] { "torchsharp-bf16", "onnxruntime-int8", "onnxruntime-int8-minmax" })
            Assert.IsTrue(quality.ContainsKey($"ap_{backend}") && (double)quality[$"miou_{backend}"] > 0, backend);
    }

    [TestMethod]
    public void AMissingImageColumnIsNamed()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.GetOutputSchema(ml.Data.LoadFromEnumerable(new[] { new { Text = "x" } }).Schema));
        StringAssert.Contains(e.Message, "'Image'");
    }

    /// <summary>Synchronous (unlike <see cref="Progress{T}"/>, which posts reports to the thread pool).</summary>
    private sealed class CollectingProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) { lock (progress) progress.Add(value); }
    }

    public sealed class ImageRow
    {
        [ImageType(64, 128)]
        public MLImage Image { get; set; } = null!;
    }

    public sealed class SegmentationRow
    {
        public byte[] PredictedLabel { get; set; } = Array.Empty<byte>();
        public int[] PredictedInstanceIds { get; set; } = Array.Empty<int>();
        public float[] InstanceScores { get; set; } = Array.Empty<float>();
    }

    private static List<(byte[] Labels, int[] Ids, float[] Scores)> Read(IDataView scored) =>
        ml.Data.CreateEnumerable<SegmentationRow>(scored, reuseRowObject: false)
            .Select(r => (r.PredictedLabel, r.PredictedInstanceIds, r.InstanceScores)).ToList();

    private sealed class LabelRow
    {
        public byte[] Label { get; set; } = Array.Empty<byte>();
    }

    private sealed class ConstantRow
    {
        public byte[] Label { get; set; } = Array.Empty<byte>();
        public byte[] PredictedLabel { get; set; } = Array.Empty<byte>();
    }

    private static IDataView ConstantPrediction(IDataView data, byte road) =>
        ml.Data.LoadFromEnumerable(ml.Data.CreateEnumerable<LabelRow>(data, reuseRowObject: false)
            .Select(r => new ConstantRow { Label = r.Label, PredictedLabel = Enumerable.Repeat(road, r.Label.Length).ToArray() }).ToList());
}
