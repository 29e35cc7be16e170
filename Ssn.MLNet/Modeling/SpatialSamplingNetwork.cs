using Ssn.MLNet.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Modeling;

/// <summary>
/// The Spatial Sampling Network (paper §5, Fig. 2): an encoder with three 1×1 heads at output stride 8 — class
/// logits, the iGUM guidance offsets table and the instance guidance offsets table (both limited to [−1, 1] by tanh)
/// — the Instance Segmentation Module, and iGUM as the whole decoder.
/// </summary>
/// <remarks>
/// Inputs of any size are padded (bottom/right, zeros) to a multiple of 8; outputs are cropped back to the input size.
/// </remarks>
public sealed class SpatialSamplingNetwork : nn.Module<Tensor, SsnOutput>
{
    private readonly SsnEncoder encoder;
    private readonly Conv2d classifier, guidanceHead, instanceHead;
    private readonly ImprovedGuidedUpsampling upsampler;
    private readonly InstanceSamplingModule instanceModule;

    /// <summary>Builds the network described by <paramref name="options"/> (default: the paper's).</summary>
    public SpatialSamplingNetwork(SsnNetworkOptions? options = null) : base(nameof(SpatialSamplingNetwork))
    {
        TorchRuntime.EnsureLoaded();
        Options = options ?? new SsnNetworkOptions();
        Options.Validate();
        encoder = new SsnEncoder(Options);
        classifier = nn.Conv2d(encoder.OutputChannels, Options.NumClasses, 1);
        guidanceHead = nn.Conv2d(encoder.OutputChannels, 2, 1);
        instanceHead = nn.Conv2d(encoder.OutputChannels, 2, 1);
        using (no_grad())
        {
            // Start from plain bilinear upsampling and a still instance field: zero offsets.
            foreach (var head in new[] { guidanceHead, instanceHead })
            {
                head.weight!.zero_();
                head.bias!.zero_();
            }
        }
        upsampler = new ImprovedGuidedUpsampling(Options.GuidanceOffsetScale);
        instanceModule = new InstanceSamplingModule(Options.SamplingSteps, Options.GuidanceOffsetScale);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public SsnNetworkOptions Options { get; }

    /// <summary>The encoder.</summary>
    public SsnEncoder Encoder => encoder;

    /// <summary>The 1×1 class head.</summary>
    public Conv2d ClassHead => classifier;

    /// <summary>The 1×1 head of the iGUM guidance offsets table (before tanh).</summary>
    public Conv2d GuidanceHead => guidanceHead;

    /// <summary>The 1×1 head of the instance guidance offsets table (before tanh).</summary>
    public Conv2d InstanceGuidanceHead => instanceHead;

    /// <summary>The decoder: Improved Guided Upsampling.</summary>
    public ImprovedGuidedUpsampling Upsampler => upsampler;

    /// <summary>The Instance Segmentation Module.</summary>
    public InstanceSamplingModule InstanceModule => instanceModule;

    /// <summary>Whether <see cref="forward(Tensor)"/> runs the instance module (default true; false for semantic-only use).</summary>
    public bool ComputeInstances { get; set; } = true;

    /// <summary>Runs the encoder and heads, and the instance module when <see cref="ComputeInstances"/>.</summary>
    /// <param name="images">Normalised images <c>[B, InputChannels, H, W]</c>, any H and W.</param>
    public override SsnOutput forward(Tensor images) => Forward(images, null);

    /// <summary>
    /// As <see cref="forward(Tensor)"/> with the encoder computed in <paramref name="encoderType"/> (bfloat16 for
    /// <see cref="Inference.InferencePrecision.BFloat16"/>) and the heads, iGUM guidance and instance module in the
    /// images' type. The network's parameters must already be in that type where it runs them.
    /// </summary>
    public SsnOutput forward(Tensor images, ScalarType encoderType) => Forward(images, encoderType);

    private SsnOutput Forward(Tensor images, ScalarType? encoderType)
    {
        if (images.dim() != 4 || images.shape[1] != Options.InputChannels)
            throw new ArgumentException($"Expected images [B, {Options.InputChannels}, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var x = StridePadding.Pad(images, out long ph, out long pw);
        var features = encoderType is { } type ? encoder.call(x.to(type)).to(images.dtype) : encoder.call(x);
        var logits = classifier.call(features);
        var guidance = tanh(guidanceHead.call(features));
        var instanceGuidance = tanh(instanceHead.call(features));
        var centres = ComputeInstances ? instanceModule.forward(instanceGuidance) : null;
        logits.MoveToOuterDisposeScope();
        guidance.MoveToOuterDisposeScope();
        instanceGuidance.MoveToOuterDisposeScope();
        centres?.MoveToOuterDisposeScope();
        return new SsnOutput(logits, guidance, instanceGuidance, centres, h, w, ph, pw);
    }

    /// <summary>The iGUM sampling grid <c>[B, H, W, 2]</c> that maps the stride-8 outputs to the input size.</summary>
    public Tensor UpsamplingGrid(SsnOutput output) =>
        upsampler.Grid(output.Guidance, output.PaddedHeight, output.PaddedWidth, output.Height, output.Width);

    /// <summary>Class logits at the input size <c>[B, C, H, W]</c> (bilinear iGUM).</summary>
    public static Tensor UpsampleLogits(SsnOutput output, Tensor grid) =>
        ImprovedGuidedUpsampling.Sample(output.Logits, grid, GridSampleMode.Bilinear);

    /// <summary>
    /// Instance centres at the input size <c>[B, 2, H, W]</c>: bilinear during training, nearest at test time
    /// (paper §4, "Two practical tips").
    /// </summary>
    public static Tensor UpsampleCentres(SsnOutput output, Tensor grid, GridSampleMode mode) =>
        ImprovedGuidedUpsampling.Sample(output.Centres ?? throw new InvalidOperationException("The instance module did not run (ComputeInstances = false)."), grid, mode);

    /// <summary>Whether <see cref="FoldBatchNorm"/> has been applied.</summary>
    public bool IsBatchNormFolded { get; private set; }

    /// <summary>Merges every BatchNorm into the convolution before it (paper §6). Call in eval mode; irreversible.</summary>
    public void FoldBatchNorm()
    {
        if (training) throw new InvalidOperationException("Fold BatchNorm only in eval mode: call eval() first.");
        IsBatchNormFolded = true;
        foreach (var block in encoder.Blocks)
        {
            switch (block)
            {
                case DownsamplerBlock d: d.FoldBatchNorm(); break;
                case LightweightNonBottleneck1D l: l.FoldBatchNorm(); break;
                case NonBottleneck1DDesignStep s: s.FoldBatchNorm(); break;
                default: throw new InvalidOperationException($"Encoder block {block.GetType().Name} cannot fold its BatchNorm.");
            }
        }
    }

    /// <summary>A BatchNorm-folded copy for inference (eval mode, no gradients); this network is unchanged.</summary>
    public SpatialSamplingNetwork ToInferenceNetwork()
    {
        var copy = new SpatialSamplingNetwork(Options);
        using (no_grad())
        {
            var source = state_dict();
            copy.load_state_dict(source);
        }
        copy.to(parameters().First().device);
        copy.eval();
        copy.FoldBatchNorm();
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.ComputeInstances = ComputeInstances;
        return copy;
    }
}
