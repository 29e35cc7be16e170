using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// ENet's non-resampling bottleneck (Paszke et al. 2016, Fig. 2b): the identity plus an extension of a 1×1
/// projection to <c>channels/4</c>, the main convolution (3×3 regular or dilated, or 5×1 + 1×5 asymmetric) and a
/// 1×1 expansion, each followed by BatchNorm and the activation, then spatial dropout; the sum goes through the
/// activation once more.
/// </summary>
/// <remarks>
/// Projections carry no bias (ENet §4, "we decided to not use bias terms in any of the projections"); the main
/// convolution has one. Encoder bottlenecks use PReLU, decoder bottlenecks ReLU (as ENet's reference code).
/// </remarks>
public sealed class EnetBottleneck : nn.Module<Tensor, Tensor>
{
    private readonly Sequential extension;
    private readonly nn.Module<Tensor, Tensor> outputActivation;

    /// <summary>Creates the bottleneck.</summary>
    /// <param name="channels">Input and output channels.</param>
    /// <param name="kind">Regular/dilated 3×3 or asymmetric 5×1 + 1×5 main convolution.</param>
    /// <param name="dilation">Dilation of a regular main convolution (1 = "regular").</param>
    /// <param name="dropout">Spatial dropout probability (ENet: 0.01 in stage 1, 0.1 afterwards).</param>
    /// <param name="useRelu">ReLU (decoder) instead of PReLU (encoder).</param>
    public EnetBottleneck(long channels, EnetBottleneckKind kind, long dilation, double dropout, bool useRelu = false) : base(nameof(EnetBottleneck))
    {
        if (channels < 4) throw new ArgumentOutOfRangeException(nameof(channels), channels, "An ENet bottleneck needs at least 4 channels.");
        if (dilation <= 0) throw new ArgumentOutOfRangeException(nameof(dilation), dilation, "Dilation must be positive.");
        if (kind == EnetBottleneckKind.Asymmetric && dilation != 1) throw new ArgumentOutOfRangeException(nameof(dilation), dilation, "Asymmetric bottlenecks are not dilated.");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        long inner = channels / 4;
        var modules = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(channels, inner, 1, bias: false), nn.BatchNorm2d(inner, eps: 1e-3), Activation(inner, useRelu),
        };
        if (kind == EnetBottleneckKind.Asymmetric)
        {
            modules.Add(nn.Conv2d(inner, inner, (5, 1), padding: (2, 0), bias: false));
            modules.Add(nn.Conv2d(inner, inner, (1, 5), padding: (0, 2)));
        }
        else
        {
            modules.Add(nn.Conv2d(inner, inner, 3, padding: dilation, dilation: dilation));
        }
        modules.Add(nn.BatchNorm2d(inner, eps: 1e-3));
        modules.Add(Activation(inner, useRelu));
        modules.Add(nn.Conv2d(inner, channels, 1, bias: false));
        modules.Add(nn.BatchNorm2d(channels, eps: 1e-3));
        modules.Add(Activation(channels, useRelu));
        modules.Add(new SpatialDropout(dropout));
        extension = nn.Sequential(modules.ToArray());
        outputActivation = Activation(channels, useRelu);
        Kind = kind;
        Dilation = dilation;
        RegisterComponents();
    }

    /// <summary>The main convolution's kind.</summary>
    public EnetBottleneckKind Kind { get; }

    /// <summary>The main convolution's dilation.</summary>
    public long Dilation { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return outputActivation.call(x + extension.call(x)).MoveToOuterDisposeScope();
    }

    internal static nn.Module<Tensor, Tensor> Activation(long channels, bool useRelu) =>
        useRelu ? nn.ReLU() : nn.PReLU(channels);
}
