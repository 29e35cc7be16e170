using Ssn.MLNet.Modeling.Decoders;
using Ssn.MLNet.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>
/// A semantic segmentation network made of a <see cref="SegmentationEncoder"/> (output stride 8) and a
/// <see cref="SegmentationDecoder"/>: images <c>[B, InputChannels, H, W]</c> → class logits <c>[B, C, H, W]</c>.
/// The paper's Table 1 compares, for each encoder, its original decoder with iGUM. Build with
/// <see cref="SegmentationModels.Create"/>.
/// </summary>
/// <remarks>
/// Inputs of any size are padded (bottom/right, zeros) to a multiple of 8 and the logits cropped back, as
/// <see cref="SpatialSamplingNetwork"/> does.
/// </remarks>
public sealed class SegmentationModel : nn.Module<Tensor, Tensor>
{
    private readonly SegmentationEncoder encoder;
    private readonly SegmentationDecoder decoder;

    /// <summary>Composes <paramref name="encoder"/> and <paramref name="decoder"/>.</summary>
    /// <param name="encoder">The encoder.</param>
    /// <param name="decoder">A decoder reading <paramref name="encoder"/>'s <see cref="SegmentationEncoder.OutputChannels"/> channels.</param>
    /// <param name="architecture">The encoder's family (recorded for callers; <see cref="SegmentationModels.Create"/> sets it).</param>
    /// <param name="decoderKind">The decoder's kind (recorded for callers).</param>
    /// <param name="options">The options the parts were built with (recorded for <see cref="SegmentationModelSerializer"/>; default: defaults).</param>
    public SegmentationModel(SegmentationEncoder encoder, SegmentationDecoder decoder, Architecture architecture, DecoderKind decoderKind, SegmentationModelOptions? options = null)
        : base(nameof(SegmentationModel))
    {
        TorchRuntime.EnsureLoaded();
        this.encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        this.decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        if (decoder.InChannels != encoder.OutputChannels)
            throw new ArgumentException($"{decoder.GetName()} reads {decoder.InChannels} channels but {encoder.GetName()} produces {encoder.OutputChannels}.", nameof(decoder));
        Architecture = architecture;
        DecoderKind = decoderKind;
        Options = options ?? new SegmentationModelOptions();
        RegisterComponents();
    }

    /// <summary>The encoder family.</summary>
    public Architecture Architecture { get; }

    /// <summary>The decoder kind.</summary>
    public DecoderKind DecoderKind { get; }

    /// <summary>The options the parts were built with.</summary>
    public SegmentationModelOptions Options { get; }

    /// <summary>The encoder.</summary>
    public SegmentationEncoder Encoder => encoder;

    /// <summary>The decoder.</summary>
    public SegmentationDecoder Decoder => decoder;

    /// <summary>Number of classes C.</summary>
    public long NumClasses => decoder.NumClasses;

    /// <summary>Image channels.</summary>
    public long InputChannels => encoder.InputChannels;

    /// <summary>Class logits <c>[B, C, H, W]</c> for normalised images <c>[B, InputChannels, H, W]</c> of any size.</summary>
    public override Tensor forward(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != InputChannels)
            throw new ArgumentException($"Expected images [B, {InputChannels}, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var x = StridePadding.Pad(images, out long ph, out long pw);
        var logits = decoder.Decode(encoder.Encode(x), ph, pw);
        if (ph != h || pw != w) logits = logits.narrow(2, 0, h).narrow(3, 0, w);
        return logits.MoveToOuterDisposeScope();
    }
}
