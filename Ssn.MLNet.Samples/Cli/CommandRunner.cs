using System.CommandLine;
using System.Reflection;
using Ssn.MLNet.Trainers.Runtime;

namespace Ssn.MLNet.Samples.Cli;

/// <summary>
/// Runs a command's work and turns failures into the command line's contract: a one-line <c>error: …</c> on the error
/// writer and a non-zero exit code (1 = failed, 130 = cancelled).
/// </summary>
internal static class CommandRunner
{
    /// <summary>Exit code of a run that failed.</summary>
    public const int Failed = 1;

    /// <summary>Exit code of a command line that did not parse.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of a cancelled run (Ctrl+C).</summary>
    public const int Cancelled = 130;

    /// <summary>Sets <paramref name="work"/> as <paramref name="command"/>'s action, with the error contract.</summary>
    public static void SetAction(Command command, CliEnvironment env, Func<ParseResult, CancellationToken, Task<int>> work) =>
        command.SetAction(async (parse, token) => await RunAsync(env, () => work(parse, token)));

    /// <summary>Runs <paramref name="work"/>; exceptions become one error line.</summary>
    public static async Task<int> RunAsync(CliEnvironment env, Func<Task<int>> work)
    {
        try
        {
            TorchRuntime.EnsureLoaded();
            return await work();
        }
        catch (OperationCanceledException)
        {
            env.Error.WriteLine("error: cancelled.");
            return Cancelled;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            env.Error.WriteLine($"error: {OneLine(e)}");
            if (Environment.GetEnvironmentVariable("SSN_DEBUG") == "1") env.Error.WriteLine(e);
            return Failed;
        }
    }

    /// <summary>The innermost meaningful message, on one line.</summary>
    internal static string OneLine(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or TypeInitializationException or TargetInvocationException && e.InnerException is not null) e = e.InnerException!;
        return e.Message.ReplaceLineEndings(" ").Trim();
    }
}
