using Ssn.MLNet.Samples.Jobs;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>Everything one <c>ablation</c> run needs; the command line fills it, tests may build it directly.</summary>
public sealed record AblationSettings
{
    /// <summary>The paper's table to reproduce: 1, 3, 5 or 6.</summary>
    public required int Table { get; init; }

    /// <summary>Training budget in minutes, turned into epochs by the table's calibrated constant; null = the table's default.</summary>
    public double? BudgetMinutes { get; init; }

    /// <summary>Epochs per variant, overriding the budget (tests, quick looks).</summary>
    public int? Epochs { get; init; }

    /// <summary>Seed of every variant's training (weights, shuffling, augmentation); default the main job's.</summary>
    public int Seed { get; init; } = MainJobDefaults.Trainer().Seed;

    /// <summary>A real dataset (train split + <see cref="ValidationSplit"/>); null = the main job's synthetic dataset in <see cref="SyntheticDirectory"/>.</summary>
    public DatasetSpec? Dataset { get; init; }

    /// <summary>Split evaluated (with <see cref="Dataset"/>; the synthetic dataset always uses val).</summary>
    public string ValidationSplit { get; init; } = "val";

    /// <summary>Validation image and mask folders for <see cref="DatasetFormat.Folders"/>.</summary>
    public (string Images, string Masks)? ValidationFolders { get; init; }

    /// <summary>Cache folder of the synthetic dataset, shared with the main job (generated there when missing).</summary>
    public string SyntheticDirectory { get; init; } = MainJobDefaults.DataDirectory;

    /// <summary>Folder for <c>tableN.md</c> and <c>tableN.json</c>.</summary>
    public string OutputDirectory { get; init; } = "ssn-ablation";

    /// <summary>Timed forward passes per variant (median reported); 0 skips the timings.</summary>
    public int TimingRuns { get; init; } = 10;

    /// <summary>Untimed warm-up passes before the timed ones.</summary>
    public int TimingWarmup { get; init; } = 2;

    /// <summary>Input width of the timings (the paper's half-resolution Cityscapes: 1024).</summary>
    public int TimingWidth { get; init; } = 1024;

    /// <summary>Input height of the timings (512).</summary>
    public int TimingHeight { get; init; } = 512;

    /// <summary>Only these rows (keys as listed by <c>--help</c>); null = all.</summary>
    public IReadOnlyList<string>? Rows { get; init; }

    /// <summary>Size of the Spatial Sampling Network; null = the table's default (Table 1: the paper's; 3, 5, 6: the main job's).</summary>
    public NetworkPreset? Network { get; init; }

    /// <summary>libtorch intra-op threads (0 = libtorch's default, one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Training crop (0 = whole image); needed for datasets whose images differ in size.</summary>
    public int CropWidth { get; init; }

    /// <summary>Training crop height (0 = whole image).</summary>
    public int CropHeight { get; init; }
}
