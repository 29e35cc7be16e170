using System.Text.Json.Serialization;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The design steps of the paper's Table 3 ablation, which turn ERFNet's Non-bottleneck-1D block into the
/// Lightweight Non-bottleneck-1D module (paper §5, Fig. 5): one switch per column "Conv 1x1", "No Bias", "PReLU"
/// and "Moved 1x1". All off is ERFNet's block (<see cref="NonBottleneck1D"/>), all on the paper's module
/// (<see cref="Lightweight"/>).
/// </summary>
public sealed record LnbDesign
{
    /// <summary>Table 3 column "Conv 1x1": the first factorised pair (3×1, 1×3, dilation 1) becomes two 1×1 convolutions.</summary>
    public bool Conv1x1 { get; init; }

    /// <summary>Table 3 column "No Bias": every convolution of the block is bias-free (BatchNorm supplies the shifts).</summary>
    public bool NoBias { get; init; }

    /// <summary>Table 3 column "PReLU": per-channel PReLU activations instead of ReLU (as in ENet).</summary>
    public bool PRelu { get; init; }

    /// <summary>
    /// Table 3 column "Moved 1x1": the second 1×1 convolution moves to the end of the residual branch (Fig. 5),
    /// after the dilated pair. Requires <see cref="Conv1x1"/>.
    /// </summary>
    public bool Moved1x1 { get; init; }

    /// <summary>Table 3 row 1, the baseline: ERFNet's Non-bt-1D (no design step applied).</summary>
    public static LnbDesign NonBottleneck1D { get; } = new();

    /// <summary>Table 3 rows 6–7: the paper's Lightweight Non-bt-1D (all four design steps).</summary>
    public static LnbDesign Lightweight { get; } = new() { Conv1x1 = true, NoBias = true, PRelu = true, Moved1x1 = true };

    /// <summary>
    /// The rows of Table 3 without pretraining, in the paper's order: baseline, Conv 1x1, No Bias, PReLU,
    /// the three together, and the Lightweight Non-bt-1D (+ Moved 1x1).
    /// </summary>
    public static IReadOnlyList<LnbDesign> TableRows { get; } = new[]
    {
        NonBottleneck1D,
        new LnbDesign { Conv1x1 = true },
        new LnbDesign { NoBias = true },
        new LnbDesign { PRelu = true },
        new LnbDesign { Conv1x1 = true, NoBias = true, PRelu = true },
        Lightweight,
    };

    /// <summary>Short label for tables: "Non-bt-1D", "Lightweight Non-bt-1D", or the steps applied, e.g. "+Conv 1x1 +PReLU".</summary>
    [JsonIgnore]
    public string Name =>
        this == NonBottleneck1D ? "Non-bt-1D"
        : this == Lightweight ? "Lightweight Non-bt-1D"
        : string.Join(" ", new[] { (Conv1x1, "+Conv 1x1"), (NoBias, "+No Bias"), (PRelu, "+PReLU"), (Moved1x1, "+Moved 1x1") }
            .Where(s => s.Item1).Select(s => s.Item2));

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <see cref="Moved1x1"/> when it is set without <see cref="Conv1x1"/>.</summary>
    public void Validate()
    {
        if (Moved1x1 && !Conv1x1)
            throw new ArgumentOutOfRangeException(nameof(Moved1x1), Moved1x1,
                $"{nameof(LnbDesign)}.{nameof(Moved1x1)} requires {nameof(Conv1x1)}: only a 1×1 convolution can be moved to the end (paper Table 3).");
    }
}
