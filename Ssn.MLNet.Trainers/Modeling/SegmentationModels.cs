using Ssn.MLNet.Trainers.Runtime;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The one factory of <see cref="SegmentationModel"/>: the Spatial Sampling Network (the default options) and the
/// encoder × decoder combinations of the paper's Table 1 — each registered architecture (<see cref="SegmentationArchitectures"/>:
/// SSN, ERFNet, ENet, ESPNet) with its original decoder, iGUM, the original GUM of [39], or plain bilinear upsampling.
/// </summary>
public static class SegmentationModels
{
    /// <summary>Builds the network <paramref name="options"/> describe (default: the paper's Spatial Sampling Network).</summary>
    public static SegmentationModel Create(SsnNetworkOptions? options = null)
    {
        options ??= new SsnNetworkOptions();
        options.Validate();
        TorchRuntime.EnsureLoaded();
        // Creation order = parameter initialisation order from the seeded generator: encoder, decoder, instance head.
        var encoder = CreateEncoder(options);
        var decoder = CreateDecoder(options.Decoder, encoder, options.NumClasses, options);
        return new SegmentationModel(options, encoder, decoder);
    }

    /// <summary>Builds a Table 1 network: <paramref name="architecture"/>'s encoder with <paramref name="decoder"/>.</summary>
    /// <param name="architecture">The encoder family.</param>
    /// <param name="decoder">The decoder.</param>
    /// <param name="numClasses">Classes C (≥ 5 for ESPNet's original decoder).</param>
    /// <param name="options">Further details (default: each paper's configuration); their architecture, decoder and class count are replaced.</param>
    public static SegmentationModel Create(Architecture architecture, DecoderKind decoder, int numClasses, SsnNetworkOptions? options = null) =>
        Create((options ?? new SsnNetworkOptions()) with { Architecture = architecture, Decoder = decoder, NumClasses = numClasses });

    /// <summary>Builds the encoder of <paramref name="options"/>' <see cref="SsnNetworkOptions.Architecture"/> (declared by its folder, <see cref="SegmentationArchitectures"/>).</summary>
    public static SegmentationEncoder CreateEncoder(SsnNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchRuntime.EnsureLoaded();
        return SegmentationArchitectures.Get(options.Architecture).CreateEncoder(options);
    }

    /// <summary>Builds a decoder of <paramref name="kind"/> for <paramref name="encoder"/>, which <paramref name="options"/>' architecture built.</summary>
    public static SegmentationDecoder CreateDecoder(DecoderKind kind, SegmentationEncoder encoder, int numClasses, SsnNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be positive.");
        options.Validate();
        long c = encoder.OutputChannels;
        return kind switch
        {
            DecoderKind.ImprovedGuidedUpsampling => new ImprovedGuidedUpsamplingDecoder(c, numClasses, options.GuidanceOffsetScale),
            DecoderKind.GuidedUpsampling => new GuidedUpsamplingDecoder(c, numClasses, options.GuidanceOffsetScale, options.GuidanceChannels),
            DecoderKind.Bilinear => new BilinearDecoder(c, numClasses),
            DecoderKind.Original => SegmentationArchitectures.Get(options.Architecture).CreateOriginalDecoder(encoder, numClasses, options),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown decoder; expected one of {string.Join(", ", Enum.GetNames<DecoderKind>())}."),
        };
    }
}
