using System.Text.RegularExpressions;

namespace Ssn.MLNet.Trainers.Modeling.Import;

/// <summary>
/// How an architecture's <c>state_dict</c> names here translate to the names of its reference implementation (the
/// published PyTorch code whose checkpoints people have): an ordered list of prefix rewrites, the first that matches
/// wins, the rest of the name is kept. Declared once per architecture (<see cref="ForArchitecture"/>), used both ways:
/// <see cref="ReferenceWeights.Load"/> to import a checkpoint, <see cref="ReferenceWeights.ToReference"/> to export one.
/// </summary>
public sealed class ReferenceNameMap
{
    private readonly (Regex Pattern, string Replacement)[] rules;

    /// <summary>Creates a map.</summary>
    /// <param name="reference">The reference implementation, for messages (e.g. "the ESPNet authors' train/Model.py").</param>
    /// <param name="hint">What to check when a checkpoint does not match (the architecture options that change shapes).</param>
    /// <param name="rules">Prefix rewrites (a regular expression matched at the start of our name, and its replacement).</param>
    public ReferenceNameMap(string reference, string hint, params (string Prefix, string Replacement)[] rules)
    {
        Reference = reference;
        Hint = hint;
        this.rules = rules.Select(r => (new Regex("^" + r.Prefix, RegexOptions.CultureInvariant), r.Replacement)).ToArray();
    }

    /// <summary>The reference implementation.</summary>
    public string Reference { get; }

    /// <summary>What to check when a checkpoint does not match.</summary>
    public string Hint { get; }

    /// <summary>The reference name of our tensor <paramref name="name"/> (unchanged when no rule matches).</summary>
    public string ToReference(string name)
    {
        foreach (var (pattern, replacement) in rules)
            if (pattern.IsMatch(name)) return pattern.Replace(name, replacement, 1);
        return name;
    }

    /// <summary>Names are the same on both sides (the Spatial Sampling Network: <c>ssn_torch/model.py</c> uses ours).</summary>
    public static ReferenceNameMap Identity { get; } = new("a module with this project's names",
        "Check that the network options (channels, blocks, class count) are those the weights were trained with.");

    /// <summary>The map of <paramref name="architecture"/>'s network with its original decoder.</summary>
    public static ReferenceNameMap ForArchitecture(Architecture architecture) => SegmentationArchitectures.Get(architecture).ReferenceNames;
}
