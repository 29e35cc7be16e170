// Issue 24 §3: where ONNX Runtime's inference time goes, beside TorchSharp's, in one process and one sitting.
// The paper network (random weights, the bench's network) is exported as the ONNX backend exports it (stride-8 outputs,
// BN folded; fp32 and int8 QDQ); for each size it times end to end, alternating, TorchSharp's SegmentationPredictor and
// ONNX Runtime's SsnOnnxPredictor (fp32, int8), then runs ONNX Runtime's own profiler over the bare session and sums
// kernel time per op type (and lists the slowest nodes with their input shapes).
//   dotnet run -c Release -- [out.json] [runs] [HxW ...]          e.g.  -- /tmp/onnx-profile.json 10 360x480 512x1024
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.Inference;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.OnnxExport;
using static TorchSharp.torch;

string outPath = args.Length > 0 ? args[0] : "onnx-profile.json";
int runs = args.Length > 1 ? int.Parse(args[1]) : 10;
var sizes = (args.Length > 2 ? args[2..] : ["360x480", "512x1024"]).Select(s => s.Split('x').Select(int.Parse).ToArray()).ToArray();
int threads = Environment.ProcessorCount;
set_num_threads(threads);

manual_seed(1);
using var network = SegmentationModels.Create();
using (no_grad())
    foreach (var head in new[] { network.GuidedDecoder!.GuidanceHead, network.InstanceGuidanceHead! })
        head.weight!.copy_(randn_like(head.weight) * 0.05);
network.eval();
var fp32Bytes = SsnOnnxExporter.Export(network, new SsnOnnxExportOptions { FullResolutionOutputs = false });
var calibration = Enumerable.Range(0, 4).Select(i => { manual_seed(20 + i); return randn(3, 512, 1024).data<float>().ToArray(); }).ToList();
var int8Bytes = SsnOnnxExporter.ExportInt8(network, calibration, 512, 1024, new SsnOnnxExportOptions { FullResolutionOutputs = false });
var session = new SsnOnnxSessionOptions { IntraOpThreads = threads };

var report = new JsonObject
{
    ["what"] = "tools/onnx-profile: paper network (random weights), end-to-end ms (medians, alternated) and ONNX Runtime kernel ms per op type (its profiler, mean per run)",
    ["date"] = DateTime.UtcNow.ToString("o"),
    ["machine"] = $"{File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name")).Split(':')[1].Trim()}, {Environment.ProcessorCount} logical CPUs",
    ["threads"] = threads,
    ["runs"] = runs,
    ["onnxruntime"] = typeof(InferenceSession).Assembly.GetName().Version!.ToString(),
};
var sizesJson = new JsonObject();
report["sizes"] = sizesJson;
foreach (var size in sizes)
{
    int h = size[0], w = size[1];
    manual_seed(2);
    using var image = randn(1, 3, h, w);
    var data = image.data<float>().ToArray();
    using var torchPredictor = new SegmentationPredictor(network, null);
    using var onnxFp32 = new SsnOnnxPredictor(fp32Bytes, null, session);
    using var onnxInt8 = new SsnOnnxPredictor(int8Bytes, null, session);
    var backends = new (string Name, Action Run)[]
    {
        ("torchsharp-fp32", () => torchPredictor.Predict(image)),
        ("onnxruntime-fp32", () => onnxFp32.Predict(data, 1, h, w)),
        ("onnxruntime-int8", () => onnxInt8.Predict(data, 1, h, w)),
    };
    var times = backends.ToDictionary(b => b.Name, _ => new List<double>());
    foreach (var b in backends) { b.Run(); b.Run(); }
    for (int r = 0; r < runs; r++)
        foreach (var b in backends)
        {
            var clock = Stopwatch.StartNew();
            b.Run();
            times[b.Name].Add(clock.Elapsed.TotalMilliseconds);
        }
    var entry = new JsonObject { ["end_to_end_ms"] = new JsonObject(times.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)Math.Round(Median(t.Value), 1)))) };
    entry["onnxruntime_fp32_kernels"] = Profile(fp32Bytes, data, h, w, "fp32");
    entry["onnxruntime_int8_kernels"] = Profile(int8Bytes, data, h, w, "int8");
    sizesJson[$"{h}x{w}"] = entry;
    Console.WriteLine($"{h}x{w}: " + string.Join(", ", times.Select(t => $"{t.Key} {Median(t.Value):F1} ms")));
}
report["load_end"] = File.ReadAllText("/proc/loadavg").Trim();
File.WriteAllText(outPath, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"wrote {outPath}");

