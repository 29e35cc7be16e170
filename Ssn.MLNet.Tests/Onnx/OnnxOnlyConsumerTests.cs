using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.MLNetInterop;
using Ssn.MLNet.Tests.Samples;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Tests.Onnx;

/// <summary>
/// An application that references Ssn.MLNet alone (tests/Ssn.MLNet.OnnxConsumer) builds, loads an exported
/// model-onnx.zip with plain <c>Model.Load</c>, predicts what the in-process ONNX transformer predicts, never loads
/// TorchSharp, and has no libtorch or TorchSharp file in its output folder.
/// </summary>
[TestClass]
public sealed class OnnxOnlyConsumerTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void AnAppWithOnlySsnMLNetOnnxPredictsWithoutLibtorch()
    {
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        var images = ml.Segmentation().Data.LoadSyntheticCityscapes(dir.Path, new SyntheticCityscapesOptions { Width = 128, Height = 64, TrainCount = 1, ValCount = 1, Seed = 4 }, "train");
        string image = Directory.GetFiles(Path.Combine(dir.Path, "leftImg8bit", "train"), "*.png", SearchOption.AllDirectories).Single();
        using var torch = TestNetworks.CarTransformer(ml);
        using var onnx = SsnOnnxExporter.ToOnnxTransformer(ml, torch);
        string modelPath = dir.File("model-onnx.zip");
        SsnModelFile.Save(ml, onnx, images.Schema, modelPath);
        using var engine = ml.Model.CreatePredictionEngine<SegmentationInput, SegmentationPrediction>(onnx, new PredictionEngineOptions { OwnsTransformer = false });
        using var mlImage = ImageFile.ReadRgb(image).ToMLImage();
        var expected = engine.Predict(new SegmentationInput { Image = mlImage });

        string project = Path.Combine(CommandLineTests.RepoRoot(), "tests", "Ssn.MLNet.OnnxConsumer");
        var (code, stdout, stderr) = ModelFiles.RunDotnet(["run", "--project", project, "-c", "Release", "--", modelPath, image],
            TimeSpan.FromMinutes(8), "the consumer app's build and run");
        string output = stdout + stderr;
        Assert.AreEqual(0, code, output);
        var lines = output.Split('\n', StringSplitOptions.TrimEntries);
        CollectionAssert.Contains(lines, $"type={typeof(SsnOnnxTransformer).FullName}", output);
        CollectionAssert.Contains(lines, $"labels={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(expected.PredictedLabel))}", output);
        CollectionAssert.Contains(lines, $"instances={expected.InstanceClasses.Length}", output);
        Assert.IsGreaterThan(0, expected.InstanceClasses.Length, "the test network should predict instances");
        Assert.IsFalse(lines.Any(l => l.StartsWith("assembly=TorchSharp", StringComparison.Ordinal)), "TorchSharp was loaded:\n" + output);

        string bin = Path.Combine(project, "bin", "Release", "net10.0");
        var torchFiles = Directory.GetFiles(bin, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).Contains("torch", StringComparison.OrdinalIgnoreCase)).ToList();
        CollectionAssert.AreEqual(Array.Empty<string>(), torchFiles, "libtorch or TorchSharp files in the ONNX-only app's output");
        long bytes = Directory.GetFiles(bin, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"ONNX-only consumer output: {bytes / 1e6:F0} MB in {bin}");
    }
}
