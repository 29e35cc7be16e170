using Ssn.MLNet.Samples.Cli;

namespace Ssn.MLNet.Tests.Samples;

/// <summary>Runs the samples' command line in-process and checks its error contract.</summary>
internal static class CliHarness
{
    /// <summary>Exit code, standard output and standard error of one invocation.</summary>
    public sealed record Run(int Code, string Output, string Error);

    /// <summary>Runs <paramref name="args"/> with captured output.</summary>
    public static Run Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SsnCommandLine.InvokeAsync(args, CliEnvironment.Plain(output, error)).GetAwaiter().GetResult();
        return new Run(code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts exit code <paramref name="code"/> and exactly one stderr line "error: …" containing <paramref name="fragment"/>.</summary>
    public static void AssertOneLineError(Run run, int code, string fragment)
    {
        Assert.AreEqual(code, run.Code, $"exit code; stderr: {run.Error}");
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, $"one error line expected, got: {run.Error}");
        StringAssert.StartsWith(lines[0], "error: ");
        StringAssert.Contains(lines[0], fragment);
    }
}
