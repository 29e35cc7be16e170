using System.Text.Json.Serialization;
using Ssn.MLNet.Modeling;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Architecture of a segmentation network: the one options record from which <c>SegmentationModels.Create</c> builds
/// every network and which saved models carry. The defaults are the Spatial Sampling Network (paper §5, Fig. 2):
/// Downsampler(3,16) → Downsampler(16,64) → 5 × LNB(64, p = 0.03) → Downsampler(64,128) →
/// 2 × [LNB(128, p = 0.3, d) for d in 2, 4, 8, 16], output stride 8, with class, iGUM and instance heads.
/// <see cref="Architecture"/> and <see cref="Decoder"/> choose one of the paper's Table 1 networks instead.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)] // a misspelt or retired key (e.g. EspnetAlpha3 before 0.1.0) is an error, not a silent default
public sealed record SsnNetworkOptions
{
    /// <summary>
    /// Encoder family (default <see cref="Modeling.Architecture.Ssn"/>). With <see cref="Modeling.Architecture.Ssn"/> and
    /// iGUM as <see cref="Decoder"/> the network is the Spatial Sampling Network, with its instance module; any other pair
    /// is one of the paper's Table 1 networks, semantic only (<see cref="IsSpatialSamplingNetwork"/>). The widths, blocks
    /// and dropouts below describe the SSN encoder; the other encoders are built as their papers describe them.
    /// </summary>
    public Architecture Architecture { get; init; } = Architecture.Ssn;

    /// <summary>Decoder (default <see cref="DecoderKind.ImprovedGuidedUpsampling"/>, the paper's iGUM, §3.1); see <see cref="Architecture"/>.</summary>
    public DecoderKind Decoder { get; init; } = DecoderKind.ImprovedGuidedUpsampling;

    /// <summary>Whether these options describe the Spatial Sampling Network itself (SSN encoder, iGUM decoder): the network with an instance module.</summary>
    [JsonIgnore]
    public bool IsSpatialSamplingNetwork => Architecture == Architecture.Ssn && Decoder is DecoderKind.ImprovedGuidedUpsampling or DecoderKind.Original;

    /// <summary>Number of semantic classes C (default 19, the Cityscapes train ids).</summary>
    public int NumClasses { get; init; } = 19;

    /// <summary>Input image channels (default 3, RGB).</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>Output channels of the first downsampler (default 16).</summary>
    public int StemChannels { get; init; } = 16;

    /// <summary>Channels at output stride 4 (default 64).</summary>
    public int MiddleChannels { get; init; } = 64;

    /// <summary>Channels at output stride 8 (default 128).</summary>
    public int DeepChannels { get; init; } = 128;

    /// <summary>Number of Lightweight Non-bottleneck-1D blocks at stride 4 (default 5).</summary>
    public int MiddleBlocks { get; init; } = 5;

    /// <summary>Dropout of the stride-4 blocks (paper §6: 0.03 for the first five modules).</summary>
    public double MiddleDropout { get; init; } = 0.03;

    /// <summary>Dilations of the stride-8 blocks, one block each (default 2, 4, 8, 16, 2, 4, 8, 16).</summary>
    public IReadOnlyList<int> DeepDilations { get; init; } = new[] { 2, 4, 8, 16, 2, 4, 8, 16 };

    /// <summary>Dropout of the stride-8 blocks (paper §6: 0.3 for all modules after the first five).</summary>
    public double DeepDropout { get; init; } = 0.3;

    /// <summary>
    /// The residual blocks' design (paper Table 3): default <see cref="LnbDesign.Lightweight"/>, the paper's
    /// Lightweight Non-bottleneck-1D; the other rows are the ablation (<c>NonBottleneck1D</c> builds every row).
    /// An options JSON without it (e.g. written by another tool) loads as Lightweight.
    /// </summary>
    public LnbDesign LnbDesign { get; init; } = LnbDesign.Lightweight;

    /// <summary>
    /// Unit of the guidance offsets (both tables are limited to [−1, 1] by tanh, paper §4 "Two practical tips"),
    /// in encoder-resolution pixels. Default 1: a vector can move a sampling point by up to one low-resolution
    /// pixel, the distance between the two probability vectors of Fig. 3.
    /// </summary>
    public double GuidanceOffsetScale { get; init; } = 1.0;

    /// <summary>Sampling iterations t of the instance module (paper §4 and Table 6; default 30).</summary>
    public int SamplingSteps { get; init; } = 30;

    /// <summary>Width of the GUM guidance module of <see cref="DecoderKind.GuidedUpsampling"/> (default 32).</summary>
    public int GuidanceChannels { get; init; } = 32;

