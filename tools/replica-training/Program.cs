// Issue 24 feasibility: forward + backward of the paper network, batch 8 at 360x480 (random images and labels, semantic
// loss), measured two ways:
//   A  one model, libtorch on 2 intra-op threads (what the trainer does today);
//   B  two replicas of the model, batch 4 each, each on its own .NET thread with 1 intra-op thread, then the replica's
//      gradients added into the first's and halved, and the first's weights copied back into the second (what an
//      in-process data-parallel step would add; the optimiser step is left out of both).
// Run one mode per process (libtorch's thread pool is per process): dotnet run -c Release -- <rounds> A|B [out.json]
using System.Text.Json;
using System.Diagnostics;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Runtime;
using TorchSharp;
using static TorchSharp.torch;

TorchRuntime.EnsureLoaded();
int rounds = args.Length > 0 ? int.Parse(args[0]) : 5, steps = 3; string mode = args.Length > 1 ? args[1] : "AB";
var options = new SsnNetworkOptions { NumClasses = 11 };
var a = SegmentationModels.Create(options); a.train();
var r1 = SegmentationModels.Create(options); r1.train();
var r2 = SegmentationModels.Create(options); r2.train();
var loss = new SsnLoss();
manual_seed(1);
var images8 = randn(8, 3, 360, 480); var labels8 = randint(0, 11, new long[] { 8, 360, 480 });
var imagesA = images8.narrow(0, 0, 4).contiguous(); var imagesB = images8.narrow(0, 4, 4).contiguous();
var labelsA = labels8.narrow(0, 0, 4).contiguous(); var labelsB = labels8.narrow(0, 4, 4).contiguous();

void Step(SegmentationModel m, Tensor x, Tensor y)
{
    using var scope = NewDisposeScope();
    m.ComputeInstances = false;
    foreach (var p in m.parameters()) p.grad?.zero_();
    using var heads = m.ForwardHeads(x);
    using var output = m.Decode(heads, GridSampleMode.Bilinear);
    using var parts = loss.Compute(output.Logits, y, null, null, null, 45, 60);
    parts.Total.backward();
}
double TimeA()
{
    torch.set_num_threads(2);
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < steps; i++) Step(a, images8, labels8);
    return sw.Elapsed.TotalMilliseconds / steps;
}
// Two persistent workers, each with 1 intra-op thread; the main thread releases and awaits them with a barrier.
var go = new Barrier(3); var done = new Barrier(3);
if (mode.Contains('B')) foreach (var (m, x, y) in new[] { (r1, imagesA, labelsA), (r2, imagesB, labelsB) })
    new Thread(() => { torch.set_num_threads(1); while (true) { go.SignalAndWait(); Step(m, x, y); done.SignalAndWait(); } }, 64 << 20) { IsBackground = true }.Start();
double TimeB()
{
    torch.set_num_threads(1);
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < steps; i++)
    {
        go.SignalAndWait();
        done.SignalAndWait();
        using var _ = no_grad();
        foreach (var (p1, p2) in r1.parameters().Zip(r2.parameters()))
        {
            if (p1.grad is { } g1 && p2.grad is { } g2) g1.add_(g2).mul_(0.5); // the unused instance head has none
            p2.copy_(p1);
        }
    }
    return sw.Elapsed.TotalMilliseconds / steps;
}
if (mode.Contains('A')) TimeA(); if (mode.Contains('B')) TimeB(); // warm-up
var ta = new List<double>(); var tb = new List<double>();
for (int r = 0; r < rounds; r++)
{
    ta.Add(mode.Contains('A') ? TimeA() : double.NaN); tb.Add(mode.Contains('B') ? TimeB() : double.NaN);
    Console.WriteLine($"round {r}: A one model x 2 threads {ta[^1]:F0} ms/step, B two replicas x 1 thread {tb[^1]:F0} ms/step");
}
double Median(List<double> v) { var s = v.OrderBy(x => x).ToList(); return s[s.Count / 2]; }
if (args.Length > 2)
    File.WriteAllText(args[2], JsonSerializer.Serialize(new
    {
        mode, rounds, steps_per_round = steps, batch = 8, size = "360x480", ms_per_step = mode == "A" ? ta : tb,
        median_ms = mode == "A" ? Median(ta) : Median(tb), images_per_s = 8000 / (mode == "A" ? Median(ta) : Median(tb)),
        load = File.ReadAllText("/proc/loadavg").Trim(), date = DateTime.UtcNow.ToString("o"),
    }));
Console.WriteLine($"median A {Median(ta):F0} ms ({8000 / Median(ta):F2} images/s), B {Median(tb):F0} ms ({8000 / Median(tb):F2} images/s), B/A speed {Median(ta) / Median(tb):F3}; load {File.ReadAllText("/proc/loadavg").Trim()}");