static double Median(List<double> xs) { var s = xs.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }

// ONNX Runtime's profiler over the bare session (what SsnOnnxPredictor runs before its post-processing): kernel time per
// op type and the ten slowest nodes, mean per run, plus the session's wall time per run.
JsonObject Profile(byte[] model, float[] data, int h, int w, string tag)
{
    using var so = new SessionOptions
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, IntraOpNumThreads = threads,
    };
    so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
    using var plain = new InferenceSession(model, so);
    so.EnableProfiling = true;
    so.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), $"onnx-profile-{tag}-{h}x{w}");
    using var profiled = new InferenceSession(model, so);
    using var input = OrtValue.CreateTensorValueFromMemory(data, new long[] { 1, 3, h, w });
    var inputName = plain.InputNames[0];
    using var run = new RunOptions();
    var wall = new List<double>();
    plain.Run(run, [inputName], [input], plain.OutputNames).Dispose();
    for (int r = 0; r < runs; r++)
    {
        var clock = Stopwatch.StartNew();
        plain.Run(run, [inputName], [input], plain.OutputNames).Dispose();
        wall.Add(clock.Elapsed.TotalMilliseconds);
    }
    profiled.Run(run, [inputName], [input], profiled.OutputNames).Dispose(); // warm-up, dropped below
    for (int r = 0; r < runs; r++) profiled.Run(run, [inputName], [input], profiled.OutputNames).Dispose();
    var file = profiled.EndProfiling();
    var events = JsonNode.Parse(File.ReadAllText(file))!.AsArray()
        .Where(e => (string?)e!["cat"] == "Node" && ((string?)e["name"])!.EndsWith("_kernel_time")).ToList();
    File.Delete(file);
    // Events come in run order: drop the warm-up run's (the first 1/(runs+1) of them).
    int perRun = events.Count / (runs + 1);
    var timed = events.Skip(perRun).ToList();
    var byOp = timed.GroupBy(e => (string)e!["args"]!["op_name"]!)
        .Select(g => (Op: g.Key, Ms: g.Sum(e => (double)e!["dur"]!) / 1000 / runs, Count: g.Count() / runs))
        .OrderByDescending(x => x.Ms).ToList();
    var byNode = timed.GroupBy(e => (string)e!["name"]!)
        .Select(g => (Node: g.Key[..^"_kernel_time".Length], Op: (string)g.First()!["args"]!["op_name"]!,
            Shapes: g.First()!["args"]!["input_type_shape"]?.ToJsonString() ?? "", Ms: g.Sum(e => (double)e!["dur"]!) / 1000 / runs))
        .OrderByDescending(x => x.Ms).Take(10).ToList();
    return new JsonObject
    {
        ["session_run_ms_median"] = Math.Round(Median(wall), 1),
        ["kernel_ms_total"] = Math.Round(byOp.Sum(x => x.Ms), 1),
        ["by_op_type"] = new JsonObject(byOp.Select(x => KeyValuePair.Create(x.Op, (JsonNode?)new JsonObject { ["ms"] = Math.Round(x.Ms, 2), ["nodes"] = x.Count }))),
        ["slowest_nodes"] = new JsonArray(byNode.Select(x => (JsonNode?)new JsonObject { ["node"] = x.Node, ["op"] = x.Op, ["ms"] = Math.Round(x.Ms, 2), ["inputs"] = x.Shapes }).ToArray()),
    };
}
