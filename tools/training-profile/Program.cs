// Where the time of a training step of the paper network goes on this machine, op by op, forward + backward at the
// shapes of a 360×480 batch of 8 (padded 368×480: stride 4 = 92×120, stride 8 = 46×60): PReLU against ReLU, BatchNorm,
// dropout, the residual add, each convolution kind, a whole Lightweight block against its four convolutions alone, iGUM's
// full-resolution grid_sample and the weighted cross-entropy. The blocks run training's one-pass PReLU backward. Medians of 7 after one untimed run; 2 threads.
// Usage: dotnet run -c Release --project tools/training-profile -- [out.json]
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

TorchRuntime.EnsureLoaded();
torch.set_num_threads(2);
var rows = new JsonObject();

double Time(string name, Func<Tensor> forward, int reps = 7)
{
    var times = new List<double>();
    for (int i = 0; i <= reps; i++)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        var y = forward();
        y.backward(new[] { ones_like(y) });
        if (i > 0) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    times.Sort();
    double median = times[times.Count / 2];
    rows[name] = Math.Round(median, 1);
    Console.WriteLine($"{name,-58} {median,8:F1} ms");
    return median;
}

var x4 = randn(8, 64, 92, 120, requires_grad: true);
var x8 = randn(8, 128, 46, 60, requires_grad: true);
var slope = full(64, 0.25f, requires_grad: true);
Time("prelu s4 [8,64,92,120] (libtorch)", () => F.prelu(x4, slope));
Time("relu s4", () => F.relu(x4));
var (bnw, bnb, mean, variance) = (ones(64, requires_grad: true), zeros(64, requires_grad: true), zeros(64), ones(64));
Time("batchnorm train s4", () => F.batch_norm(x4, mean, variance, bnw, bnb, training: true));
Time("dropout2d s4 p=0.03", () => F.dropout2d(x4, 0.03, training: true));
Time("residual add s4", () => x4 + x4);
var w11 = randn(64, 64, 1, 1, requires_grad: true);
var w31 = randn(64, 64, 3, 1, requires_grad: true);
Time("conv 1x1 s4 64->64", () => F.conv2d(x4, w11));
Time("conv 3x1 s4 64->64", () => F.conv2d(x4, w31, padding: new long[] { 1, 0 }));
var w31d = randn(128, 128, 3, 1, requires_grad: true);
Time("conv 3x1 s8 128->128 dilation 1", () => F.conv2d(x8, w31d, padding: new long[] { 1, 0 }));
Time("conv 3x1 s8 128->128 dilation 16", () => F.conv2d(x8, w31d, padding: new long[] { 16, 0 }, dilation: new long[] { 16, 1 }));
var logits = randn(8, 19, 46, 60, requires_grad: true);
var grid = (rand(8, 368, 480, 2) * 2 - 1).requires_grad_(true);
Time("iGUM grid_sample 19 ch 46x60 -> 368x480 bilinear", () => F.grid_sample(logits, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: false));
var upsampled = randn(8, 19, 368, 480, requires_grad: true);
var labels = randint(0, 19, new long[] { 8, 368, 480 });
Time("cross-entropy, class weights, 19x368x480", () => F.cross_entropy(upsampled, labels, rand(19), ignore_index: 255));

var blocks = new JsonArray();
foreach (var (c, h, w, dilation, dropout) in new[] { (64L, 92L, 120L, 1L, 0.03), (128L, 46L, 60L, 4L, 0.3) })
{
    var block = new NonBottleneck1D(c, dropout, dilation, LnbDesign.Lightweight);
    block.train();
    var x = randn(8, c, h, w, requires_grad: true);
    double whole = Time($"Lightweight block {c} ch dilation {dilation}", () => block.call(x));
    var (a, b, e, f) = (randn(c, c, 1, 1, requires_grad: true), randn(c, c, 3, 1, requires_grad: true), randn(c, c, 1, 3, requires_grad: true), randn(c, c, 1, 1, requires_grad: true));
    double convs = Time($"  its four convolutions alone", () =>
        F.conv2d(F.conv2d(F.conv2d(F.conv2d(x, a), b, padding: new long[] { dilation, 0 }, dilation: new long[] { dilation, 1 }),
            e, padding: new long[] { 0, dilation }, dilation: new long[] { 1, dilation }), f));
    double gflop = 3 * 2.0 * c * c * (1 + 3 + 3 + 1) * 8 * h * w / 1e9; // forward + two backward convolutions
    blocks.Add(new JsonObject
    {
        ["channels"] = c, ["dilation"] = dilation, ["block_ms"] = Math.Round(whole, 1), ["convolutions_ms"] = Math.Round(convs, 1),
        ["convolution_gflop"] = Math.Round(gflop, 2), ["convolution_gflops"] = Math.Round(gflop / (convs / 1000), 0),
        ["non_convolution_share"] = Math.Round((whole - convs) / whole, 3),
    });
    Console.WriteLine($"  {gflop:F2} GFLOP: {gflop / (convs / 1000):F0} GFLOP/s in the convolutions, non-convolution share {(whole - convs) / whole:P0}");
}

string commit = "unknown";
try
{
    var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short=7 HEAD") { RedirectStandardOutput = true })!;
    commit = git.StandardOutput.ReadToEnd().Trim();
    git.WaitForExit();
}
catch (System.ComponentModel.Win32Exception) { }
var report = new JsonObject
{
    ["what"] = "tools/training-profile: forward+backward milliseconds per op at the paper network's training shapes (360x480, batch 8), medians of 7",
    ["provenance"] = new JsonObject
    {
        ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["commit"] = commit,
        ["machine"] = $"{File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':')[1].Trim()}, {Environment.ProcessorCount} logical CPUs",
        ["threads"] = 2, ["loadAverageEnd"] = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture),
    },
    ["ops_ms"] = rows,
    ["blocks"] = blocks,
};
string output = args.Length > 0 ? args[0] : "training-profile.json";
File.WriteAllText(output, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"→ {output}");
