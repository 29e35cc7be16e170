using System.Diagnostics;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Runtime;
using static TorchSharp.torch;

// Main job (for now): build the paper's network, run one 512×1024 image through the full inference path
// (BN-folded encoder, iGUM, instance sampling t = 30, extraction), print shapes, size and timing.
TorchRuntime.EnsureLoaded();
const int height = 512, width = 1024, runs = 7;
manual_seed(1);
using var network = new SpatialSamplingNetwork();
var complexity = ModelComplexity.Measure(network, height, width);
Console.WriteLine($"libtorch: {TorchRuntime.LoadedFrom} (weakened: {string.Join(", ", TorchRuntime.WeakenedVersions.DefaultIfEmpty("none"))}), threads: {get_num_threads()}");
Console.WriteLine($"Spatial Sampling Network: {complexity.Parameters:N0} parameters, {complexity.GFlops:F1} GFLOPs at 3×{height}×{width}");

network.eval();
using var predictor = new SsnPredictor(network);
using var image = randn(1, 3, height, width);
using (inference_mode())
using (var output = predictor.Network.forward(image))
{
    Console.WriteLine($"logits {Shape(output.Logits)}, iGUM guidance {Shape(output.Guidance)}, instance centres {Shape(output.Centres!)}");
}

var times = new List<double>();
SsnPrediction? prediction = null;
for (int i = 0; i < runs + 2; i++)
{
    var sw = Stopwatch.StartNew();
    prediction = predictor.Predict(image)[0];
    sw.Stop();
    if (i >= 2) times.Add(sw.Elapsed.TotalMilliseconds);
}
times.Sort();
Console.WriteLine($"prediction: labels {prediction!.Height}×{prediction.Width}, {prediction.Instances.Instances.Count} instances (untrained network)");
Console.WriteLine($"full inference at {height}×{width}: median {times[times.Count / 2]:F1} ms over {runs} runs (min {times[0]:F1}, max {times[^1]:F1})");

static string Shape(Tensor t) => $"[{string.Join("×", t.shape)}]";
