using Ssn.MLNet.Trainers.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>Training's grid sampling gives libtorch's bilinear, border-padded <c>grid_sample</c> and both its gradients.</summary>
[TestClass]
public sealed class GridSampleTrainingTests
{
    [TestMethod]
    public void ValuesAndGradientsEqualLibtorchsGridSample()
    {
        // Grid points inside, on the border and far outside (clipped: no grid gradient), on a 7×9 input.
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var input = randn(new long[] { 3, 5, 7, 9 }, generator: generator);
        var grid = rand(new long[] { 3, 11, 13, 2 }, generator: generator).mul(3).sub(1.5);
        grid[0, 0, 0] = tensor(new[] { -1f, 1f });
        var g = randn(new long[] { 3, 5, 11, 13 }, generator: generator);

        var (ir, gr) = (input.clone().requires_grad_(true), grid.clone().requires_grad_(true));
        var expected = nn.functional.grid_sample(ir, gr, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        expected.backward(new[] { g });
        var (ia, ga) = (input.clone().requires_grad_(true), grid.clone().requires_grad_(true));
        var actual = GridSampleTraining.Sample(ia, ga);
        actual.backward(new[] { g });

        Assert.IsLessThan(1e-5f, (actual - expected).abs().max().item<float>(), "values");
        Assert.IsLessThan(1e-5f, (ia.grad! - ir.grad!).abs().max().item<float>(), "input gradient");
        Assert.IsLessThan(1e-4f, (ga.grad! - gr.grad!).abs().max().item<float>(), "grid gradient");
        Assert.IsGreaterThan(0f, gr.grad!.abs().sum().item<float>());
        Assert.IsGreaterThan(0L, gr.grad!.eq(0).sum().item<long>(), "some points are clipped (zero grid gradient)");
    }
}
