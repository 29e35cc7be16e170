using Ssn.MLNet.Trainers.Modeling;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>Named network sizes for <c>--network</c>; individual widths and blocks can still be overridden.</summary>
public enum NetworkPreset
{
    /// <summary>The paper's network (§5): 16/64/128 channels, 5 + 8 blocks, t = 30 (1.27 M parameters).</summary>
    Paper,

    /// <summary>The main job's network: 16/48/96 channels, 3 + 4 blocks (dilations 2, 4, 8, 16), t = 30; fits a 2-core CPU budget.</summary>
    Small,

    /// <summary>The test network (<see cref="SsnNetworkOptions.Tiny"/>): 8/16/32 channels, 2 + 2 blocks, t = 10.</summary>
    Tiny,
}

/// <summary>The architectures behind <see cref="NetworkPreset"/>.</summary>
public static class NetworkPresets
{
    /// <summary>The options of <paramref name="preset"/> for <paramref name="numClasses"/> classes.</summary>
    public static SsnNetworkOptions Get(NetworkPreset preset, int numClasses = 19) => preset switch
    {
        NetworkPreset.Paper => new SsnNetworkOptions { NumClasses = numClasses },
        NetworkPreset.Small => new SsnNetworkOptions
        {
            NumClasses = numClasses, StemChannels = 16, MiddleChannels = 48, DeepChannels = 96,
            MiddleBlocks = 3, DeepDilations = new[] { 2, 4, 8, 16 },
        },
        NetworkPreset.Tiny => SsnNetworkOptions.Tiny(numClasses),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown network preset."),
    };
}
