using Ssn.MLNet.Trainers.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// A segmentation network: a <see cref="SegmentationEncoder"/> (output stride 8), a <see cref="SegmentationDecoder"/> and,
/// for the Spatial Sampling Network, the instance head — a 1×1 instance guidance head (tanh) and the
/// <see cref="InstanceSamplingModule"/> (paper §4). The Spatial Sampling Network (paper §5, Fig. 2) is the configuration
/// SSN encoder + iGUM + instance head; the paper's Table 1 networks are other encoder × decoder pairs, semantic only.
/// Build with <see cref="SegmentationModels.Create(SsnNetworkOptions?)"/>.
/// </summary>
/// <remarks>
/// Inputs of any size are padded (bottom/right, zeros) to a multiple of 8 and the outputs cropped back.
/// <see cref="forward(Tensor)"/> is the reference path: it decodes to the input size. With iGUM as decoder the model
/// also exposes the stride-8 outputs (<see cref="ForwardHeads(Tensor, ScalarType?)"/>) and the decoding of them
/// (<see cref="Decode"/>), so that the predictor's fused C# class map and the ONNX graph decode the same tensors.
/// </remarks>
public sealed class SegmentationModel : nn.Module<Tensor, SegmentationOutput>
{
    private readonly SegmentationEncoder encoder;
    private readonly SegmentationDecoder decoder;
    private readonly Conv2d? instanceHead;
    private readonly InstanceSamplingModule? instanceModule;

    /// <summary>Composes the parts; <see cref="SegmentationModels.Create(SsnNetworkOptions?)"/> builds them from <paramref name="options"/>.</summary>
    internal SegmentationModel(SsnNetworkOptions options, SegmentationEncoder encoder, SegmentationDecoder decoder)
        : base(nameof(SegmentationModel))
    {
        TorchRuntime.EnsureLoaded();
        Options = options;
        this.encoder = encoder;
        this.decoder = decoder;
        if (decoder.InChannels != encoder.OutputChannels)
            throw new ArgumentException($"{decoder.GetName()} reads {decoder.InChannels} channels but {encoder.GetName()} produces {encoder.OutputChannels}.", nameof(decoder));
        if (options.IsSpatialSamplingNetwork)
        {
            instanceHead = nn.Conv2d(encoder.OutputChannels, 2, 1);
            using (no_grad())
            {
                // A still instance field at the start: zero offsets.
                instanceHead.weight!.zero_();
                instanceHead.bias!.zero_();
            }
            instanceModule = new InstanceSamplingModule(options.SamplingSteps, options.GuidanceOffsetScale);
        }
        RegisterComponents();
    }

    /// <summary>The architecture the model was built from (what saved models record).</summary>
    public SsnNetworkOptions Options { get; }

    /// <summary>The encoder.</summary>
    public SegmentationEncoder Encoder => encoder;

    /// <summary>The decoder.</summary>
    public SegmentationDecoder Decoder => decoder;

    /// <summary>The decoder when it is iGUM (the Spatial Sampling Network's, and Table 1's iGUM rows), else null.</summary>
    public ImprovedGuidedUpsamplingDecoder? GuidedDecoder => decoder as ImprovedGuidedUpsamplingDecoder;

    /// <summary>The 1×1 head of the instance guidance offsets table (before tanh), or null for a semantic-only network.</summary>
    public Conv2d? InstanceGuidanceHead => instanceHead;

    /// <summary>The Instance Segmentation Module (paper §4), or null for a semantic-only network.</summary>
    public InstanceSamplingModule? InstanceModule => instanceModule;

    /// <summary>Whether the network has the instance head (the Spatial Sampling Network).</summary>
    public bool HasInstanceHead => instanceModule is not null;

    /// <summary>Number of classes C.</summary>
    public long NumClasses => decoder.NumClasses;

    /// <summary>Image channels.</summary>
    public long InputChannels => encoder.InputChannels;

    /// <summary>Whether the forward passes run the instance module (default true; false for semantic-only use).</summary>
    public bool ComputeInstances { get; set; } = true;

    /// <summary>
    /// Class logits <c>[B, C, H, W]</c> for normalised images <c>[B, InputChannels, H, W]</c> of any size, and — with
    /// the instance head — the instance centres <c>[B, 2, H, W]</c>, upsampled by iGUM bilinearly in training and
    /// nearest in eval mode (paper §4, "Two practical tips"). Logits and centres are fp32 whatever the network's type.
    /// </summary>
    public override SegmentationOutput forward(Tensor images)
    {
        if (GuidedDecoder is null)
        {
            CheckImages(images);
            using var scope = NewDisposeScope();
            long h = images.shape[2], w = images.shape[3];
            var x = StridePadding.Pad(images, out long ph, out long pw);
            var logits = decoder.Decode(encoder.Encode(x), ph, pw);
            if (ph != h || pw != w) logits = logits.narrow(2, 0, h).narrow(3, 0, w);
            return new SegmentationOutput(logits.to(ScalarType.Float32).MoveToOuterDisposeScope(), null);
        }
        using var heads = ForwardHeads(images);
        return Decode(heads, CentreMode);
    }

