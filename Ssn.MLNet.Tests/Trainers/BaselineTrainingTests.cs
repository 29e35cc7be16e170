using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data.Augmentation;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Tests.Trainers;

/// <summary>The trainer's <c>Architecture</c>/<c>Decoder</c> options: the paper's Table 1 networks, trained semantic-only.</summary>
[TestClass]
[DoNotParallelize] // libtorch's random generator is process-wide
public sealed class BaselineTrainingTests
{
    private static string root = "";
    private static MLContext ml = null!;
    private static IDataView train = null!, val = null!;

    [ClassInitialize]
    public static void Generate(TestContext _)
    {
        root = Path.Combine(Path.GetTempPath(), $"ssn-baseline-{Guid.NewGuid():N}");
        ml = new MLContext(seed: 1);
        var options = new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 6, ValCount = 2, Seed = 5 };
        train = ml.Segmentation().Data.LoadSyntheticCityscapes(root, options);
        val = ml.Segmentation().Data.LoadSyntheticCityscapes(root, options, split: "val");
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static SpatialSamplingTrainerOptions Options(Architecture architecture, DecoderKind decoder, int epochs) => new()
    {
        Epochs = epochs, BatchSize = 3, LearningRate = 5e-3, Seed = 2,
        Network = SsnNetworkOptions.Tiny(19) with { Architecture = architecture, Decoder = decoder, ArchitectureOptions = architecture == Architecture.Espnet ? new EspnetOptions { Alpha3 = 2 } : null },
        Augmentation = new AugmentationOptions { CropWidth = 64, CropHeight = 32 },
    };

    [TestMethod]
    [DataRow("Erfnet", DecoderKind.Original)]
    [DataRow("Erfnet", DecoderKind.ImprovedGuidedUpsampling)]
    [DataRow("Enet", DecoderKind.Original)]
    [DataRow("Espnet", DecoderKind.Original)]
    [DataRow("Ssn", DecoderKind.Bilinear)]
    [DataRow("Ssn", DecoderKind.GuidedUpsampling)]
    public void EveryTableOneNetworkTrainsAndPredictsClassMapsOnly(string architectureName, DecoderKind decoder)
    {
        var architecture = Architecture.Parse(architectureName);
        var trainer = ml.Segmentation().Trainers.SpatialSampling(Options(architecture, decoder, 1));
        using var model = trainer.Fit(train);

        Assert.IsFalse(model.Model.HasInstanceHead);
        Assert.AreEqual(architecture, model.Model.Options.Architecture);
        Assert.AreEqual(decoder, model.Model.Options.Decoder);
        Assert.IsFalse(model.Predictor.Model.HasInstanceHead, "the predictor has no instance path");
        Assert.IsTrue(double.IsNaN(trainer.History[0].InstanceLoss), "no instance loss without an instance module");
        Assert.IsTrue(trainer.History[0].SemanticLoss is > 0 and < 10);

        using var cursor = model.Transform(val).GetRowCursor(model.Transform(val).Schema);
        var schema = cursor.Schema;
        var labels = cursor.GetGetter<VBuffer<byte>>(schema[SegmentationOutputColumns.PredictedLabel]);
        var classes = cursor.GetGetter<VBuffer<int>>(schema[SegmentationOutputColumns.InstanceClasses]);
        var ids = cursor.GetGetter<VBuffer<int>>(schema[SegmentationOutputColumns.PredictedInstanceIds]);
        VBuffer<byte> l = default;
        VBuffer<int> c = default, i = default;
        Assert.IsTrue(cursor.MoveNext());
        labels(ref l);
        classes(ref c);
        ids(ref i);
        Assert.AreEqual(64 * 32, l.Length);
        Assert.IsTrue(l.DenseValues().All(v => v < 19));
        Assert.AreEqual(0, c.Length, "no instances");
        Assert.IsTrue(i.DenseValues().All(v => v == 0));
    }

