using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ENet's upsampling bottleneck (Paszke et al. 2016, Table 1, "bottleneck4.0" and "bottleneck5.0"): the main branch
/// is a bias-free 1×1 convolution with BatchNorm followed by max-unpooling with the indices of the matching
/// downsampling bottleneck; the extension is a 1×1 projection to <c>out/4</c>, a 3×3 stride-2 transposed convolution
/// and a 1×1 expansion, each with BatchNorm and ReLU, then spatial dropout. The sum goes through a ReLU.
/// </summary>
public sealed class EnetUpsamplingBottleneck : nn.Module
{
    private readonly Conv2d mainConv;
    private readonly BatchNorm2d mainBn;
    private readonly Sequential extension;

    /// <summary>Creates the bottleneck mapping <paramref name="inChannels"/> to <paramref name="outChannels"/> at double resolution.</summary>
    public EnetUpsamplingBottleneck(long inChannels, long outChannels, double dropout) : base(nameof(EnetUpsamplingBottleneck))
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Channels must be positive.");
        if (outChannels < 4) throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, "An ENet bottleneck needs at least 4 output channels.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        long inner = outChannels / 4; // a quarter of the output channels, as in every ENet bottleneck
        mainConv = nn.Conv2d(inChannels, outChannels, 1, bias: false);
        mainBn = nn.BatchNorm2d(outChannels, eps: 1e-3);
        extension = nn.Sequential(
            nn.Conv2d(inChannels, inner, 1, bias: false), nn.BatchNorm2d(inner, eps: 1e-3), nn.ReLU(),
            nn.ConvTranspose2d(inner, inner, 3, stride: 2, padding: 1, output_padding: 1), nn.BatchNorm2d(inner, eps: 1e-3), nn.ReLU(),
            nn.Conv2d(inner, outChannels, 1, bias: false), nn.BatchNorm2d(outChannels, eps: 1e-3), nn.ReLU(),
            new SpatialDropout(dropout));
        RegisterComponents();
    }

    /// <summary>Upsamples <paramref name="x"/> to <paramref name="outputSize"/> (h, w), unpooling with <paramref name="indices"/>.</summary>
    public Tensor forward(Tensor x, Tensor indices, long[] outputSize)
    {
        using var scope = NewDisposeScope();
        var main = Unpool(mainBn.call(mainConv.call(x)), indices, outputSize);
        var ext = extension.call(x);
        if (ext.shape[2] != outputSize[0] || ext.shape[3] != outputSize[1])
            throw new ArgumentException($"The upsampled extension is {ext.shape[2]}×{ext.shape[3]} but the unpooled size is {outputSize[0]}×{outputSize[1]}.", nameof(outputSize));
        return relu(main + ext).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Max-unpooling: each value goes back to the flat position <paramref name="indices"/> recorded by the max-pool
    /// within its <c>h×w</c> plane, zeros elsewhere. Written as a scatter because TorchSharp 0.107.0's
    /// <c>max_unpool2d</c> fails when given an explicit output size ("output_size should be a sequence containing 2 or
    /// 4 elements, but it has a length of 0").
    /// </summary>
    internal static Tensor Unpool(Tensor x, Tensor indices, long[] outputSize)
    {
        long b = x.shape[0], c = x.shape[1];
        if (indices.shape[0] != b || indices.shape[1] != c || indices.shape[2] != x.shape[2] || indices.shape[3] != x.shape[3])
            throw new ArgumentException($"Pooling indices [{string.Join(", ", indices.shape)}] do not match the input [{string.Join(", ", x.shape)}]: the decoder's channels must equal the downsampling bottleneck's input channels.", nameof(indices));
        var flat = zeros(b, c, outputSize[0] * outputSize[1], dtype: x.dtype, device: x.device);
        return flat.scatter(2, indices.flatten(2), x.flatten(2)).view(b, c, outputSize[0], outputSize[1]);
    }
}
