using System.Text.Json;
using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Models;
using Ssn.MLNet.Tests.BadInput;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.RealData;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Modeling.Import;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Import;

/// <summary>
/// Foreign weights in and out: the ESPNet authors' CamVid weights (their legacy-format <c>.pth</c>) imported through the
/// name map reproduce their own figure on CamVid val (0.7010 mIoU, per class to 4 decimals, by their
/// <c>reference_eval.py</c>); exported weights load into their <c>Model.py</c> and give our outputs; the checkpoint
/// reader refuses what is not a state_dict with an error that names the file and the reason.
/// </summary>
[TestClass]
public sealed class PyTorchImportTests
{
    /// <summary>The authors' network run by their code (reference_eval.py, Debian's python3-torch), CamVid val.</summary>
    private static readonly double[] ReferencePerClassIoU = [0.9465, 0.8449, 0.1207, 0.9681, 0.8684, 0.9070, 0.4036, 0.7085, 0.8131, 0.4283, 0.7021];

    private static string CamVidWeights(string espnet) => Path.Combine(espnet, "pretrained", "decoder", "espnet_p_2_q_8_camvid.pth");

    private static string CityscapesWeights(string espnet) => Path.Combine(espnet, "pretrained", "decoder", "espnet_p_2_q_8.pth");

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void TheAuthorsCamVidEspnetReproducesTheirValidationScore()
    {
        string espnet = SharedData.EspnetOrSkip();
        string camvid = SharedData.CamVidOrSkip();
        var normalization = AuthorsNormalization(camvid);
        var zoo = PretrainedModels.Get("camvid-espnet").Normalization;
        Assert.AreEqual(ChannelOrder.Bgr, zoo.ChannelOrder);
        for (int c = 0; c < 3; c++)
        {
            // The zoo holds the figures of their numpy code (float32 sums), which differ from these exact ones by up to 3e-5 relative.
            Assert.AreEqual(normalization.Mean[c], zoo.Mean[c], 1e-5, $"zoo mean[{c}] is the authors' loadData.py statistic");
            Assert.AreEqual(normalization.Std[c], zoo.Std[c], 1e-2, $"zoo std[{c}] is the authors' loadData.py statistic");
        }

        var ml = new MLContext(seed: 1);
        using var model = ml.Segmentation().ImportPyTorch(CamVidWeights(espnet), new PyTorchImportOptions
        {
            Network = new SsnNetworkOptions { Architecture = Architecture.Espnet, Decoder = DecoderKind.Original },
            ClassNames = CamVidDataSource.ClassNamesList,
            VoidOutputs = 1,
            Normalization = normalization,
        });
        var metrics = ml.Segmentation().Evaluate(model.Transform(ml.Segmentation().Data.LoadCamVid(camvid, "val")));
        Assert.AreEqual(101, metrics.ImageCount);
        Assert.AreEqual(0.7010, metrics.MeanIoU, 0.002, "the authors' figure by their own code");
        for (int k = 0; k < ReferencePerClassIoU.Length; k++)
            Assert.AreEqual(ReferencePerClassIoU[k], metrics.PerClassIoU[k], 0.005, metrics.ClassNames[k]);
        Assert.AreEqual(0.9268, metrics.PixelAccuracy, 0.002);
        Assert.AreEqual(0.7971, metrics.MeanClassAccuracy, 0.002);
    }