    /// <summary>
    /// The options that belong to <see cref="Architecture"/> alone (e.g. <see cref="EspnetOptions"/>), declared by its folder;
    /// null (default) means that architecture's defaults.
    /// </summary>
    [JsonConverter(typeof(ArchitectureOptionsJsonConverter))]
    public ArchitectureOptions? ArchitectureOptions { get; init; }

    /// <summary>The encoder's output stride (8, fixed by the three downsamplers; <see cref="NetworkGeometry.OutputStride"/>).</summary>
    public const int OutputStride = NetworkGeometry.OutputStride;

    /// <summary><see cref="NetworkGeometry.PaddedSize"/>: the size an image is padded to for the encoder.</summary>
    public static long PaddedSize(long size) => NetworkGeometry.PaddedSize(size);

    /// <summary>A small variant for tests and quick experiments (8/16/32 channels, 2 + 2 blocks).</summary>
    public static SsnNetworkOptions Tiny(int numClasses) => new()
    {
        NumClasses = numClasses, StemChannels = 8, MiddleChannels = 16, DeepChannels = 32,
        MiddleBlocks = 2, DeepDilations = new[] { 2, 4 }, MiddleDropout = 0, DeepDropout = 0, SamplingSteps = 10,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Positive(int v, string name) { if (v <= 0) throw new ArgumentOutOfRangeException(name, v, $"{name} must be positive."); }
        Positive(NumClasses, nameof(NumClasses));
        Positive(InputChannels, nameof(InputChannels));
        Positive(SamplingSteps, nameof(SamplingSteps));
        if (!SegmentationArchitectures.TryGet(Architecture.Name, out var architecture))
            throw new ArgumentOutOfRangeException(nameof(Architecture), Architecture.Name, $"Unknown architecture; registered: {string.Join(", ", SegmentationArchitectures.All.Select(a => a.Name))}.");
        if (!Enum.IsDefined(Decoder)) throw new ArgumentOutOfRangeException(nameof(Decoder), Decoder, $"Unknown decoder; expected one of {string.Join(", ", Enum.GetNames<DecoderKind>())}.");
        if (Architecture != Architecture.Ssn && InputChannels >= 16)
            throw new ArgumentOutOfRangeException(nameof(InputChannels), InputChannels, $"{nameof(InputChannels)} must be in 1–15 for the {Architecture} encoder (its first layer concatenates a pooled copy of the input with 16 − {nameof(InputChannels)} filters).");
        if (GuidanceChannels < 4) throw new ArgumentOutOfRangeException(nameof(GuidanceChannels), GuidanceChannels, $"{nameof(GuidanceChannels)} must be at least 4.");
        if (ArchitectureOptions is { } own)
        {
            if (own.GetType() != architecture.OptionsType)
                throw new ArgumentOutOfRangeException(nameof(ArchitectureOptions), own.GetType().Name,
                    $"{nameof(ArchitectureOptions)} are {own.GetType().Name} but the {Architecture} architecture takes {architecture.OptionsType?.Name ?? "none"}.");
            own.Validate();
        }
        if (StemChannels <= InputChannels) throw new ArgumentOutOfRangeException(nameof(StemChannels), StemChannels, $"{nameof(StemChannels)} must exceed {nameof(InputChannels)} (the downsampler concatenates a max-pool of the input).");
        if (MiddleChannels <= StemChannels) throw new ArgumentOutOfRangeException(nameof(MiddleChannels), MiddleChannels, $"{nameof(MiddleChannels)} must exceed {nameof(StemChannels)}.");
        if (DeepChannels <= MiddleChannels) throw new ArgumentOutOfRangeException(nameof(DeepChannels), DeepChannels, $"{nameof(DeepChannels)} must exceed {nameof(MiddleChannels)}.");
        if (MiddleBlocks < 0) throw new ArgumentOutOfRangeException(nameof(MiddleBlocks), MiddleBlocks, $"{nameof(MiddleBlocks)} cannot be negative.");
        if (DeepDilations.Any(d => d <= 0)) throw new ArgumentOutOfRangeException(nameof(DeepDilations), $"{nameof(DeepDilations)} must all be positive.");
        if (MiddleDropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(MiddleDropout), MiddleDropout, "Dropout must be in [0, 1).");
        if (DeepDropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(DeepDropout), DeepDropout, "Dropout must be in [0, 1).");
        if (LnbDesign is null) throw new ArgumentNullException(nameof(LnbDesign), $"{nameof(LnbDesign)} cannot be null.");
        LnbDesign.Validate();
        if (!(GuidanceOffsetScale > 0)) throw new ArgumentOutOfRangeException(nameof(GuidanceOffsetScale), GuidanceOffsetScale, $"{nameof(GuidanceOffsetScale)} must be positive.");
    }
}
