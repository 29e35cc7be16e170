using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Modeling;

/// <summary>Size and cost of a network: parameters and convolution multiply-adds at a given input size.</summary>
/// <param name="Parameters">Number of parameters.</param>
/// <param name="MultiplyAdds">Multiply-accumulate operations of all convolutions for one image.</param>
public sealed record ModelComplexity(long Parameters, long MultiplyAdds)
{
    /// <summary>Floating-point operations (2 per multiply-add), in units of 10⁹.</summary>
    public double GFlops => 2.0 * MultiplyAdds / 1e9;

    /// <summary>
    /// Measures <paramref name="network"/> on one <paramref name="height"/>×<paramref name="width"/> image by
    /// recording every convolution's output size during a forward pass (grid sampling and element-wise work are
    /// not counted; they are small next to the convolutions).
    /// </summary>
    public static ModelComplexity Measure(SpatialSamplingNetwork network, int height, int width)
    {
        long macs = 0;
        var hooks = new List<Action>();
        foreach (var (_, module) in network.named_modules())
            if (module is Conv2d conv)
            {
                var remover = conv.register_forward_hook((m, input, output) =>
                {
                    var w = ((Conv2d)m).weight!;
                    macs += output.numel() * w.shape[1] * w.shape[2] * w.shape[3];
                    return output;
                });
                hooks.Add(remover.remove);
            }
        bool wasTraining = network.training;
        try
        {
            network.eval();
            using var _ = no_grad();
            var device = network.parameters().First().device;
            using var input = zeros(1, network.Options.InputChannels, height, width, device: device);
            network.forward(input).Dispose();
        }
        finally
        {
            foreach (var remove in hooks) remove();
            network.train(wasTraining);
        }
        return new ModelComplexity(network.parameters().Sum(p => p.numel()), macs);
    }
}