    [TestMethod]
    public void TheImportCommandWritesAModelThatCarriesItsNormalisationAndVoidOutputs()
    {
        using var dir = new TempDirectory();
        var options = new SsnNetworkOptions { Architecture = Architecture.Espnet, Decoder = DecoderKind.Original, NumClasses = 6, ArchitectureOptions = new EspnetOptions { Alpha3 = 2 } };
        manual_seed(21);
        var source = SegmentationModels.Create(options);
        string weights = dir.File("espnet.pth"), model = dir.File("espnet.zip");
        PyTorchCheckpoint.Write(weights, ReferenceWeights.ToReference(source, EspnetReferenceNames.Map));
        string[] common = ["import", "--weights", weights, "--architecture", "Espnet", "--espnet-alpha3", "2", "--classes", "a,b,c,d,e", "--out", model];
        var run = Samples.CliHarness.Invoke([.. common, "--void-outputs", "1", "--channel-order", "Bgr", "--mean", "0.1,0.2,0.3", "--std", "0.5,0.6,0.7"]);
        Assert.AreEqual(0, run.Code, run.Error + run.Output);
        using (var loaded = Ssn.MLNet.MLNetInterop.SsnModelFile.LoadTransformer<SpatialSamplingTransformer>(new MLContext(), model, out _))
        {
            Assert.AreEqual(ChannelOrder.Bgr, loaded.Normalization.ChannelOrder, "the channel order travels in the model file");
            CollectionAssert.AreEqual(new[] { 0.1f, 0.2f, 0.3f }, loaded.Normalization.Mean);
            CollectionAssert.AreEqual(new[] { 0.5f, 0.6f, 0.7f }, loaded.Normalization.Std);
            Assert.AreEqual(1, loaded.Options.VoidOutputs);
            foreach (var (name, t) in source.state_dict()) Assert.IsTrue(t.allclose(loaded.Model.state_dict()[name], 0, 0), name);
        }
        Samples.CliHarness.AssertOneLineError(Samples.CliHarness.Invoke(common), 1, "classifier.weight [6, 6, 2, 2], ours [5, 5, 2, 2]"); // the hint names --void-outputs
        Samples.CliHarness.AssertOneLineError(Samples.CliHarness.Invoke([.. common, "--void-outputs", "1", "--mean", "1,2"]), 1, "--mean '1,2'");
        Samples.CliHarness.AssertOneLineError(Samples.CliHarness.Invoke(["import", "--weights", weights, "--architecture", "Espnet", "--espnet-alpha3", "3", "--classes", "a,b,c,d,e", "--void-outputs", "1", "--out", model]), 1, "--espnet-alpha3");
    }

    [TestMethod]
    public void VoidOutputsArePredictedAsNoClassAndCountAsMisses()
    {
        // A 6-output ESPNet whose last output wins everywhere: every pixel is "no class", so every class IoU is 0.
        var ml = new MLContext(seed: 1);
        var network = SegmentationModels.Create(new SsnNetworkOptions { Architecture = Architecture.Espnet, Decoder = DecoderKind.Original, NumClasses = 6, ArchitectureOptions = new EspnetOptions { Alpha3 = 2 } });
        using (no_grad())
        {
            var state = network.state_dict();
            state["decoder.level1Act.bn.weight"].zero_(); // the last block's features are its BN bias, 10, everywhere
            state["decoder.level1Act.bn.bias"].fill_(10);
            var up1 = state["decoder.up1.weight"];        // deconvolution [in, out, 2, 2]: output 5 sums the inputs, the others are 0
            up1.zero_();
            up1[.., 5].fill_(1);
        }
        network.eval();
        using var transformer = new SpatialSamplingTransformer(ml, network, ["a", "b", "c", "d", "e"], options: new SpatialSamplingTransformerOptions { VoidOutputs = 1, OutputScores = true });
        var rows = new[] { new ImageRow { Image = new RgbImage(32, 24, Enumerable.Range(0, 32 * 24 * 3).Select(i => (byte)(i * 7)).ToArray()).ToMLImage() } };
        var scored = transformer.Transform(ml.Data.LoadFromEnumerable(rows));
        var row = ml.Data.CreateEnumerable<ScoredRow>(scored, reuseRowObject: false).Single();
        Assert.IsTrue(row.PredictedLabel.All(l => l == SegmentationOutputColumns.NoClass), "labels: " + string.Join(",", row.PredictedLabel.Distinct()));
        Assert.HasCount(5 * 32 * 24, row.Score, "scores keep the named classes' planes only");
        Assert.ThrowsExactly<ArgumentException>(() => new SpatialSamplingTransformer(ml, network, ["a", "b", "c", "d", "e"]));
    }

