using System.CommandLine;

namespace Ssn.MLNet.Samples.Bench;

/// <summary>The <c>bench</c> verb: latency, stages, clustering, t sweep, decoders, training throughput, memory, FLOPs.</summary>
public static class BenchCommand
{
    /// <summary>Builds the command (System.CommandLine 2.0.0); the root command adds it with <c>root.Subcommands.Add(BenchCommand.Create())</c>.</summary>
    public static Command Create()
    {
        var output = new Option<FileInfo?>("--out") { Description = "Write the results as JSON to this file (default bench.json)." };
        var quick = new Option<bool>("--quick") { Description = "A fast pass: fewer runs, no 1024×2048, fewer training steps." };
        var runs = new Option<int?>("--runs") { Description = "Timed runs per measurement (default 10; --quick 3)." };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for libtorch and ONNX Runtime (default 0: one per core)." };
        var model = new Option<FileInfo?>("--model") { Description = "Time this trained model (model.zip of a Spatial Sampling Network) on synthetic street scenes instead of random weights on random images." };
        var quality = new Option<int>("--quality-epochs") { Description = "Also train the network this many epochs on synthetic data and report each backend's mIoU and AP (bf16/int8 loss vs fp32); 0 (default) skips it." };
        var data = new Cli.DatasetOptions("val");
        data.Data.Description = "With --model: score the model's backends (fp32, bf16, ONNX fp32, int8) on this labelled dataset's --split (default val): mIoU, AP where it has Cityscapes instances, pixels equal to fp32; int8 is calibrated on its train split.";
        var command = new Command("bench", "Measure inference latency per backend and size, stages, instance extraction vs clustering, the t sweep, decoders, training throughput and FLOPs; print markdown and write JSON.")
        {
            output, quick, runs, threads, quality, model,
        };
        data.AddTo(command);
        command.SetAction(parse =>
        {
            bool q = parse.GetValue(quick);
            int n = parse.GetValue(runs) ?? (q ? 3 : 10);
            int t = parse.GetValue(threads);
            if (n < 1) throw new ArgumentOutOfRangeException("--runs", n, "At least one timed run is needed.");
            if (t < 0) throw new ArgumentOutOfRangeException("--threads", t, "Thread count cannot be negative.");
            var sizes = q ? new[] { (360, 480), (512, 1024) } : new[] { (360, 480), (512, 1024), (1024, 2048) };
            int epochs = parse.GetValue(quality);
            if (epochs < 0) throw new ArgumentOutOfRangeException("--quality-epochs", epochs, "Epochs cannot be negative.");
            var spec = parse.GetValue(data.Data) is null && parse.GetValue(data.Images) is null ? null : data.Read(parse);
            if (spec is not null && parse.GetValue(model) is null) throw new ArgumentException("--data scores a trained model: give it with --model.");
            var settings = new BenchSettings(n, q ? 1 : 2, sizes, q ? 2 : 5, t, epochs, parse.GetValue(model)?.FullName) { QualityData = spec };
            var report = new BenchRunner(settings, Console.Out).Run();
            Console.WriteLine();
            Console.WriteLine(report.ToMarkdown());
            string path = parse.GetValue(output)?.FullName ?? Path.GetFullPath("bench.json");
            Ssn.MLNet.Imaging.AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(report.ToJson()));
            Console.WriteLine($"wrote {path}");
            return 0;
        });
        return command;
    }
}