    [TestMethod]
    public void ValidationKeepsTheBestEpochAndTheMetricsAreRealForABaseline()
    {
        var o = Options(Architecture.Enet, DecoderKind.ImprovedGuidedUpsampling, 3);
        o.ValidationSet = val;
        var trainer = new SpatialSamplingTrainer(ml, o);
        using var model = trainer.Fit(train);
        Assert.AreEqual(3, trainer.History.Count);
        Assert.IsTrue(trainer.History.All(h => h.ValidationMeanIoU is > 0 and <= 1), "validation mIoU is computed every epoch");
        Assert.IsTrue(trainer.History[^1].SemanticLoss < trainer.History[0].SemanticLoss, "the loss falls");
        // The returned model is the best epoch's: evaluating it gives that epoch's validation mIoU.
        var metrics = ml.Segmentation().Evaluate(model.Transform(val));
        Assert.AreEqual(trainer.History.Max(h => h.ValidationMeanIoU), metrics.MeanIoU, 1e-9);
    }

    [TestMethod]
    public void ABaselineTransformerSurvivesModelSaveAndLoad()
    {
        using var model = ml.Segmentation().Trainers.SpatialSampling(Options(Architecture.Espnet, DecoderKind.ImprovedGuidedUpsampling, 1)).Fit(train);
        string path = Path.Combine(root, $"espnet-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, path);
        var loaded = (SpatialSamplingTransformer)new MLContext(seed: 3).Model.Load(path, out _);
        using var __ = loaded;
        Assert.AreEqual(Architecture.Espnet, loaded.Model.Options.Architecture);
        Assert.AreEqual(DecoderKind.ImprovedGuidedUpsampling, loaded.Model.Options.Decoder);
        CollectionAssert.AreEqual(Labels(model), Labels(loaded));
    }

    [TestMethod]
    public void ABaselineResumesExactlyAndRefusesAnotherArchitecture()
    {
        string dir = Path.Combine(root, $"ckpt-{Guid.NewGuid():N}");
        using var uninterrupted = new SpatialSamplingTrainer(ml, Options(Architecture.Ssn, DecoderKind.Bilinear, 2)).Fit(train);
        var first = Options(Architecture.Ssn, DecoderKind.Bilinear, 2);
        first.CheckpointDirectory = dir;
        new SpatialSamplingTrainer(ml, first).Fit(train).Dispose();

        var resuming = Options(Architecture.Ssn, DecoderKind.Bilinear, 2);
        resuming.ResumeFrom = Path.Combine(dir, TrainingCheckpointName(1));
        using var resumed = new SpatialSamplingTrainer(ml, resuming).Fit(train);
        CollectionAssert.AreEqual(Weights(uninterrupted), Weights(resumed), "resumed weights differ from the uninterrupted run");

        var other = Options(Architecture.Ssn, DecoderKind.GuidedUpsampling, 2);
        other.ResumeFrom = resuming.ResumeFrom;
        var e = Assert.ThrowsExactly<ArgumentException>(() => new SpatialSamplingTrainer(ml, other).Fit(train));
        StringAssert.Contains(e.Message, "Decoder");
    }

    [TestMethod]
    public void OnnxExportOfABaselineSaysItIsNotSupported()
    {
        using var model = ml.Segmentation().Trainers.SpatialSampling(Options(Architecture.Ssn, DecoderKind.Bilinear, 1)).Fit(train);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => SsnOnnxExporter.ToOnnxTransformer(ml, model));
        StringAssert.Contains(e.Message, "Ssn/Bilinear");
    }

    [TestMethod]
    public void AnUnknownArchitectureIsNamed()
    {
        var o = Options(new Architecture("Unregistered"), DecoderKind.Original, 1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Segmentation().Trainers.SpatialSampling(o));
        StringAssert.Contains(e.Message, "Architecture");
    }

    private static string TrainingCheckpointName(int epoch) => $"checkpoint-epoch{epoch:D4}.ssnckpt";

    private static float[] Weights(SpatialSamplingTransformer model) =>
        model.Model!.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    private static byte[] Labels(ITransformer model)
    {
        var output = model.Transform(val);
        using var cursor = output.GetRowCursor(output.Schema);
        var getter = cursor.GetGetter<VBuffer<byte>>(output.Schema[SegmentationOutputColumns.PredictedLabel]);
        var all = new List<byte>();
        VBuffer<byte> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            all.AddRange(buffer.DenseValues());
        }
        return all.ToArray();
    }
}
