using Spectre.Console;
using Ssn.MLNet.Data.Synthetic;
using Ssn.MLNet.Samples.Reporting;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>
/// Writes (or reuses, when complete with the same options) the synthetic Cityscapes-format dataset, with a progress bar
/// that follows the image files appearing under <c>leftImg8bit/</c>.
/// </summary>
internal static class GenerationJob
{
    /// <summary>Returns true when the dataset was generated, false when an identical one was reused.</summary>
    public static async Task<bool> RunAsync(IAnsiConsole console, string root, SyntheticCityscapesOptions options)
    {
        var generator = new SyntheticCityscapesGenerator(options);
        if (generator.IsComplete(root))
        {
            console.MarkupLine($"Synthetic dataset reused: [bold]{Markup.Escape(Path.GetFullPath(root))}[/] ({options.TrainCount} train + {options.ValCount} val, {options.Width}×{options.Height}).");
            return false;
        }
        int total = options.TrainCount + options.ValCount;
        await ConsoleProgress.RunAsync(console, $"Generating {total} synthetic street scenes ({options.Width}×{options.Height})", total, task =>
        {
            using var done = new CancellationTokenSource();
            var poll = Task.Run(async () =>
            {
                while (!done.IsCancellationRequested)
                {
                    task.Value = CountImages(root);
                    try { await Task.Delay(250, done.Token); } catch (OperationCanceledException) { }
                }
            });
            generator.Generate(root);
            done.Cancel();
            poll.Wait();
            return true;
        });
        console.MarkupLine($"Synthetic dataset written: [bold]{Markup.Escape(Path.GetFullPath(root))}[/].");
        return true;
    }

    private static int CountImages(string root)
    {
        string dir = Path.Combine(root, "leftImg8bit");
        try { return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*_leftImg8bit.png", SearchOption.AllDirectories).Count() : 0; }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }
}
