using System.Diagnostics;
using Microsoft.ML;
using Spectre.Console;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.Samples.Reporting;
using Ssn.MLNet.Trainers;
using Ssn.MLNet.Trainers.Transforms;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>Trains with <c>mlContext.Segmentation().Trainers.SpatialSampling(options)</c>, showing an epoch progress bar.</summary>
internal static class TrainingJob
{
    public sealed record Result(SpatialSamplingTransformer Model, IReadOnlyList<TrainingProgress> History, double Seconds);

    public static async Task<Result> RunAsync(IAnsiConsole console, MLContext ml, IDataView train, SpatialSamplingTrainerOptions options, CancellationToken token)
    {
        options.CancellationToken = token;
        var clock = Stopwatch.StartNew();
        SpatialSamplingTrainer trainer = null!;
        var model = await ConsoleProgress.RunAsync(console, "Training", options.Epochs, task =>
        {
            var inner = options.Progress;
            options.Progress = new SynchronousProgress<TrainingProgress>(p =>
            {
                task.Value = p.Epoch;
                task.Description = $"Training: epoch {p.Epoch}/{p.Epochs}, loss {p.Loss:F3}" +
                                   (double.IsNaN(p.ValidationMeanIoU) ? "" : $", val mIoU {p.ValidationMeanIoU:F3}");
                // Without a live progress bar (output redirected, e.g. a background run's log), one line per epoch.
                if (!console.Profile.Capabilities.Interactive) Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {EpochLine(p)}");
                inner?.Report(p);
            });
            try
            {
                trainer = ml.Segmentation().Trainers.SpatialSampling(options);
                return trainer.Fit(train);
            }
            finally
            {
                options.Progress = inner;
            }
        });
        foreach (var p in trainer.History)
            console.MarkupLine(Markup.Escape($"  {EpochLine(p)}"));
        return new Result(model, trainer.History, clock.Elapsed.TotalSeconds);
    }

    private static string EpochLine(TrainingProgress p) =>
        $"epoch {p.Epoch,3}/{p.Epochs}: {p.LossText}, " +
        $"{p.ImagesPerSecond:F1} img/s" + (double.IsNaN(p.ValidationMeanIoU) ? "" : $", val mIoU {p.ValidationMeanIoU:F4}") + $", {p.Elapsed.TotalMinutes:F1} min";

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (the trainer's), in order.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
