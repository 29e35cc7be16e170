using System.Text.Json;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Samples.Snippets;
using Ssn.MLNet.Tests.MLNetInterop;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Modeling;
using static Ssn.MLNet.Tests.Samples.CliHarness;

namespace Ssn.MLNet.Tests.Samples;

/// <summary>
/// The command line, run in-process on a tiny synthetic dataset (64×32, 4 train + 2 val) and the tiny network: every verb,
/// the main job end to end, the README snippet, and the error contract (one line, non-zero exit code).
/// </summary>
[TestClass]
[DoNotParallelize] // training seeds libtorch's process-wide generator: another class training beside it would change the weights
public sealed class CommandLineTests
{
    private static string work = "", data = "", model = "";
    private static readonly string[] Tiny = { "--network", "tiny", "--epochs", "1", "--batch-size", "2", "--min-scale", "1", "--max-scale", "1", "--threads", "2" };

    [ClassInitialize]
    public static void GenerateAndTrain(TestContext _)
    {
        work = Path.Combine(Path.GetTempPath(), $"ssn-cli-{Guid.NewGuid():N}");
        data = Path.Combine(work, "data");
        model = Path.Combine(work, "model.zip");
        var generate = Invoke("generate", "--out", data, "--width", "64", "--height", "32", "--train-images", "4", "--val-images", "2", "--seed", "5");
        Assert.AreEqual(0, generate.Code, generate.Error);
        var train = Invoke(["train", "--data", data, "--out", model, .. Tiny]);
        Assert.AreEqual(0, train.Code, train.Error + train.Output);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
    }

    [TestMethod]
    public void GenerateWritesBothSplitsInTheCityscapesLayout()
    {
        Assert.AreEqual(4, Directory.GetFiles(Path.Combine(data, "leftImg8bit", "train"), "*_leftImg8bit.png", SearchOption.AllDirectories).Length);
        Assert.AreEqual(2, Directory.GetFiles(Path.Combine(data, "gtFine", "val"), "*_gtFine_instanceIds.png", SearchOption.AllDirectories).Length);
        var again = Invoke("generate", "--out", data, "--width", "64", "--height", "32", "--train-images", "4", "--val-images", "2", "--seed", "5");
        Assert.AreEqual(0, again.Code);
        StringAssert.Contains(again.Output, "reused", "a complete dataset with the same options is cached");
    }

    [TestMethod]
    public void TrainAcceptsABaselineArchitectureAndDecoder()
    {
        string baseline = Path.Combine(work, "erfnet.zip");
        var run = Invoke(["train", "--data", data, "--out", baseline, "--architecture", "Erfnet", "--decoder", "ImprovedGuidedUpsampling", .. Tiny]);
        Assert.AreEqual(0, run.Code, run.Error + run.Output);
        using var loaded = (Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer)new Microsoft.ML.MLContext().Model.Load(baseline, out _);
        Assert.AreEqual(Ssn.MLNet.Trainers.Modeling.Architecture.Erfnet, loaded.Model.Options.Architecture);
        AssertOneLineError(Invoke(["train", "--data", data, "--out", baseline, "--architecture", "Resnet"]), 2, "Resnet");
    }