    /// <summary>How <see cref="forward(Tensor)"/> samples the centres: bilinearly in training, nearest in eval mode (paper §4).</summary>
    internal GridSampleMode CentreMode => training ? GridSampleMode.Bilinear : GridSampleMode.Nearest;

    /// <summary>
    /// The stride-8 outputs of an iGUM-decoded network (paper Fig. 2): class logits, the iGUM guidance table and, with
    /// the instance head and <see cref="ComputeInstances"/>, the instance guidance table and the centres after t sampling
    /// steps. With <paramref name="encoderType"/> (bfloat16 for <see cref="Inference.InferencePrecision.BFloat16"/>) the
    /// encoder runs in that type — its parameters must already be — and the heads and the instance module in the images' type.
    /// </summary>
    /// <exception cref="InvalidOperationException">The decoder is not iGUM.</exception>
    public SsnOutput ForwardHeads(Tensor images, ScalarType? encoderType = null)
    {
        var igum = GuidedDecoder ?? throw new InvalidOperationException($"Stride-8 outputs exist for an iGUM decoder only; this network has {decoder.GetName()}.");
        CheckImages(images);
        using var scope = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var x = StridePadding.Pad(images, out long ph, out long pw);
        var features = encoderType is { } type ? encoder.call(x.to(type)).to(images.dtype) : encoder.call(x);
        var logits = igum.ClassHead.call(features);
        var guidance = tanh(igum.GuidanceHead.call(features));
        Tensor? instanceGuidance = null, centres = null;
        if (instanceHead is not null && ComputeInstances)
        {
            instanceGuidance = tanh(instanceHead.call(features));
            centres = instanceModule!.forward(instanceGuidance);
        }
        logits.MoveToOuterDisposeScope();
        guidance.MoveToOuterDisposeScope();
        instanceGuidance?.MoveToOuterDisposeScope();
        centres?.MoveToOuterDisposeScope();
        return new SsnOutput(logits, guidance, instanceGuidance, centres, h, w, ph, pw);
    }

    /// <summary>
    /// iGUM decoding of stride-8 outputs (paper §3.1) in fp32: the guided grid from the guidance table, the logits
    /// sampled bilinearly on it and the centres (when present) in <paramref name="centreMode"/>.
    /// </summary>
    public SegmentationOutput Decode(SsnOutput heads, GridSampleMode centreMode)
    {
        var igum = GuidedDecoder ?? throw new InvalidOperationException($"iGUM decoding needs an iGUM decoder; this network has {decoder.GetName()}.");
        using var scope = NewDisposeScope();
        var fp32 = heads.Logits.dtype == ScalarType.Float32 ? heads : heads.ToFloat32();
        var grid = igum.Upsampler.Grid(fp32.Guidance, fp32.PaddedHeight, fp32.PaddedWidth, fp32.Height, fp32.Width);
        var logits = ImprovedGuidedUpsampling.Sample(fp32.Logits, grid, GridSampleMode.Bilinear);
        var centres = fp32.Centres is null ? null : ImprovedGuidedUpsampling.Sample(fp32.Centres, grid, centreMode);
        return new SegmentationOutput(logits.MoveToOuterDisposeScope(), centres?.MoveToOuterDisposeScope());
    }

    private void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != InputChannels)
            throw new ArgumentException($"Expected images [B, {InputChannels}, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
    }

    /// <summary>Whether <see cref="FoldBatchNorm"/> has been applied.</summary>
    public bool IsBatchNormFolded { get; private set; }

    /// <summary>
    /// Merges the encoder's BatchNorm into the convolutions before it (paper §6) where the encoder knows how (the SSN
    /// encoder; the Table 1 baselines keep theirs). Call in eval mode; irreversible.
    /// </summary>
    public void FoldBatchNorm()
    {
        if (training) throw new InvalidOperationException("Fold BatchNorm only in eval mode: call eval() first.");
        IsBatchNormFolded = encoder.FoldBatchNorm();
    }

    /// <summary>A copy for inference (eval mode, no gradients, BatchNorm folded where possible); this model is unchanged.</summary>
    public SegmentationModel ToInferenceModel()
    {
        if (IsBatchNormFolded) throw new InvalidOperationException("This model is already folded; copy the unfolded model.");
        var copy = SegmentationModels.Create(Options);
        using (no_grad()) copy.load_state_dict(state_dict());
        copy.to(parameters().First().device);
        copy.eval();
        copy.FoldBatchNorm();
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.ComputeInstances = ComputeInstances;
        return copy;
    }
}

/// <summary>
/// What <see cref="SegmentationModel.forward(Tensor)"/> returns, at the input size. Owns its tensors: dispose it (or use a dispose scope).
/// </summary>
/// <param name="Logits">Class logits <c>[B, C, H, W]</c> (fp32).</param>
/// <param name="Centres">Instance centres <c>[B, 2, H, W]</c> in normalised coordinates, or null without the instance head
/// (or with <see cref="SegmentationModel.ComputeInstances"/> false).</param>
public sealed record SegmentationOutput(Tensor Logits, Tensor? Centres) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Logits.Dispose();
        Centres?.Dispose();
    }
}
