using static TorchSharp.torch;

namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>
/// Adapter exposing the Spatial Sampling Network's own encoder (<see cref="SsnEncoder"/>, paper §5: downsamplers and
/// Lightweight Non-bottleneck-1D modules, output stride 8) as a <see cref="SegmentationEncoder"/>.
/// </summary>
public sealed class SsnSegmentationEncoder : SegmentationEncoder
{
    private readonly SsnEncoder encoder;

    /// <summary>Builds the encoder described by <paramref name="options"/> (default: the paper's).</summary>
    public SsnSegmentationEncoder(SsnNetworkOptions? options = null) : base(nameof(SsnSegmentationEncoder))
    {
        Options = options ?? new SsnNetworkOptions();
        encoder = new SsnEncoder(Options);
        RegisterComponents();
    }

    /// <summary>The architecture options (only the encoder's fields are used).</summary>
    public SsnNetworkOptions Options { get; }

    /// <summary>The wrapped encoder.</summary>
    public SsnEncoder Inner => encoder;

    /// <inheritdoc />
    public override long OutputChannels => encoder.OutputChannels;

    /// <inheritdoc />
    public override long InputChannels => Options.InputChannels;

    /// <inheritdoc />
    public override EncoderOutput Encode(Tensor images)
    {
        CheckInput(images);
        return new EncoderOutput(encoder.call(images));
    }
}