    [TestMethod]
    public void ACheckpointWrittenHereReadsBackTensorForTensor()
    {
        using var dir = new TempDirectory();
        foreach (var skip in Enum.GetValues<EspnetLevel1Skip>())
        {
            var options = new SsnNetworkOptions { Architecture = Architecture.Espnet, Decoder = DecoderKind.Original, NumClasses = 7, ArchitectureOptions = new EspnetOptions { Alpha3 = 3, Level1Skip = skip } };
            manual_seed(11);
            var source = SegmentationModels.Create(options);
            string path = dir.File($"espnet-{skip}.pth");
            PyTorchCheckpoint.Write(path, ReferenceWeights.ToReference(source, EspnetReferenceNames.Map));
            var read = PyTorchCheckpoint.Read(path);
            Assert.IsTrue(read.Any(kv => kv.Key == "encoder.level2_0.c1.conv.weight") && read.Any(kv => kv.Key == "combine_l2_l3.1.bn.bn.running_var"), "reference names");
            manual_seed(12);
            var target = SegmentationModels.Create(options);
            Assert.AreEqual(source.state_dict().Count, ReferenceWeights.Load(target, read, EspnetReferenceNames.Map, path));
            foreach (var (name, t) in source.state_dict())
                Assert.IsTrue(t.allclose(target.state_dict()[name], 0, 0), name);
            source.eval(); target.eval();
            using var x = randn(1, 3, 48, 64, generator: new Generator(3));
            using var a = source.forward(x);
            using var b = target.forward(x);
            Assert.IsTrue(a.Logits.allclose(b.Logits, 0, 0), skip.ToString());
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void ExportedWeightsRunInTheAuthorsModelPyWithOurOutputs()
    {
        string espnet = SharedData.EspnetOrSkip();
        string python = SharedData.PythonWithTorchOrSkip();
        using var dir = new TempDirectory();
        foreach (var (weights, classes, skip) in new[] { (CamVidWeights(espnet), 12, EspnetLevel1Skip.Reinforced), (CityscapesWeights(espnet), 20, EspnetLevel1Skip.Convolution) })
        {
            var network = SegmentationModels.Create(new SsnNetworkOptions { Architecture = Architecture.Espnet, Decoder = DecoderKind.Original, NumClasses = classes, ArchitectureOptions = new EspnetOptions { Level1Skip = skip } });
            ReferenceWeights.Load(network, PyTorchCheckpoint.Read(weights), EspnetReferenceNames.Map, weights);
            network.eval();
            string exported = dir.File($"{skip}.pth"), io = dir.File($"{skip}-io.pth");
            PyTorchCheckpoint.Write(exported, ReferenceWeights.ToReference(network, EspnetReferenceNames.Map));
            using var x = randn(1, 3, 96, 128, generator: new Generator(4)) * 0.01f; // their inputs are (v - mean) / std / 255
            using var y = network.forward(x);
            PyTorchCheckpoint.Write(io, [new("x", x), new("y", y.Logits)]);
            string script = Path.Combine(AppContext.BaseDirectory, "Import", "espnet_reference.py");
            var (code, stdout, stderr) = MLNetInterop.ModelFiles.Run(python, [script, espnet, exported, io, skip.ToString()], TimeSpan.FromMinutes(4), "the PyTorch reference");
            Assert.AreEqual(0, code, stderr);
            string run = stdout.Trim().Split('\n')[^1];
            using var json = JsonDocument.Parse(run);
            Assert.IsLessThan(1e-4, json.RootElement.GetProperty("max_abs_diff").GetDouble(), $"{skip}: {run}");
            Assert.AreEqual(1.0, json.RootElement.GetProperty("argmax_equal").GetDouble(), $"{skip}: {run}");
        }
    }

    [TestMethod]
    public void AnEncoderOnlyCheckpointLoadsIntoTheEncoderOfAnotherDecoder()
    {
        // ESPNet-C, the authors' encoder checkpoint, names its tensors without "encoder." (level1.conv.weight, …).
        using var dir = new TempDirectory();
        var espnet = new SsnNetworkOptions { Architecture = Architecture.Espnet, Decoder = DecoderKind.Original, NumClasses = 20, ArchitectureOptions = new EspnetOptions { Alpha3 = 2 } };
        manual_seed(5);
        var source = SegmentationModels.Create(espnet);
        var encoderOnly = ReferenceWeights.ToReference(source, EspnetReferenceNames.Map)
            .Where(kv => kv.Key.StartsWith("encoder.", StringComparison.Ordinal)).Select(kv => KeyValuePair.Create(kv.Key["encoder.".Length..], kv.Value)).ToList();
        string path = dir.File("espnet-c.pth");
        PyTorchCheckpoint.Write(path, encoderOnly);
        var target = SegmentationModels.Create(espnet with { Decoder = DecoderKind.ImprovedGuidedUpsampling, NumClasses = 11 });
        var report = PyTorchImport.LoadMatching(target, path);
        var encoderTensors = target.state_dict().Keys.Where(k => k.StartsWith("encoder.", StringComparison.Ordinal)).ToList();
        Assert.HasCount(encoderTensors.Count, report.Loaded, report.ToString());
        CollectionAssert.AreEqual(new[] { "classifier.conv.weight" }, report.Unexpected.ToArray(), "the ESPNet-C classifier has no place in an iGUM decoder");
        Assert.IsTrue(report.Missing.All(n => n.StartsWith("decoder.", StringComparison.Ordinal)), report.ToString());
        foreach (var name in encoderTensors)
            Assert.IsTrue(target.state_dict()[name].allclose(source.state_dict()[name], 0, 0), name);
    }

    [TestMethod]
    public void ACheckpointThatDoesNotMatchNamesEveryTensorLeftOver()
    {
        using var dir = new TempDirectory();
        var options = new SsnNetworkOptions { Architecture = Architecture.Espnet, Decoder = DecoderKind.Original, NumClasses = 6, ArchitectureOptions = new EspnetOptions { Alpha3 = 2 } };
        var reference = ReferenceWeights.ToReference(SegmentationModels.Create(options), EspnetReferenceNames.Map)
            .Where(kv => kv.Key != "br.running_mean").Append(new("extra.weight", ones(3))).ToList();
        string path = dir.File("mismatch.pth");
        PyTorchCheckpoint.Write(path, reference);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ReferenceWeights.Load(SegmentationModels.Create(options), PyTorchCheckpoint.Read(path), EspnetReferenceNames.Map, path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "Not in the file (1): br.running_mean (ours: decoder.level3Bn.running_mean)");
        StringAssert.Contains(e.Message, "In the file but not in the network (1): extra.weight");
        e = Assert.ThrowsExactly<InvalidDataException>(() => ReferenceWeights.Load(SegmentationModels.Create(options with { ArchitectureOptions = new EspnetOptions { Alpha3 = 3 } }), PyTorchCheckpoint.Read(path), EspnetReferenceNames.Map, path));
        StringAssert.Contains(e.Message, "encoder.level3.2.c1.conv.weight (ours: encoder.level3.2.reduce.weight)", "the third level-3 module the file lacks");
        StringAssert.Contains(e.Message, "--espnet-alpha3");
    }

    [TestMethod]
    public void TheReaderRefusesWhatIsNotAStateDictNamingTheReason()
    {
        using var dir = new TempDirectory();
        // A pickle that would call os.system("echo hi") under Python's own unpickler.
        byte[] evil = [0x80, 2, .. "cos\nsystem\n"u8, (byte)'X', 7, 0, 0, 0, .. "echo hi"u8, 0x85, (byte)'R', (byte)'.'];
        string evilPath = dir.File("evil.pth");
        File.WriteAllBytes(evilPath, ZipWith(evil));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => PyTorchCheckpoint.Read(evilPath));
        StringAssert.Contains(e.Message, "os.system");
        StringAssert.Contains(e.Message, evilPath);

        string good = dir.File("good.pth");
        PyTorchCheckpoint.Write(good, [new("w", ones(4, 4))]);
        byte[] bytes = File.ReadAllBytes(good);
        string truncated = dir.File("truncated.pth");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        e = Assert.ThrowsExactly<InvalidDataException>(() => PyTorchCheckpoint.Read(truncated));
        StringAssert.Contains(e.Message, truncated);

        string text = dir.File("notes.pth");
        File.WriteAllText(text, "not a checkpoint at all");
        e = Assert.ThrowsExactly<InvalidDataException>(() => PyTorchCheckpoint.Read(text));
        StringAssert.Contains(e.Message, text);

        string model = dir.File("whole-model.pth"); // torch.save(model) pickles the module class, not a state_dict
        File.WriteAllBytes(model, ZipWith([0x80, 2, .. "cModel\nESPNet\n"u8, (byte)')', 0x81, (byte)'.']));
        e = Assert.ThrowsExactly<InvalidDataException>(() => PyTorchCheckpoint.Read(model));
        StringAssert.Contains(e.Message, model);
    }

    [TestMethod]
    public void ATrainingCheckpointIsUnwrappedAndDataParallelNamesAreStripped()
    {
        using var dir = new TempDirectory();
        string path = dir.File("ddp.pth");
        PyTorchCheckpoint.Write(path, [new("module.a.weight", ones(2, 3)), new("module.b.bias", zeros(5))]);
        var read = PyTorchCheckpoint.Read(path);
        CollectionAssert.AreEqual(new[] { "a.weight", "b.bias" }, read.Select(kv => kv.Key).ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 3 }, read[0].Value.shape);
    }

