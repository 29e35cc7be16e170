using Ssn.MLNet.Trainers.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>The one-pass PReLU backward used in training gives libtorch's PReLU values and gradients.</summary>
[TestClass]
public sealed class PReluTrainingTests
{
    [TestMethod]
    public void ValuesAndGradientsEqualLibtorchsPRelu()
    {
        // An odd plane size (7 × 13) exercises the vector loop and its scalar tail; zeros and negative slopes included.
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var x0 = randn(new long[] { 3, 6, 7, 13 }, generator: generator);
        x0[0, 0, 0, 0] = tensor(0f);
        var g = randn(new long[] { 3, 6, 7, 13 }, generator: generator);
        var reference = nn.PReLU(6);
        var fast = nn.PReLU(6);
        using (no_grad())
        {
            var w = tensor(new[] { 0.25f, -0.5f, 1.5f, 0f, 0.1f, 2f });
            reference.weight!.copy_(w);
            fast.weight!.copy_(w);
        }
        reference.train();
        fast.train();

        var xr = x0.clone().requires_grad_(true);
        var yr = reference.call(xr);
        yr.backward(new[] { g });
        var xf = x0.clone().requires_grad_(true);
        var yf = PReluTraining.Apply(fast, xf);
        yf.backward(new[] { g });

        Assert.AreEqual(0.0, (yf - yr).abs().max().item<float>(), 0.0, "forward");
        Assert.AreEqual(0.0, (xf.grad! - xr.grad!).abs().max().item<float>(), 0.0, "input gradient");
        Assert.AreEqual(0.0, (fast.weight!.grad! - reference.weight!.grad!).abs().max().item<float>(), 1e-4, "weight gradient (summed in another order)");
        Assert.IsGreaterThan(0f, reference.weight!.grad!.abs().sum().item<float>(), "the weight gradient is not trivially zero");
    }

    [TestMethod]
    public void OutsideTrainingItIsThePlainModule()
    {
        using var scope = NewDisposeScope();
        var prelu = nn.PReLU(4);
        prelu.eval();
        var x = randn(2, 4, 3, 5);
        Assert.AreEqual(0f, (PReluTraining.Apply(prelu, x) - prelu.call(x)).abs().max().item<float>());
    }
}
