using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ERFNet's upsampler block (Romera et al. 2018, Table 1, "Deconvolution (upsampling)"): a 3×3 stride-2 transposed
/// convolution (padding 1, output padding 1: exactly doubles the size) with bias, BatchNorm and ReLU.
/// </summary>
public sealed class ErfnetUpsamplerBlock : nn.Module<Tensor, Tensor>
{
    private readonly ConvTranspose2d deconv;
    private readonly BatchNorm2d bn;

    /// <summary>Creates the block mapping <paramref name="inChannels"/> to <paramref name="outChannels"/> at double resolution.</summary>
    public ErfnetUpsamplerBlock(long inChannels, long outChannels) : base(nameof(ErfnetUpsamplerBlock))
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Channels must be positive.");
        if (outChannels <= 0) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "Channels must be positive.");
        deconv = nn.ConvTranspose2d(inChannels, outChannels, 3, stride: 2, padding: 1, output_padding: 1);
        bn = nn.BatchNorm2d(outChannels, eps: 1e-3);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return relu(bn.call(deconv.call(x))).MoveToOuterDisposeScope();
    }
}
