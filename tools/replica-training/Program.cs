// Issue 24: the trainer's own step (TrainingThroughput: forward, iGUM, loss, backward, Adam) with
// SpatialSamplingTrainerOptions.Replicas = 1 (one network on all intra-op threads) or 2 (two replicas, one thread each on
// 2 cores), batch 8 at 360x480, random images, fp32. One setting per process, so that each starts from the same fresh
// libtorch thread state; alternate the processes (run.sh does: 1 2 1 2 1 2) and take medians.
//   dotnet run -c Release -- <replicas> <rounds> [out.json] [fp32|bf16]
// The first version of this tool (commit 922bd79) measured the same idea by hand, before the trainer had it.
using System.Text.Json;
using Ssn.MLNet.Trainers;

int replicas = int.Parse(args[0]), rounds = args.Length > 1 ? int.Parse(args[1]) : 3;
const int batch = 8, height = 360, width = 480, steps = 3;
var precision = args.Length > 3 && args[3] == "bf16" ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32;
var options = new SpatialSamplingTrainerOptions { Precision = precision, Replicas = replicas, Seed = 3 };
var medians = new List<double>();
for (int r = 0; r < rounds; r++)
{
    var times = TrainingThroughput.Measure(options, 11, batch, height, width, warmup: 1, steps: steps);
    medians.Add(times.Order().ElementAt(steps / 2));
    Console.WriteLine($"replicas {replicas}, round {r}: {string.Join(", ", times.Select(t => $"{t:F0}"))} ms/step");
}
double median = medians.Order().ElementAt(rounds / 2);
string load = File.ReadAllText("/proc/loadavg").Trim();
Console.WriteLine($"{precision}, replicas {replicas}: median {median:F0} ms/step, {batch * 1000 / median:F2} images/s; load {load}");
if (args.Length > 2)
    File.WriteAllText(args[2], JsonSerializer.Serialize(new
    {
        precision = precision.ToString(), replicas, rounds, steps_per_round = steps, batch, size = $"{height}x{width}", round_medians_ms = medians,
        median_ms = median, images_per_s = Math.Round(batch * 1000 / median, 3), load, date = DateTime.UtcNow.ToString("o"),
    }));
