using System.Security.Cryptography;
using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.MLNetInterop;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.MLNetInterop;
using Ssn.MLNet.Tests.Onnx;
using Ssn.MLNet.Tests.Samples;
using Ssn.MLNet.Trainers.OnnxExport;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Tests.Packaging;

/// <summary>
/// The packages tested as packages (issue 23): everything packable is packed into a local feed (<see cref="PackageFeed"/>),
/// and apps outside the repository install them with PackageReferences only — the ONNX-only app (with the CPU or the CUDA
/// ONNX Runtime, or none), a training app, and the ssn tool through <c>dotnet tool install</c>.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PackageFeedTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    [ClassCleanup]
    public static void DeleteFeed() => PackageFeed.DeleteIfCreated();

    [TestMethod]
    [Timeout(1_800_000, CooperativeCancellation = true)]
    public void AnOnnxOnlyAppFromTheFeedPredictsWithoutLibtorchOnTheCpuAndBuildsWithTheCudaRuntime()
    {
        var feed = PackageFeed.Instance;
        using var dir = new TempDirectory();
        var (modelPath, image, expected) = ExportedModel(dir);

        foreach (string runtime in new[] { "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxRuntime.Gpu.Linux" })
        {
            string app = feed.CopyApp("Ssn.MLNet.OnnxConsumer", "onnx-" + runtime);
            var (code, build) = feed.Build(app, $"OnnxRuntimePackage={runtime}");
            Assert.AreEqual(0, code, build);
            string bin = Path.Combine(app, "out");
            var files = Directory.GetFiles(bin, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(bin, f)).ToList();
            CollectionAssert.AreEqual(Array.Empty<string>(), files.Where(f => f.Contains("torch", StringComparison.OrdinalIgnoreCase)).ToList(),
                "libtorch or TorchSharp files in the ONNX-only app's output");
            bool cuda = files.Any(f => Path.GetFileName(f) == "libonnxruntime_providers_cuda.so");
            Assert.AreEqual(runtime.Contains("Gpu", StringComparison.Ordinal), cuda, $"{runtime}: CUDA provider in the output = {cuda}\n" + string.Join('\n', files));
            long bytes = Directory.GetFiles(bin, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"ONNX-only consumer with {runtime}: {bytes / 1048576.0:F0} MiB in {files.Count} files");

            // Both runtimes run the CPU execution provider (no GPU here): same class map as the in-process transformer.
            var (runCode, stdout, stderr) = ModelFiles.RunDotnet([Path.Combine(bin, "Ssn.MLNet.OnnxConsumer.dll"), modelPath, image], RunTimeout, "the ONNX-only app");
            string output = stdout + stderr;
            Assert.AreEqual(0, runCode, output);
            var lines = output.Split('\n', StringSplitOptions.TrimEntries);
            CollectionAssert.Contains(lines, $"type={typeof(SsnOnnxTransformer).FullName}", output);
            CollectionAssert.Contains(lines, $"labels={Convert.ToHexString(SHA256.HashData(expected.PredictedLabel))}", output);
            CollectionAssert.Contains(lines, $"instances={expected.InstanceClasses.Length}", output);
            Assert.IsFalse(lines.Any(l => l.StartsWith("assembly=TorchSharp", StringComparison.Ordinal)), "TorchSharp was loaded:\n" + output);
        }
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void AnOnnxOnlyAppWithoutANativeRuntimeFailsToBuildNamingThePackagesToAdd()
    {
        var feed = PackageFeed.Instance;
        string app = feed.CopyApp("Ssn.MLNet.OnnxConsumer", "onnx-none");
        var (code, build) = feed.Build(app, "OnnxRuntimePackage=none");
        Assert.AreNotEqual(0, code, build);
        StringAssert.Contains(build, "error SSN0001");
        StringAssert.Contains(build, "Microsoft.ML.OnnxRuntime (CPU");
        StringAssert.Contains(build, "Microsoft.ML.OnnxRuntime.Gpu.Linux");
        StringAssert.Contains(build, "SsnOnnxRuntimeCheck=false");
    }

    [TestMethod]
    [Timeout(1_200_000, CooperativeCancellation = true)]
    public void ATrainingAppFromTheFeedTrainsSavesReloadsAndExports()
    {
        var feed = PackageFeed.Instance;
        string app = feed.CopyApp("Ssn.MLNet.TrainerConsumer", "trainer");
        var (code, build) = feed.Build(app);
        Assert.AreEqual(0, code, build);
        StringAssert.Contains(build, "warning SSN0001", "no ONNX Runtime native: a warning for a training app, not an error");

        using var work = new TempDirectory();
        var (runCode, stdout, stderr) = ModelFiles.RunDotnet([Path.Combine(app, "out", "Ssn.MLNet.TrainerConsumer.dll"), work.Path], RunTimeout, "the training app");
        string output = stdout + stderr;
        Assert.AreEqual(0, runCode, output);
        var values = output.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        Assert.AreEqual("Ssn.MLNet.Trainers.Transforms.SpatialSamplingTransformer", values["trained"], output);
        Assert.AreEqual(values["trained"], values["loaded"], output);
        Assert.AreEqual(values["miou"], values["reloaded_miou"], "the reloaded model must predict what the trained one did");
        Assert.IsGreaterThan(0.6, double.Parse(values["miou"], System.Globalization.CultureInfo.InvariantCulture), output);
        Assert.IsGreaterThan(100_000L, long.Parse(values["onnx_bytes"], System.Globalization.CultureInfo.InvariantCulture), output);
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void TheSsnToolInstallsFromTheFeedAndPredictsWithAZooModel()
    {
        var feed = PackageFeed.Instance;
        string tools = Path.Combine(feed.Root, "tools");
        var (code, stdout, stderr) = ModelFiles.RunDotnet(
            ["tool", "install", "--tool-path", tools, "--add-source", feed.Feed, "--version", feed.Version, "Ssn.MLNet.Tool"],
            RunTimeout, "dotnet tool install", feed.RestoreEnvironment);
        Assert.AreEqual(0, code, stdout + stderr);
        string ssn = Path.Combine(tools, OperatingSystem.IsWindows() ? "ssn.exe" : "ssn");
        Assert.IsTrue(File.Exists(ssn), $"no {ssn} after install:\n{stdout}");

        using var dir = new TempDirectory();
        string image = dir.File("street.png");
        ImageFile.WriteRgbPng(image, SyntheticImage(96, 64));
        (code, stdout, stderr) = ModelFiles.Run(ssn, ["predict", "--model", "camvid-ssn", image, "--out", dir.File("predictions")], RunTimeout, "ssn predict");
        Assert.AreEqual(0, code, stdout + stderr);
        var labels = ImageFile.ReadRgb(dir.File(Path.Combine("predictions", "street_labels.png"))); // CamVid palette colours
        Assert.AreEqual((96, 64), (labels.Width, labels.Height));
        Assert.IsTrue(File.Exists(dir.File(Path.Combine("predictions", "street_overlay.png"))), stdout);
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void EveryLibraryPackageCarriesItsReadmeReleaseNotesLicenceAndCommit()
    {
        var feed = PackageFeed.Instance;
        string? head = null;
        if (Directory.Exists(Path.Combine(CommandLineTests.RepoRoot(), ".git")))
        {
            var (code, stdout, _) = ModelFiles.Run("git", ["-C", CommandLineTests.RepoRoot(), "rev-parse", "HEAD"], TimeSpan.FromMinutes(1), "git rev-parse");
            if (code == 0) head = stdout.Trim();
        }
        foreach (string id in new[] { "Ssn.MLNet", "Ssn.MLNet.Trainers", "Ssn.MLNet.Models", "Ssn.MLNet.Tool" })
        {
            using var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.nupkg"));
            using var nuspecStream = package.Entries.Single(e => e.FullName == id + ".nuspec").Open();
            var nuspec = System.Xml.Linq.XDocument.Load(nuspecStream);
            string Element(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.AreEqual("README.md", Element("readme"), id);
            Assert.IsNotNull(package.GetEntry("README.md"), id);
            Assert.AreEqual("MIT", Element("license"), id);
            StringAssert.StartsWith(Element("releaseNotes"), "## 0.1.0", $"{id}: release notes = this version's CHANGELOG section");
            var repository = nuspec.Descendants().SingleOrDefault(e => e.Name.LocalName == "repository");
            if (head is not null)
                Assert.AreEqual(head, (string?)repository?.Attribute("commit"), $"{id}: the commit it was packed from (Source Link)");
        }
    }

    private static (string ModelPath, string Image, SegmentationPrediction Expected) ExportedModel(TempDirectory dir)
    {
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
        Assert.IsGreaterThan(0, expected.InstanceClasses.Length, "the test network should predict instances");
        return (modelPath, image, expected);
    }

    private static RgbImage SyntheticImage(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)(i * 7 % 251);
        return image;
    }
}
