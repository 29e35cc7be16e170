using System.CommandLine;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Samples.Commands;

namespace Ssn.MLNet.Samples.Cli;

/// <summary>
/// The <c>Ssn.MLNet.Samples</c> command line (System.CommandLine 2.0): no verb runs the main job; verbs <c>generate</c>,
/// <c>train</c>, <c>evaluate</c>, <c>predict</c>, <c>bench</c> and <c>ablation</c>. Every verb has <c>--help</c>; bad input gives a
/// one-line <c>error: …</c> and a non-zero exit code.
/// </summary>
public static class SsnCommandLine
{
    private const string MaxPixelsOption = "--max-pixels";

    /// <summary>Builds the root command writing to <paramref name="env"/>.</summary>
    public static RootCommand Build(CliEnvironment env)
    {
        var root = new RootCommand("Spatial Sampling Network (fast semantic + instance segmentation) for ML.NET. " +
                                   "Without a verb: generate a synthetic Cityscapes-format dataset, train, evaluate and write everything to --out " +
                                   "(trainer options left out take the main job's settings, not the paper's: see README).");
        root.Options.Add(new Option<long?>(MaxPixelsOption)
        {
            Description = $"Largest image (width × height, in pixels) any command reads or predicts; larger ones are refused with a message (default {ImageLimits.DefaultMaxPixels:N0}).",
            Recursive = true,
        });
        MainJobCommand.Configure(root, env);
        root.Subcommands.Add(GenerateCommand.Create(env));
        root.Subcommands.Add(TrainCommand.Create(env));
        root.Subcommands.Add(EvaluateCommand.Create(env));
        root.Subcommands.Add(PredictCommand.Create(env));
        root.Subcommands.Add(ExportCommand.Create(env));
        root.Subcommands.Add(ImportCommand.Create(env));
        root.Subcommands.Add(Bench.BenchCommand.Create());
        root.Subcommands.Add(Ablation.AblationCommand.Create(env));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (0 = success, 1 = failed, 2 = bad command line).</summary>
    public static async Task<int> InvokeAsync(string[] args, CliEnvironment? env = null, CancellationToken token = default)
    {
        env ??= CliEnvironment.Default;
        var parse = Build(env).Parse(args);
        if (parse.Errors.Count > 0)
        {
            env.Error.WriteLine($"error: {parse.Errors[0].Message.ReplaceLineEndings(" ")} (see --help)");
            return CommandRunner.UsageError;
        }
        if (parse.GetValue<long?>(MaxPixelsOption) is { } maxPixels)
        {
            if (maxPixels <= 0)
            {
                env.Error.WriteLine($"error: {MaxPixelsOption} must be positive (got {maxPixels}).");
                return CommandRunner.UsageError;
            }
            ImageLimits.MaxPixels = maxPixels;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = env.Output, Error = env.Error }, token);
    }
}
