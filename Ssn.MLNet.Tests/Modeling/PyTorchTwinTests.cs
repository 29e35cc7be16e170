using System.Text.Json;
using Ssn.MLNet.Tests.Imaging;
using Ssn.MLNet.Tests.MLNetInterop;
using Ssn.MLNet.Tests.Onnx;
using Ssn.MLNet.Tests.RealData;
using Ssn.MLNet.Tests.Samples;
using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>
/// Parity with the PyTorch twin (<c>ssn_torch/</c>), both ways, through the files users move between the two:
/// a parity folder holds <c>weights.safetensors</c> (the network, options in the header) and <c>outputs.safetensors</c>
/// (<c>images</c> and the eval-mode outputs one runtime computed; <c>ssn_torch/parity.py</c> names them).
/// <c>ssn_torch/tests/fixtures/dotnet</c> was written by this runtime and <c>…/python</c> by the twin (a network trained
/// there), so each runtime's tests check the other's files without the other installed; where Debian's python3-torch
/// is installed, the paper network itself is compared live both ways.
/// </summary>
[TestClass]
public sealed class PyTorchTwinTests
{
    private const double Tolerance = 1e-4; // issue 26: outputs within 1e-4 of each other

    private static string Fixtures => Path.Combine(CommandLineTests.RepoRoot(), "ssn_torch", "tests", "fixtures");

    [TestMethod]
    public void TheDotnetFixtureIsWhatThisRuntimeComputes()
    {
        string folder = Path.Combine(Fixtures, "dotnet");
        if (Environment.GetEnvironmentVariable("SSN_WRITE_TWIN_FIXTURES") == "1")
            Write(folder, TestNetworks.Tiny(numClasses: 5, seed: 11), TestNetworks.Image(22, 36, seed: 5).expand(2, 3, 22, 36).contiguous() * tensor(new[] { 1f, -0.5f }).view(2, 1, 1, 1));
        var worst = Compare(folder);
        Assert.IsLessThanOrEqualTo(1e-5, worst, "same runtime: the committed .NET outputs must be reproduced (rewrite with SSN_WRITE_TWIN_FIXTURES=1 after a deliberate change)");
    }

    [TestMethod]
    public void WeightsTrainedInPyTorchGiveTheTwinsOutputsHere()
    {
        var worst = Compare(Path.Combine(Fixtures, "python"));
        Assert.IsLessThanOrEqualTo(Tolerance, worst);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void ThePaperNetworkAgreesWithTheTwinBothWays()
    {
        string python = SharedData.PythonWithTorchOrSkip();
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["PYTHONPATH"] = CommandLineTests.RepoRoot() };

        // .NET -> PyTorch: the paper network (11 classes) with trained-looking weights, one 360x480 image.
        string dotnet = dir.File("dotnet");
        Write(dotnet, TestNetworks.LookingTrained(new SsnNetworkOptions { NumClasses = 11 }, seed: 21), TestNetworks.Image(360, 480, seed: 9));
        string report = dir.File("report.json");
        var (code, stdout, stderr) = ModelFiles.Run(python, ["-m", "ssn_torch.parity", "compare", dotnet, "--json", report], TimeSpan.FromMinutes(5), "ssn_torch.parity compare", env);
        Console.WriteLine(stdout);
        Assert.AreEqual(0, code, stdout + stderr);
        using (var json = JsonDocument.Parse(File.ReadAllText(report)))
            Assert.AreEqual(264, json.RootElement.GetProperty("tensors_loaded_strictly").GetInt32(), "every tensor of the paper network");

        // PyTorch -> .NET: the paper network trained a few steps by the twin, loaded here strictly.
        string twin = dir.File("python");
        (code, stdout, stderr) = ModelFiles.Run(python, ["-m", "ssn_torch.parity", "write", twin, "--network", "paper", "--steps", "3"], TimeSpan.FromMinutes(5), "ssn_torch.parity write", env);
        Assert.AreEqual(0, code, stdout + stderr);
        Assert.IsLessThanOrEqualTo(Tolerance, Compare(twin));
    }

    /// <summary>Writes a parity folder: the network's weights and its eval-mode outputs on <paramref name="images"/>.</summary>
    private static void Write(string folder, SegmentationModel network, Tensor images)
    {
        Directory.CreateDirectory(folder);
        NetworkWeights.SaveSafetensors(network, Path.Combine(folder, "weights.safetensors"));
        var outputs = Outputs(network, images);
        File.WriteAllBytes(Path.Combine(folder, "outputs.safetensors"), NetworkWeights.ToSafetensors(
            outputs.Prepend(KeyValuePair.Create("images", images)), new Dictionary<string, string> { ["runtime"] = $"Ssn.MLNet (TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version})" }));
    }

    /// <summary>
    /// Loads a parity folder's network strictly, runs it on the folder's images and returns the largest difference from
    /// the stored outputs; fails when a class-map pixel differs where the stored logits are not a tie.
    /// </summary>
    private static double Compare(string folder)
    {
        using var network = NetworkWeights.LoadModel(Path.Combine(folder, "weights.safetensors"));
        var stored = NetworkWeights.ReadTensors(Path.Combine(folder, "outputs.safetensors")).ToDictionary(kv => kv.Key, kv => kv.Value);
        var ours = Outputs(network, stored["images"]).ToDictionary(kv => kv.Key, kv => kv.Value);
        double worst = 0;
        foreach (var (name, value) in ours)
        {
            Assert.IsTrue(stored.ContainsKey(name), $"{folder}: no '{name}' stored");
            CollectionAssert.AreEqual(stored[name].shape, value.shape, name);
            if (name == "class_map") continue;
            double diff = (value - stored[name]).abs().max().item<float>();
            Console.WriteLine($"{Path.GetFileName(folder)} {name}: max |difference| {diff:E2}");
            worst = Math.Max(worst, diff);
        }
        using var top2 = stored["logits"].topk(2, dim: 1).values;
        using var decided = (top2.select(1, 0) - top2.select(1, 1)).gt(2 * Tolerance);
        long flips = ours["class_map"].ne(stored["class_map"]).logical_and(decided).sum().item<long>();
        Assert.AreEqual(0L, flips, $"{folder}: class-map pixels differ where the logits are not a tie");
        return worst;
    }

    /// <summary>The eval-mode outputs under the twin's names (<c>ssn_torch.parity.outputs</c>).</summary>
    private static List<KeyValuePair<string, Tensor>> Outputs(SegmentationModel network, Tensor images)
    {
        network.eval();
        using var _ = no_grad();
        var heads = network.ForwardHeads(images);
        var decoded = network.Decode(heads, GridSampleMode.Nearest);
        return
        [
            new("logits8", heads.Logits), new("guidance", heads.Guidance), new("instance_guidance", heads.InstanceGuidance!),
            new("centres8", heads.Centres!), new("logits", decoded.Logits), new("centres", decoded.Centres!),
            new("class_map", decoded.Logits.argmax(1)),
        ];
    }
}