    [TestMethod]
    public void TrainSavesAModelAndItsTrainingCurve()
    {
        // The file is the trained network: it loads in a fresh context as the Tiny SSN with the 19 Cityscapes classes.
        using var loaded = Ssn.MLNet.MLNetInterop.SsnModelFile.LoadTransformer<Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer>(new Microsoft.ML.MLContext(), model, out _);
        Assert.AreEqual(19, loaded.ClassNames.Count);
        Assert.AreEqual(SsnNetworkOptions.Tiny(19).DeepChannels, loaded.Model.Options.DeepChannels);
        Assert.IsTrue(loaded.Model.HasInstanceHead);
        var curve = Path.Combine(work, "model-training-curve.png");
        Assert.IsTrue(File.Exists(curve));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(curve).Take(4).ToArray());
    }

    [TestMethod]
    public void EvaluateWritesMetricsJsonFromARealEvaluation()
    {
        string outDir = Path.Combine(work, "eval");
        var run = Invoke("evaluate", "--model", model, "--data", data, "--out", outDir, "--overlays", "1", "--cityscapes-results");
        Assert.AreEqual(0, run.Code, run.Error);
        StringAssert.Contains(run.Output, "mean IoU");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var r = json.RootElement;
        double miou = r.GetProperty("meanIoU").GetDouble(), acc = r.GetProperty("pixelAccuracy").GetDouble();
        Assert.IsTrue(miou is >= 0 and <= 1 && acc is > 0 and <= 1, $"mIoU {miou}, pixel accuracy {acc}");
        // The same model evaluated here through the library (its transformer, the catalog's Evaluate): the CLI's figures
        // are that evaluation's, not merely numbers in range.
        var ml = new Microsoft.ML.MLContext(seed: 1);
        using var loaded = Ssn.MLNet.MLNetInterop.SsnModelFile.LoadTransformer<Ssn.MLNet.Transforms.SegmentationTransformer>(ml, model, out _);
        var expected = ml.Segmentation().Evaluate(loaded.Transform(ml.Segmentation().Data.LoadCityscapes(data, "val")));
        Assert.AreEqual(expected.MeanIoU, miou, 1e-6, "CLI mIoU vs the library's evaluation");
        Assert.AreEqual(expected.PixelAccuracy, acc, 1e-6, "CLI pixel accuracy vs the library's evaluation");
        Assert.AreEqual(2, r.GetProperty("valImages").GetInt32());
        Assert.AreEqual(19, r.GetProperty("perClassIoU").EnumerateObject().Count());
        Assert.IsTrue(r.TryGetProperty("ap50", out _), "AP50 is reported (null: no ground-truth instance reaches the official 100-pixel minimum at 64×32)");
        Assert.AreEqual(1, Directory.GetFiles(Path.Combine(outDir, "overlays")).Length);
        Assert.AreEqual(2, Directory.GetFiles(Path.Combine(outDir, "cityscapes-results", "pixel")).Length);
        Assert.AreEqual(2, Directory.GetFiles(Path.Combine(outDir, "cityscapes-results", "instance"), "*.txt").Length);
    }

    [TestMethod]
    public void PredictWritesColouredMapsOverlaysInstanceMapsAndCityscapesResults()
    {
        string outDir = Path.Combine(work, "pred");
        string images = Path.Combine(data, "leftImg8bit", "val");
        var run = Invoke("predict", "--model", model, images, "--out", outDir);
        Assert.AreEqual(0, run.Code, run.Error);
        var stems = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.AreEqual(2, stems.Count);
        foreach (var stem in stems)
        {
            foreach (var suffix in new[] { "_labels.png", "_overlay.png", "_instances.png" })
                Assert.IsTrue(File.Exists(Path.Combine(outDir, stem + suffix)), stem + suffix);
            var instances = Ssn.MLNet.Imaging.LabelPng.ReadGray16(Path.Combine(outDir, stem + "_instances.png"));
            Assert.AreEqual((64, 32), (instances.Width, instances.Height));
            Assert.IsTrue(File.Exists(Path.Combine(outDir, "cityscapes-results", "pixel", stem + ".png")));
            Assert.IsTrue(File.Exists(Path.Combine(outDir, "cityscapes-results", "instance", stem + ".txt")));
        }
    }

    [TestMethod]
    public void PredictAndEvaluateRunOnTheOnnxBackendToo()
    {
        string images = Path.Combine(data, "leftImg8bit", "val");
        double MeanIoU(string backend)
        {
            string outDir = Path.Combine(work, "eval-" + backend);
            var run = Invoke("evaluate", "--model", model, "--data", data, "--out", outDir, "--backend", backend);
            Assert.AreEqual(0, run.Code, run.Error);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
            Assert.AreEqual(backend == "onnx" ? "ONNX Runtime" : "TorchSharp", json.RootElement.GetProperty("backend").GetString());
            return json.RootElement.GetProperty("meanIoU").GetDouble();
        }
        Assert.AreEqual(MeanIoU("torch"), MeanIoU("onnx"), 0.01, "the same model on two engines");

        var labels = new Dictionary<string, byte[][]>();
        foreach (var backend in new[] { "torch", "onnx" })
        {
            string outDir = Path.Combine(work, "pred-" + backend);
            var run = Invoke("predict", "--model", model, images, "--out", outDir, "--backend", backend);
            Assert.AreEqual(0, run.Code, run.Error);
            StringAssert.Contains(run.Output, "2 images");
            labels[backend] = Directory.GetFiles(outDir, "*_labels.png").Order().Select(f => Ssn.MLNet.Imaging.ImageFile.ReadRgb(f).Pixels).ToArray();
            Assert.HasCount(2, labels[backend]);
        }
        var pairs = labels["torch"].Zip(labels["onnx"]).SelectMany(p => p.First.Zip(p.Second)).ToArray();
        double agreement = pairs.Count(p => p.First == p.Second) / (double)pairs.Length;
        Assert.IsGreaterThanOrEqualTo(0.999, agreement, $"coloured class maps agree on {agreement:P2}");

        // No GPU package here: asking for CUDA names what is missing instead of failing somewhere inside ONNX Runtime.
        var cuda = Invoke("predict", "--model", model, images, "--out", Path.Combine(work, "pred-cuda"), "--backend", "onnx", "--execution-provider", "cuda");
        AssertOneLineError(cuda, 1, "Microsoft.ML.OnnxRuntime.Gpu.Linux");
        AssertOneLineError(Invoke("evaluate", "--model", model, "--data", data, "--out", Path.Combine(work, "eval-cuda"), "--execution-provider", "cuda"), 1, "--backend onnx");
    }

    [TestMethod]
    public void WeightsGoOutAsSafetensorsAndTrainingStartsFromThem()
    {
        string weights = Path.Combine(work, "w.safetensors");
        var export = Invoke("export", "--model", model, "--out", weights);
        Assert.AreEqual(0, export.Code, export.Error);
        var report = Ssn.MLNet.Trainers.Modeling.NetworkWeights.LoadSafetensors(
            Ssn.MLNet.Trainers.Modeling.SegmentationModels.Create(Ssn.MLNet.Trainers.Modeling.NetworkWeights.ReadNetworkOptions(weights)!), weights, strict: true);
        Assert.IsTrue(report.IsExact, report.ToString());

        // One model format: the zip holds the network as options JSON + exactly the safetensors bytes export writes.
        using (var zip = System.IO.Compression.ZipFile.OpenRead(model))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToArray();
            var safetensors = entries.Single(e => e.EndsWith("/Network.safetensors", StringComparison.Ordinal));
            var json = entries.Single(e => e.EndsWith("/Network.json", StringComparison.Ordinal));
            Assert.IsFalse(entries.Any(e => e.EndsWith(".bin", StringComparison.Ordinal)), string.Join(", ", entries));
            using var inZip = new MemoryStream();
            using (var s = zip.GetEntry(safetensors)!.Open()) s.CopyTo(inZip);
            CollectionAssert.AreEqual(File.ReadAllBytes(weights), inZip.ToArray(), "the zip's Network.safetensors is the exported file");
            using var options = zip.GetEntry(json)!.Open();
            var parsed = System.Text.Json.JsonSerializer.Deserialize<SsnNetworkOptions>(options)!;
            Assert.AreEqual(System.Text.Json.JsonSerializer.Serialize(Ssn.MLNet.Trainers.Modeling.NetworkWeights.ReadNetworkOptions(weights)),
                System.Text.Json.JsonSerializer.Serialize(parsed), "Network.json holds the network options");
        }

        var run = Invoke(["train", "--data", data, "--out", Path.Combine(work, "init.zip"), .. Tiny, "--init-weights", weights]);
        Assert.AreEqual(0, run.Code, run.Error);
        string output = run.Output.Replace("\n", ""); // the console wraps at 80 columns
        StringAssert.Contains(output, "Initial weights from");
        StringAssert.Contains(output, $"{report.Loaded.Count} tensors loaded.");
        string missing = Path.Combine(work, "none.safetensors");
        AssertOneLineError(Invoke(["train", "--data", data, "--out", Path.Combine(work, "init2.zip"), .. Tiny, "--init-weights", missing]), 1, "InitialWeights");
    }

    [TestMethod]
    public void FineTuningStartsFromAZooModelReinitialisesOtherHeadsAndCanKeepTheEncoderFixed()
    {
        // cityscapes-espnet has 20 outputs (19 classes + void); the data has 19 classes: the heads that depend on the class
        // count start afresh, the encoder starts from the zoo and, frozen for the one epoch, ends exactly as it started.
        string tuned = Path.Combine(work, "tuned.zip"), weights = Path.Combine(work, "tuned.safetensors");
        var run = Invoke(["train", "--data", data, "--out", tuned, .. Tiny, "--architecture", "Espnet", "--decoder", "Original",
            "--init-weights", "cityscapes-espnet", "--freeze-encoder-epochs", "1"]);
        Assert.AreEqual(0, run.Code, run.Error + run.Output);
        string output = run.Output.Replace("\n", "");
        StringAssert.Contains(output, "Initial weights from");
        Assert.DoesNotContain("instance NaN", run.Output + run.Error, "semantic-only training logs no instance loss");
        StringAssert.Contains(output, "other shapes (kept): decoder.level3Project.weight [20, 256, 1, 1] vs [19, 256, 1, 1]");
        Assert.AreEqual(0, Invoke("export", "--model", tuned, "--out", weights).Code);
        var zoo = Ssn.MLNet.Models.PretrainedModels.Get("cityscapes-espnet").WeightsFile();
        var before = NetworkWeights.ReadTensors(zoo).ToDictionary(kv => kv.Key, kv => kv.Value);
        var after = NetworkWeights.ReadTensors(weights).Where(kv => kv.Key.StartsWith("encoder.", StringComparison.Ordinal)).ToList();
        Assert.IsNotEmpty(after);
        foreach (var (name, t) in after)
            Assert.IsTrue(t.allclose(before[name], 0, 0), $"{name} moved while the encoder was frozen");
        var changed = NetworkWeights.ReadTensors(weights).Single(kv => kv.Key == "decoder.up3.weight").Value;
        Assert.IsFalse(changed.shape.SequenceEqual(before["decoder.up3.weight"].shape), "the 19-class decoder is not the zoo's 20-class one");
    }

    [TestMethod]
    public void TrainWritesCheckpointsAndResumesFromOne()
    {
        string checkpoints = Path.Combine(work, "ckpt");
        var first = Invoke(["train", "--data", data, "--out", Path.Combine(work, "a.zip"), "--checkpoint-dir", checkpoints, "--val-split", "none", .. Tiny]);
        Assert.AreEqual(0, first.Code, first.Error);
        var checkpoint = Directory.GetFiles(checkpoints).Single();
        var resumed = Invoke(["train", "--data", data, "--out", Path.Combine(work, "b.zip"), "--resume", checkpoint, "--val-split", "none",
            .. Tiny[..2], "--epochs", "2", .. Tiny[4..]]);
        Assert.AreEqual(0, resumed.Code, resumed.Error);
        StringAssert.Contains(resumed.Output, "epoch   1/1", "epoch 1 (of the first, 1-epoch run) comes from the checkpoint's history");
        StringAssert.Contains(resumed.Output, "epoch   2/2");
        // The resumed run's model is the one an uninterrupted 2-epoch run trains (weight for weight), not just a run that logs.
        var straight = Invoke(["train", "--data", data, "--out", Path.Combine(work, "c.zip"), "--val-split", "none", .. Tiny[..2], "--epochs", "2", .. Tiny[4..]]);
        Assert.AreEqual(0, straight.Code, straight.Error);
        CollectionAssert.AreEqual(ModelWeights(Path.Combine(work, "c.zip")), ModelWeights(Path.Combine(work, "b.zip")), "resumed vs uninterrupted weights");
    }

    private static float[] ModelWeights(string path)
    {
        using var t = Ssn.MLNet.MLNetInterop.SsnModelFile.LoadTransformer<Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer>(new Microsoft.ML.MLContext(), path, out _);
        return t.Model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
    }

    [TestMethod]
    public void TheMainJobWritesEveryFileOnATinyConfiguration()
    {
        string outDir = Path.Combine(work, "main"), cache = Path.Combine(work, "main-data");
        var run = Invoke(["--out", outDir, "--data", cache, "--width", "64", "--height", "32", "--train-images", "4", "--val-images", "2", "--overlays", "2", .. Tiny]);
        Assert.AreEqual(0, run.Code, run.Error + run.Output);
        foreach (var file in new[] { "model.zip", "metrics.json", "training-curve.png" })
            Assert.IsTrue(File.Exists(Path.Combine(outDir, file)), file);
        Assert.AreEqual(2, Directory.GetFiles(Path.Combine(outDir, "overlays"), "*.png").Length);
        Assert.AreEqual(2, Directory.GetFiles(Path.Combine(outDir, "cityscapes-results", "pixel"), "*.png").Length);
        Assert.AreEqual(2, Directory.GetFiles(Path.Combine(outDir, "cityscapes-results", "instance"), "*.txt").Length);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var r = json.RootElement;
        foreach (var key in new[] { "meanIoU", "pixelAccuracy", "meanClassAccuracy", "perClassIoU", "ap", "ap50", "trainSeconds", "inferenceMsPerImage", "imageSize", "trainImages", "valImages", "datasetRoot" })
            Assert.IsTrue(r.TryGetProperty(key, out _), $"metrics.json lacks '{key}'");
        Assert.AreEqual(Path.GetFullPath(cache), r.GetProperty("datasetRoot").GetString());
        Assert.AreEqual(4, r.GetProperty("trainImages").GetInt32());
        Assert.AreEqual(64, r.GetProperty("imageSize").GetProperty("width").GetInt32());
        Assert.IsTrue(r.GetProperty("inferenceMsPerImage").GetDouble() > 0);
        StringAssert.Contains(run.Output, "Results");

        var model = new Microsoft.ML.MLContext().Model.Load(Path.Combine(outDir, "model.zip"), out _);
        Assert.IsInstanceOfType<Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer>(model, "model.zip loads with plain mlContext.Model.Load");
        // metrics.json holds that model's evaluation on the val split (recomputed here through the library).
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var expected = ml.Segmentation().Evaluate(model.Transform(ml.Segmentation().Data.LoadCityscapes(cache, "val")));
        Assert.AreEqual(expected.MeanIoU, r.GetProperty("meanIoU").GetDouble(), 1e-6, "main job mIoU vs the library's evaluation of model.zip");
        ((IDisposable)model).Dispose();
    }

    /// <summary>A recipe is a base: options given explicitly override it, the rest keep the recipe's values.</summary>
    [TestMethod]
    public void RecipeValuesHoldUnlessAnOptionOverridesThem()
    {
        static SpatialSamplingTrainerOptions Bind(TrainingRecipe recipe, params string[] args)
        {
            var binder = new TrainerOptionsBinder();
            var command = new System.CommandLine.Command("train");
            binder.AddTo(command);
            return binder.Apply(command.Parse(args), TrainingRecipes.Create(recipe), 11);
        }
        var camvid = Bind(TrainingRecipe.Camvid);
        var expected = TrainingRecipes.Camvid();
        Assert.AreEqual(expected.Epochs, camvid.Epochs);
        Assert.AreEqual(expected.LearningRate, camvid.LearningRate);
        Assert.AreEqual(384, camvid.Augmentation.CropWidth);
        Assert.AreEqual(0.1, camvid.Network.DeepDropout);
        Assert.AreEqual(11, camvid.Network.NumClasses);
        Assert.AreEqual(ClassWeighting.Enet, camvid.ClassWeighting);

        var overridden = Bind(TrainingRecipe.Camvid, "--lr", "0.001", "--crop-width", "480", "--class-weights", "median", "--precision", "BFloat16");
        Assert.AreEqual(1e-3, overridden.LearningRate);
        Assert.AreEqual(480, overridden.Augmentation.CropWidth);
        Assert.AreEqual(288, overridden.Augmentation.CropHeight, "not given: the recipe's");
        Assert.AreEqual(expected.Epochs, overridden.Epochs, "not given: the recipe's");
        Assert.AreEqual(ClassWeighting.MedianFrequency, overridden.ClassWeighting);
        Assert.AreEqual(TrainingPrecision.BFloat16, overridden.Precision);

        var fast = Bind(TrainingRecipe.CamvidFast);
        Assert.AreEqual((60, 12, 0.5, 384), (fast.Epochs, fast.LowResolutionEpochs, fast.LowResolutionScale, fast.Augmentation.CropWidth));
        Assert.AreEqual(10, Bind(TrainingRecipe.CamvidFast, "--low-res-epochs", "10").LowResolutionEpochs);
        Assert.AreEqual(0.25, Bind(TrainingRecipe.Camvid, "--low-res-scale", "0.25").LowResolutionScale);
        Assert.AreEqual(1, fast.Replicas, "not given: one network");
        Assert.AreEqual(2, Bind(TrainingRecipe.Camvid, "--replicas", "2").Replicas);

        Assert.AreEqual(ClassWeighting.None, Bind(TrainingRecipe.Paper, "--class-weights", "none").ClassWeighting);
        var list = Bind(TrainingRecipe.Paper, "--class-weights", "1,2.5,3");
        CollectionAssert.AreEqual(new[] { 1f, 2.5f, 3f }, list.ClassWeights);
        Assert.AreEqual(150, Bind(TrainingRecipe.Paper).Epochs, "the paper recipe is the trainer's defaults");
        AssertOneLineError(Invoke(["train", "--data", data, "--class-weights", "enett"]), 1, "--class-weights 'enett' is neither enet, median, none");
    }

    [TestMethod]
    public void EveryVerbHasHelp()
    {
        foreach (var verb in new[] { Array.Empty<string>(), ["generate"], ["train"], ["evaluate"], ["predict"] })
        {
            var run = Invoke([.. verb, "--help"]);
            Assert.AreEqual(0, run.Code, string.Join(' ', verb));
            StringAssert.Contains(run.Output, "Usage:", string.Join(' ', verb));
        }
        StringAssert.Contains(Invoke("train", "--help").Output, "--checkpoint-dir");
    }

    [TestMethod]
    public void BadInputGivesOneErrorLineAndANonZeroExitCode()
    {
        string missing = Path.Combine(work, "no-such-folder");
        AssertOneLineError(Invoke("train", "--data", missing), 1, missing);
        AssertOneLineError(Invoke("evaluate", "--data", data), 2, "--model");
        AssertOneLineError(Invoke("predict", "--model", Path.Combine(work, "none.zip"), data), 1, "none.zip");
        AssertOneLineError(Invoke("predict", "--model", model, missing), 1, missing);
        AssertOneLineError(Invoke("train", "--data", data, "--format", "bogus"), 2, "bogus");
        AssertOneLineError(Invoke("generate", "--out", Path.Combine(work, "g"), "--width", "8"), 1, "Width");
        AssertOneLineError(Invoke("train", "--data", data, "--network", "tiny", "--epochs", "0"), 1, "Epochs");
        AssertOneLineError(Invoke("train", "--data", data, "--format", "folders"), 1, "--classes");
        AssertOneLineError(Invoke("train", "--format", "folders", "--classes", "a,b"), 1, "--images");
        AssertOneLineError(Invoke("no-such-verb"), 2, "no-such-verb");
    }

    [TestMethod]
    public void ExportWritesAnOnnxFileAndAnOnnxBackedModelThatPredictsLikeTheTorchModel()
    {
        foreach (bool int8 in new[] { false, true })
        {
            string onnx = Path.Combine(work, int8 ? "int8.onnx" : "fp32.onnx");
            string[] args = int8 ? ["export", "--model", model, "--out", onnx, "--int8", "--calibration", data, "--calibration-images", "2"]
                                 : ["export", "--model", model, "--out", onnx, "--opset", "18"];
            var run = Invoke(args);
            Assert.AreEqual(0, run.Code, run.Error + run.Output);
            using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx))
            {
                CollectionAssert.Contains(session.OutputMetadata.Keys.ToArray(), Ssn.MLNet.OnnxRuntime.SsnOnnxNames.Labels, "the file alone gives the class map");
                Assert.AreEqual(int8, File.ReadAllBytes(onnx).AsSpan().IndexOf("QuantizeLinear"u8) >= 0, "QDQ nodes exactly in the int8 export");
            }
            var ml = new Microsoft.ML.MLContext(seed: 1);
            using var loaded = ml.Model.Load(Path.ChangeExtension(onnx, null) + "-onnx.zip", out _) as Ssn.MLNet.OnnxRuntime.SsnOnnxTransformer;
            Assert.IsNotNull(loaded, "an ONNX Runtime-backed transformer, loadable with plain Model.Load");
            var val = new Ssn.MLNet.Data.CityscapesDataSource(data, "val");
            using var torch = Ssn.MLNet.MLNetInterop.SsnModelFile.LoadTransformer<Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer>(ml, model, out _);
            byte[][] Labels(Microsoft.ML.ITransformer t) => ml.Data.CreateEnumerable<LabelRow>(t.Transform(val), reuseRowObject: false).Select(r => r.PredictedLabel).ToArray();
            var expected = Labels(torch);
            var actual = Labels(loaded);
            double agreement = expected.Zip(actual).Average(p => p.First.Zip(p.Second).Average(q => q.First == q.Second ? 1.0 : 0.0));
            // int8 flips labels where the top two logits are close; this network trained one epoch, so margins are small
            // (OnnxQuantizationTests measures int8 quality on a trained network).
            Assert.IsTrue(agreement > (int8 ? 0.8 : 0.999), $"{(int8 ? "int8" : "fp32")}: class maps agree on {agreement:P2} of the pixels");
        }
        AssertOneLineError(Invoke("export", "--model", model, "--out", Path.Combine(work, "x.onnx"), "--int8"), 1, "--calibration");
        AssertOneLineError(Invoke("export", "--model", model, "--out", Path.Combine(work, "x.onnx"), "--opset", "12"), 1, "Opset");
    }

    public sealed class LabelRow
    {
        public byte[] PredictedLabel { get; set; } = [];
    }

    [TestMethod]
    public void ModelDeviceAndOutputProblemsAreNamedBeforeAnyTraining()
    {
        var device = Invoke(["train", "--data", data, "--out", Path.Combine(work, "d.zip"), .. Tiny, "--device", "gpu0"]);
        AssertOneLineError(device, 1, "Device");
        StringAssert.Contains(device.Error, "cuda:N");

        string tampered = Path.Combine(work, "tampered.zip");
        ModelFiles.RewriteEntry(model, tampered, e => e.EndsWith("Network.safetensors"), b => b.Select(x => (byte)(x ^ 0x5A)).ToArray());
        var sha = Invoke("evaluate", "--model", tampered, "--data", data, "--out", Path.Combine(work, "eval-tampered"));
        AssertOneLineError(sha, 1, tampered);
        StringAssert.Contains(sha.Error, "SHA-256");
        Assert.IsFalse(sha.Error.Contains("target of an invocation"), sha.Error);

        string truncated = Path.Combine(work, "truncated.zip"), text = Path.Combine(work, "text.zip");
        File.WriteAllBytes(truncated, File.ReadAllBytes(model)[..2000]);
        File.WriteAllText(text, "not a model");
        foreach (string bad in new[] { truncated, text })
        {
            AssertOneLineError(Invoke("evaluate", "--model", bad, "--data", data), 1, bad);
            AssertOneLineError(Invoke("predict", "--model", bad, data), 1, bad);
        }

        string notAFolder = Path.Combine(work, "a-file");
        File.WriteAllText(notAFolder, "");
        var train = Invoke(["train", "--data", data, "--out", Path.Combine(notAFolder, "m.zip"), .. Tiny]);
        AssertOneLineError(train, 1, Path.Combine(notAFolder, "m.zip"));
        Assert.IsFalse(train.Output.Contains("Training on"), "refused before training: " + train.Output);
        var mainJob = Invoke(["--out", Path.Combine(notAFolder, "out"), "--data", data, "--width", "64", "--height", "32", .. Tiny]);
        AssertOneLineError(mainJob, 1, Path.Combine(notAFolder, "out"));
        Assert.IsFalse(mainJob.Output.Contains("Training:"), "refused before training: " + mainJob.Output);
    }

    [TestMethod]
    [DoNotParallelize] // --max-pixels sets the process-wide limit
    public void MaxPixelsRefusesLargerImagesNamingTheFile()
    {
        try
        {
            string image = Directory.GetFiles(Path.Combine(data, "leftImg8bit", "val"), "*.png", SearchOption.AllDirectories)[0];
            var run = Invoke("predict", "--model", model, "--out", Path.Combine(work, "pred-limit"), "--max-pixels", "100", image);
            AssertOneLineError(run, 1, image);
            StringAssert.Contains(run.Error, "64×32");
            AssertOneLineError(Invoke("predict", "--model", model, "--max-pixels", "0", image), 2, "--max-pixels");
        }
        finally
        {
            Ssn.MLNet.Imaging.ImageLimits.MaxPixels = Ssn.MLNet.Imaging.ImageLimits.DefaultMaxPixels;
        }
    }

    [TestMethod]
    public void TheReadmeSnippetRunsAndIsTheOneInTheReadme()
    {
        var synthetic = new SyntheticCityscapesOptions { Width = 64, Height = 32, TrainCount = 4, ValCount = 2, Seed = 5 };
        var options = new SpatialSamplingTrainerOptions { Epochs = 1, BatchSize = 2, Network = SsnNetworkOptions.Tiny(19), NumberOfThreads = 2 };
        var (miou, _) = ReadmePipeline.Run(Path.Combine(work, "snippet"), Path.Combine(work, "snippet.zip"), synthetic, options);
        Assert.IsTrue(miou is >= 0 and <= 1);
        // The model the snippet saved, evaluated again from the file: the snippet's mIoU is that model's.
        var ml = new Microsoft.ML.MLContext(seed: 2);
        using var saved = Ssn.MLNet.MLNetInterop.SsnModelFile.LoadTransformer<Ssn.MLNet.Transforms.SegmentationTransformer>(ml, Path.Combine(work, "snippet.zip"), out _);
        double again = ml.Segmentation().Evaluate(saved.Transform(ml.Segmentation().Data.LoadCityscapes(Path.Combine(work, "snippet"), "val"))).MeanIoU;
        Assert.AreEqual(miou, again, 1e-9, "mIoU of the saved and reloaded model");

        string source = File.ReadAllText(Path.Combine(RepoRoot(), "Ssn.MLNet.Samples", "Snippets", "ReadmePipeline.cs"));
        string readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var snippet = Between(source, "// <readme-snippet>", "// </readme-snippet>");
        Assert.IsTrue(Normalize(readme).Contains(Normalize(snippet)), "README.md must show the snippet of ReadmePipeline.cs verbatim");
    }

    private static string Between(string text, string start, string end)
    {
        int a = text.IndexOf(start, StringComparison.Ordinal) + start.Length, b = text.IndexOf(end, StringComparison.Ordinal);
        return text[a..b];
    }

    private static string Normalize(string code) =>
        string.Join('\n', code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ssn.MLNet.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Ssn.MLNet.sln not found above the test folder.");
    }
}
