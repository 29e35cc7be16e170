using Spectre.Console;

namespace Ssn.MLNet.Samples.Reporting;

/// <summary>Spectre.Console progress bars for the long steps (generation, training, evaluation).</summary>
internal static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/> on a worker thread with one progress bar of <paramref name="maxValue"/> steps.</summary>
    public static async Task<T> RunAsync<T>(IAnsiConsole console, string description, double maxValue, Func<ProgressTask, T> work)
    {
        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(description, maxValue: Math.Max(1, maxValue));
                result = await Task.Run(() => work(task));
                task.Value = task.MaxValue;
                task.StopTask();
            });
        return result;
    }
}
