using System.Text.Json;
using Microsoft.ML;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Models;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.RealData;
using static Ssn.MLNet.Tests.Samples.CliHarness;

namespace Ssn.MLNet.Tests.Import;

/// <summary>
/// The zoo: every entry loads strictly from the package alone, its metadata holds together (class count, licence file,
/// result files), a first prediction needs one command, and — where <c>../shared/camvid</c> exists — the quality its JSON
/// claims is what <c>evaluate</c> measures on the shipped file.
/// </summary>
[TestClass]
public sealed class PretrainedModelsTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ssn.MLNet.sln"))) return dir.FullName;
        throw new AssertInconclusiveException("skipped: the repository root (Ssn.MLNet.sln) is not above the test binaries.");
    }

    [TestMethod]
    public void EveryEntryLoadsStrictlyAndItsMetadataHoldsTogether()
    {
        string root = RepositoryRoot();
        var ml = new MLContext(seed: 1);
        Assert.IsGreaterThanOrEqualTo(2, PretrainedModels.All.Count);
        CollectionAssert.AllItemsAreUnique(PretrainedModels.All.Select(m => m.Name).ToArray());
        foreach (var entry in PretrainedModels.All)
        {
            Assert.AreEqual(entry.ClassNames.Count + entry.Transformer.VoidOutputs, entry.Network.NumClasses, entry.Name);
            Assert.IsNotEmpty(entry.Metrics, entry.Name);
            foreach (var file in entry.ResultFiles) Assert.IsTrue(File.Exists(Path.Combine(root, file)), $"{entry.Name}: result file {file}");
            string? licence = entry.License.Split(' ', '(', ')').FirstOrDefault(w => w.EndsWith(".txt", StringComparison.Ordinal));
            if (licence is not null)
                Assert.IsTrue(File.Exists(Path.Combine(root, "Ssn.MLNet.Models", "Zoo", Path.GetFileName(licence))), $"{entry.Name}: licence {licence}");
            using var model = entry.Load(ml); // strict: every tensor of the network is in the file with its shape
            Assert.AreEqual(entry.Network.Architecture, model.Model.Options.Architecture);
            CollectionAssert.AreEqual(entry.ClassNames.ToArray(), model.ClassNames.ToArray());
            Assert.AreEqual(entry.Normalization.ChannelOrder, model.Normalization.ChannelOrder, entry.Name);
            CollectionAssert.AreEqual(entry.Normalization.Mean, model.Normalization.Mean, entry.Name);
            CollectionAssert.AreEqual(entry.Normalization.Std, model.Normalization.Std, entry.Name);
        }
        Assert.AreSame(PretrainedModels.Get("camvid-espnet"), PretrainedModels.Find("CamVid-ESPNet"));
        var e = Assert.ThrowsExactly<ArgumentException>(() => PretrainedModels.Get("camvid-resnet"));
        StringAssert.Contains(e.Message, "camvid-espnet");
    }

    [TestMethod]
    public void AFirstPredictionTakesOneCommandAndNoTraining()
    {
        using var dir = new TempDirectory();
        string image = dir.File("street.png");
        ImageFile.WriteRgbPng(image, new RgbImage(96, 64, Enumerable.Range(0, 96 * 64 * 3).Select(i => (byte)(i % 251)).ToArray()));
        var run = Invoke("predict", "--model", "camvid-espnet", image, "--out", dir.File("out"));
        Assert.AreEqual(0, run.Code, run.Error + run.Output);
        Assert.IsTrue(File.Exists(dir.File(Path.Combine("out", "street_overlay.png"))));
        AssertOneLineError(Invoke("predict", "--model", "camvid-nothing", image), 1, "the zoo has camvid-espnet");
        var export = Invoke("export", "--model", "camvid-ssn", "--out", dir.File("camvid-ssn.onnx"));
        Assert.AreEqual(0, export.Code, export.Error);
        Assert.IsTrue(File.Exists(dir.File("camvid-ssn-onnx.zip")), "a zoo model exports to ONNX and to an ONNX Runtime model file");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void TheQualityTheZooClaimsIsWhatEvaluateMeasures()
    {
        string camvid = SharedData.CamVidOrSkip();
        using var dir = new TempDirectory();
        foreach (var entry in PretrainedModels.All.Where(m => m.Metrics.Keys.Any(k => k.StartsWith("camvid-val-", StringComparison.Ordinal))))
        {
            string outDir = dir.File(entry.Name);
            var run = Invoke("evaluate", "--model", entry.Name, "--data", camvid, "--format", "camvid", "--split", "val", "--out", outDir);
            Assert.AreEqual(0, run.Code, run.Error);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
            Assert.AreEqual(entry.Metrics["camvid-val-mIoU"], json.RootElement.GetProperty("meanIoU").GetDouble(), 5e-5, entry.Name);
            if (entry.Metrics.TryGetValue("camvid-val-pixelAccuracy", out double accuracy))
                Assert.AreEqual(accuracy, json.RootElement.GetProperty("pixelAccuracy").GetDouble(), 5e-5, entry.Name);
        }
    }
}
