using Ssn.MLNet.Modeling.Decoders;
using Ssn.MLNet.Runtime;

namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>
/// Builds the encoder × decoder combinations of the paper's Table 1: each of SSN, ERFNet, ENet and ESPNet with its
/// original decoder, iGUM, the original GUM of [39], or plain bilinear upsampling.
/// </summary>
public static class SegmentationModels
{
    /// <summary>Builds a <see cref="SegmentationModel"/>.</summary>
    /// <param name="architecture">The encoder family.</param>
    /// <param name="decoder">The decoder.</param>
    /// <param name="numClasses">Classes C (≥ 5 for ESPNet's original decoder).</param>
    /// <param name="options">Further details (default: each paper's configuration).</param>
    public static SegmentationModel Create(Architecture architecture, DecoderKind decoder, int numClasses, SegmentationModelOptions? options = null)
    {
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be positive.");
        options ??= new SegmentationModelOptions();
        options.Validate();
        TorchRuntime.EnsureLoaded();
        var encoder = CreateEncoder(architecture, options);
        var head = CreateDecoder(decoder, encoder, numClasses, options);
        return new SegmentationModel(encoder, head, architecture, decoder, options);
    }

    /// <summary>Builds the encoder of <paramref name="architecture"/>.</summary>
    public static SegmentationEncoder CreateEncoder(Architecture architecture, SegmentationModelOptions? options = null)
    {
        options ??= new SegmentationModelOptions();
        options.Validate();
        TorchRuntime.EnsureLoaded();
        return architecture switch
        {
            Architecture.Ssn => new SsnSegmentationEncoder(options.SsnEncoder ?? new SsnNetworkOptions { InputChannels = options.InputChannels }),
            Architecture.Erfnet => new ErfnetEncoder(options.InputChannels),
            Architecture.Enet => new EnetEncoder(options.InputChannels),
            Architecture.Espnet => new EspnetEncoder(options.InputChannels, options.EspnetAlpha2, options.EspnetAlpha3),
            _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, $"Unknown architecture; expected one of {string.Join(", ", Enum.GetNames<Architecture>())}."),
        };
    }

    /// <summary>Builds a decoder of <paramref name="kind"/> for <paramref name="encoder"/>.</summary>
    /// <exception cref="ArgumentException"><see cref="DecoderKind.Original"/> for an encoder that is none of the known architectures.</exception>
    public static SegmentationDecoder CreateDecoder(DecoderKind kind, SegmentationEncoder encoder, int numClasses, SegmentationModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "The number of classes must be positive.");
        options ??= new SegmentationModelOptions();
        options.Validate();
        long c = encoder.OutputChannels;
        return kind switch
        {
            DecoderKind.ImprovedGuidedUpsampling => new ImprovedGuidedUpsamplingDecoder(c, numClasses, options.GuidanceOffsetScale),
            DecoderKind.GuidedUpsampling => new GuidedUpsamplingDecoder(c, numClasses, options.GuidanceOffsetScale, options.GuidanceChannels),
            DecoderKind.Bilinear => new BilinearDecoder(c, numClasses),
            DecoderKind.Original => encoder switch
            {
                SsnSegmentationEncoder => new ImprovedGuidedUpsamplingDecoder(c, numClasses, options.GuidanceOffsetScale),
                ErfnetEncoder => new ErfnetDecoder(c, numClasses),
                EnetEncoder => new EnetDecoder(numClasses),
                EspnetEncoder esp => new EspnetDecoder(numClasses, esp.Level1Channels, esp.Level2Channels),
                _ => throw new ArgumentException($"{encoder.GetType().Name} has no original decoder; choose {nameof(DecoderKind.ImprovedGuidedUpsampling)}, {nameof(DecoderKind.GuidedUpsampling)} or {nameof(DecoderKind.Bilinear)}.", nameof(encoder)),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown decoder; expected one of {string.Join(", ", Enum.GetNames<DecoderKind>())}."),
        };
    }
}
