using Ssn.MLNet.Trainers.Modeling.Import;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>ESPNet (Mehta et al. 2018, the paper's [40]): <see cref="EspnetEncoder"/>, <see cref="EspnetDecoder"/>,
/// options <see cref="EspnetOptions"/>, and the names of the authors' <c>Model.py</c> for their checkpoints.</summary>
internal sealed class EspnetArchitecture : ISegmentationArchitecture
{
    public Architecture Name => Architecture.Espnet;

    public string Description => "ESPNet (Mehta et al. 2018): ESPNet-C encoder and its decoder; imports the authors' checkpoints";

    public Type OptionsType => typeof(EspnetOptions);

    public SegmentationEncoder CreateEncoder(SsnNetworkOptions options)
    {
        var espnet = EspnetOptions.Of(options);
        return new EspnetEncoder(options.InputChannels, espnet.Alpha2, espnet.Alpha3);
    }

    public SegmentationDecoder CreateOriginalDecoder(SegmentationEncoder encoder, int numClasses, SsnNetworkOptions options)
    {
        var esp = (EspnetEncoder)encoder;
        return new EspnetDecoder(numClasses, esp.Level1Channels, esp.Level2Channels, EspnetOptions.Of(options).Level1Skip);
    }

    public ReferenceNameMap ReferenceNames => EspnetReferenceNames.Map;
}

/// <summary>ESPNet's own options (<see cref="SsnNetworkOptions.ArchitectureOptions"/> when the architecture is ESPNet;
/// absent means these defaults, the authors' released ESPNet p = 2, q = 8).</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record EspnetOptions : ArchitectureOptions
{
    /// <summary>ESP modules at level 2, α₂ — the authors' p (default 2, as ESPNet).</summary>
    public int Alpha2 { get; init; } = 2;

    /// <summary>ESP modules at level 3, α₃ — the authors' q (default 8, as the final ESPNet; its Table 1 also uses 3).</summary>
    public int Alpha3 { get; init; } = 8;

    /// <summary>
    /// Which level-1 features the decoder merges at stride 2 (default <see cref="EspnetLevel1Skip.Reinforced"/>, the authors'
    /// <c>train/Model.py</c>; their published Cityscapes weights need <see cref="EspnetLevel1Skip.Convolution"/>).
    /// </summary>
    public EspnetLevel1Skip Level1Skip { get; init; } = EspnetLevel1Skip.Reinforced;

    /// <summary>The ESPNet options of <paramref name="options"/> (the defaults when it carries none).</summary>
    public static EspnetOptions Of(SsnNetworkOptions options) => options.ArchitectureOptions as EspnetOptions ?? new EspnetOptions();

    /// <inheritdoc />
    public override void Validate()
    {
        if (Alpha2 < 1) throw new ArgumentOutOfRangeException(nameof(Alpha2), Alpha2, $"ESPNet's {nameof(Alpha2)} must be at least 1.");
        if (Alpha3 < 1) throw new ArgumentOutOfRangeException(nameof(Alpha3), Alpha3, $"ESPNet's {nameof(Alpha3)} must be at least 1.");
        if (!Enum.IsDefined(Level1Skip)) throw new ArgumentOutOfRangeException(nameof(Level1Skip), Level1Skip, $"Unknown {nameof(Level1Skip)}; expected one of {string.Join(", ", Enum.GetNames<EspnetLevel1Skip>())}.");
    }
}
