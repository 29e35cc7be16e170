using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The encoder of the Spatial Sampling Network (paper §5): early downsampling to stride 4, Lightweight
/// Non-bottleneck-1D blocks (or a Table 3 ablation design, <see cref="SsnNetworkOptions.LnbDesign"/>), a third downsampler to stride 8 and dilated blocks. With iGUM as decoder the network
/// is encoder-only (paper §5, "Encoder-only architecture").
/// </summary>
public sealed class SsnEncoder : SegmentationEncoder
{
    private readonly Sequential layers;

    /// <summary>Builds the encoder described by <paramref name="options"/>.</summary>
    public SsnEncoder(SsnNetworkOptions options) : base(nameof(SsnEncoder))
    {
        options.Validate();
        var modules = new List<nn.Module<Tensor, Tensor>>
        {
            new DownsamplerBlock(options.InputChannels, options.StemChannels),
            new DownsamplerBlock(options.StemChannels, options.MiddleChannels),
        };
        for (int i = 0; i < options.MiddleBlocks; i++)
            modules.Add(Block(options.LnbDesign, options.MiddleChannels, options.MiddleDropout, 1));
        modules.Add(new DownsamplerBlock(options.MiddleChannels, options.DeepChannels));
        foreach (int d in options.DeepDilations)
            modules.Add(Block(options.LnbDesign, options.DeepChannels, options.DeepDropout, d));
        layers = nn.Sequential(modules.ToArray());
        OutputChannels = options.DeepChannels;
        InputChannels = options.InputChannels;
        RegisterComponents();
    }

    /// <summary>A residual block of <paramref name="design"/>: the paper's Lightweight Non-bt-1D, or a Table 3 ablation row.</summary>
    private static nn.Module<Tensor, Tensor> Block(LnbDesign design, long channels, double dropout, long dilation) =>
        new NonBottleneck1D(channels, dropout, dilation, design);

    /// <inheritdoc />
    public override long OutputChannels { get; }

    /// <inheritdoc />
    public override long InputChannels { get; }

    /// <summary>The blocks in order.</summary>
    public IEnumerable<nn.Module> Blocks => layers.children();

    /// <inheritdoc />
    public override EncoderOutput Encode(Tensor images)
    {
        CheckInput(images);
        return new EncoderOutput(layers.call(images));
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => layers.call(x);

    /// <summary>Merges every block's BatchNorm into the convolution before it (paper §6).</summary>
    public override bool FoldBatchNorm()
    {
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case DownsamplerBlock d: d.FoldBatchNorm(); break;
                case NonBottleneck1D b: b.FoldBatchNorm(); break;
                default: throw new InvalidOperationException($"Encoder block {block.GetType().Name} cannot fold its BatchNorm.");
            }
        }
        return true;
    }
}