    /// <summary>The authors' loadData.py statistics of CamVid train: per-image channel means and stds (BGR) averaged over images.</summary>
    internal static ImageNormalization AuthorsNormalization(string camvid)
    {
        var files = Directory.GetFiles(Path.Combine(camvid, "train"), "*.png").Order(StringComparer.Ordinal).ToArray();
        double[] mean = new double[3], std = new double[3];
        foreach (var file in files)
        {
            var image = ImageFile.ReadRgb(file);
            int n = image.Width * image.Height;
            for (int c = 0; c < 3; c++)
            {
                double sum = 0, squares = 0;
                for (int i = 0; i < n; i++) { double v = image.Pixels[3 * i + (2 - c)]; sum += v; squares += v * v; }
                double m = sum / n;
                mean[c] += m;
                std[c] += Math.Sqrt(squares / n - m * m);
            }
        }
        // Their input is (bgr - mean) / std / 255 = (bgr / 255 - mean / 255) / std.
        return new ImageNormalization(mean.Select(m => (float)(m / files.Length / 255)).ToArray(), std.Select(s => (float)(s / files.Length)).ToArray(), ChannelOrder.Bgr);
    }

    private static byte[] ZipWith(byte[] pickle)
    {
        using var memory = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(memory, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        using (var s = zip.CreateEntry("archive/data.pkl").Open()) s.Write(pickle);
        return memory.ToArray();
    }

    private sealed class ImageRow
    {
        [Microsoft.ML.Transforms.Image.ImageType(24, 32)]
        public Microsoft.ML.Data.MLImage Image { get; set; } = null!;
    }

    private sealed class ScoredRow
    {
        public byte[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
    }
}

/// <summary>The checkpoint reader under damaged input: seeded truncations and bit flips of a zip-format checkpoint (and of
/// the authors' legacy one, where <c>../shared</c> has it) give an <see cref="InvalidDataException"/> naming the file, or
/// tensors — never another exception, a crash or a hang.</summary>
[TestClass]
public sealed class PyTorchCheckpointFuzzTests
{
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void DamagedCheckpointsGiveAClearErrorOrTensors()
    {
        using var dir = new TempDirectory();
        string written = dir.File("written.pth");
        manual_seed(3);
        PyTorchCheckpoint.Write(written, [new("a.weight", randn(4, 3)), new("a.bias", zeros(4)), new("bn.num_batches_tracked", tensor(7L))]);
        var files = new List<string> { written };
        if (SharedData.Espnet is { } espnet) files.Add(Path.Combine(espnet, "pretrained", "encoder", "espnet_p_2_q_8.pth"));
        var random = new Random(7);
        var outcomes = new Dictionary<string, int>();
        foreach (string file in files)
        {
            byte[] original = File.ReadAllBytes(file);
            for (int n = 0; n < 150; n++)
            {
                string kind = n % 2 == 0 ? "truncated" : "bit flips";
                string path = dir.File($"case-{n}.pth");
                File.WriteAllBytes(path, n % 2 == 0 ? DamagedInput.Truncated(original, random) : DamagedInput.BitFlipped(original, random));
                string outcome = DamagedInput.Classify(path, PyTorchCheckpoint.Read, $"{Path.GetFileName(file)} {kind} #{n}");
                string key = $"{Path.GetFileName(file)} / {kind} / {outcome}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            }
        }
        foreach (var (key, count) in outcomes.OrderBy(kv => kv.Key)) Console.WriteLine($"{key}: {count}");
        Assert.IsTrue(outcomes.Keys.Any(k => k.EndsWith("clear error", StringComparison.Ordinal)));
    }
}
