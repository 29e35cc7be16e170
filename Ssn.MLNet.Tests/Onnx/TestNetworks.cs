using Ssn.MLNet.Modeling;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Onnx;

/// <summary>Tiny networks that look trained: non-zero guidance heads, non-trivial BatchNorm statistics and PReLU slopes.</summary>
internal static class TestNetworks
{
    public static SpatialSamplingNetwork Tiny(int numClasses = 5, int seed = 3, int steps = 10, float slopeScale = 0.5f)
    {
        manual_seed(seed);
        var network = new SpatialSamplingNetwork(SsnNetworkOptions.Tiny(numClasses) with { SamplingSteps = steps });
        using (no_grad())
        {
            foreach (var (_, m) in network.named_modules())
            {
                if (m is BatchNorm2d bn)
                {
                    bn.running_mean!.copy_(randn_like(bn.running_mean) * 0.2);
                    bn.running_var!.copy_(rand_like(bn.running_var) + 0.5);
                    bn.weight!.copy_(rand_like(bn.weight) + 0.5);
                    bn.bias!.copy_(randn_like(bn.bias) * 0.1);
                }
                else if (m is PReLU p) p.weight!.copy_(rand_like(p.weight) * slopeScale);
            }
            foreach (var head in new[] { network.GuidanceHead, network.InstanceGuidanceHead })
            {
                head.weight!.copy_(randn_like(head.weight) * 0.5);
                head.bias!.copy_(randn_like(head.bias) * 0.3);
            }
        }
        network.eval();
        return network;
    }

    public static Tensor Image(int height, int width, int seed = 7)
    {
        manual_seed(seed);
        return randn(1, 3, height, width);
    }
}
