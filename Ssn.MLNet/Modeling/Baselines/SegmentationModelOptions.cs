namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>Architecture details of <see cref="SegmentationModels.Create"/> beyond the encoder/decoder choice.</summary>
public sealed record SegmentationModelOptions
{
    /// <summary>Image channels (default 3).</summary>
    public int InputChannels { get; init; } = 3;

    /// <summary>Length, in encoder pixels, of a unit iGUM/GUM offset (default 1, as <see cref="SsnNetworkOptions.GuidanceOffsetScale"/>).</summary>
    public double GuidanceOffsetScale { get; init; } = 1.0;

    /// <summary>Width of the GUM guidance module (default 32; see <see cref="Decoders.GuidedUpsamplingDecoder"/>).</summary>
    public int GuidanceChannels { get; init; } = 32;

    /// <summary>
    /// The SSN encoder's architecture for <see cref="Architecture.Ssn"/> (default: the paper's). Its
    /// <see cref="SsnNetworkOptions.InputChannels"/> must equal <see cref="InputChannels"/>; its class count is ignored.
    /// </summary>
    public SsnNetworkOptions? SsnEncoder { get; init; }

    /// <summary>ESP modules at ESPNet's level 2, α₂ (default 2, as ESPNet).</summary>
    public int EspnetAlpha2 { get; init; } = 2;

    /// <summary>ESP modules at ESPNet's level 3, α₃ (default 8, as the final ESPNet; its Table 1 also uses 3).</summary>
    public int EspnetAlpha3 { get; init; } = 8;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (InputChannels is <= 0 or >= 16) throw new ArgumentOutOfRangeException(nameof(InputChannels), InputChannels, $"{nameof(InputChannels)} must be in 1–15 (the baselines' first layers concatenate a pooled copy of the input with 16 − {nameof(InputChannels)} filters).");
        if (!(GuidanceOffsetScale > 0)) throw new ArgumentOutOfRangeException(nameof(GuidanceOffsetScale), GuidanceOffsetScale, $"{nameof(GuidanceOffsetScale)} must be positive.");
        if (GuidanceChannels < 4) throw new ArgumentOutOfRangeException(nameof(GuidanceChannels), GuidanceChannels, $"{nameof(GuidanceChannels)} must be at least 4.");
        if (EspnetAlpha2 < 1) throw new ArgumentOutOfRangeException(nameof(EspnetAlpha2), EspnetAlpha2, $"{nameof(EspnetAlpha2)} must be at least 1.");
        if (EspnetAlpha3 < 1) throw new ArgumentOutOfRangeException(nameof(EspnetAlpha3), EspnetAlpha3, $"{nameof(EspnetAlpha3)} must be at least 1.");
        if (SsnEncoder is { } ssn)
        {
            ssn.Validate();
            if (ssn.InputChannels != InputChannels)
                throw new ArgumentOutOfRangeException(nameof(SsnEncoder), ssn.InputChannels, $"{nameof(SsnEncoder)}.{nameof(SsnNetworkOptions.InputChannels)} ({ssn.InputChannels}) differs from {nameof(InputChannels)} ({InputChannels}).");
        }
    }
}
