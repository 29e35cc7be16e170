using System.CommandLine;
using System.CommandLine.Parsing;
using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Samples.Cli;

/// <summary><c>--architecture</c>: a name registered in <see cref="SegmentationArchitectures"/> (any case).</summary>
internal static class ArchitectureOption
{
    /// <summary>The option; <paramref name="description"/> is followed by the registered names.</summary>
    public static Option<Architecture?> Create(string description, bool required = false) => new("--architecture")
    {
        Description = $"{description} Registered: {string.Join(", ", SegmentationArchitectures.All.Select(a => a.Name))}.",
        Required = required,
        CustomParser = Parse,
    };

    private static Architecture? Parse(ArgumentResult result)
    {
        string token = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Architecture.TryParse(token, null, out var architecture)) return architecture;
        result.AddError($"--architecture '{token}' is not a registered architecture; registered: {string.Join(", ", SegmentationArchitectures.All.Select(a => a.Name))}.");
        return null;
    }
}
