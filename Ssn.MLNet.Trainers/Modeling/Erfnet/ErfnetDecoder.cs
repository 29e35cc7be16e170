using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ERFNet's decoder (Romera et al. 2018, Table 1, layers 17–23) — "three deconvolutions and four
/// Non-Bottleneck-1D Modules" as the paper's §6.1 puts it: the decoder iGUM replaces in Tables 1 and 2.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>17</term><description>Deconvolution (upsampling) 128 → 64, stride 4</description></item>
/// <item><term>18–19</term><description>2 × Non-bt-1D, 64</description></item>
/// <item><term>20</term><description>Deconvolution (upsampling) 64 → 16, stride 2</description></item>
/// <item><term>21–22</term><description>2 × Non-bt-1D, 16</description></item>
/// <item><term>23</term><description>Deconvolution 16 → C (2×2, stride 2), full resolution</description></item>
/// </list>
/// Decoder blocks have no dropout and dilation 1. Needs only the encoder features (any 128-channel stride-8 encoder).
/// </remarks>
public sealed class ErfnetDecoder : SegmentationDecoder
{
    private readonly Sequential layers;
    private readonly ConvTranspose2d output;

    /// <summary>Creates the decoder for <paramref name="inChannels"/>-channel features (ERFNet: 128) and <paramref name="numClasses"/> classes.</summary>
    public ErfnetDecoder(long inChannels, long numClasses) : base(nameof(ErfnetDecoder), inChannels, numClasses)
    {
        layers = nn.Sequential(
            new ErfnetUpsamplerBlock(inChannels, 64),
            new NonBottleneck1D(64, 0, 1),
            new NonBottleneck1D(64, 0, 1),
            new ErfnetUpsamplerBlock(64, 16),
            new NonBottleneck1D(16, 0, 1),
            new NonBottleneck1D(16, 0, 1));
        output = nn.ConvTranspose2d(16, numClasses, 2, stride: 2);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Decode(EncoderOutput encoded, long height, long width)
    {
        CheckFeatures(encoded, height, width);
        using var scope = NewDisposeScope();
        return output.call(layers.call(encoded.Features)).MoveToOuterDisposeScope();
    }
}
