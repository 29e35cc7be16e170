using Spectre.Console;

namespace Ssn.MLNet.Samples.Cli;

/// <summary>
/// Where a command writes: the Spectre console (tables, progress bars), the plain output (help text) and the error
/// writer (one-line errors). Tests pass a non-interactive console over a <see cref="StringWriter"/> to run commands in-process.
/// </summary>
/// <param name="Console">Console for normal output and progress.</param>
/// <param name="Output">Writer for help text.</param>
/// <param name="Error">Writer for error lines.</param>
public sealed record CliEnvironment(IAnsiConsole Console, TextWriter Output, TextWriter Error)
{
    /// <summary>The process console.</summary>
    public static CliEnvironment Default => new(AnsiConsole.Console, System.Console.Out, System.Console.Error);

    /// <summary>A plain, non-interactive console writing to <paramref name="output"/> (no colours, no live redraw).</summary>
    public static CliEnvironment Plain(TextWriter output, TextWriter error) => new(AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
        Out = new AnsiConsoleOutput(output),
    }), output, error);
}
