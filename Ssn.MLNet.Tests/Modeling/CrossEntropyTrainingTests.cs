using Ssn.MLNet.Trainers.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>Training's fused cross-entropy gives libtorch's weighted, ignore-aware cross-entropy and its gradient.</summary>
[TestClass]
public sealed class CrossEntropyTrainingTests
{
    [TestMethod]
    public void LossAndGradientEqualLibtorchsCrossEntropy()
    {
        // 70 × 61 pixels: more than one 4,096-pixel run per image, and a ragged last run.
        using var scope = NewDisposeScope();
        var generator = new Generator(11);
        var logits = randn(new long[] { 3, 5, 70, 61 }, generator: generator).mul(4);
        var labels = randint(0, 5, new long[] { 3, 70, 61 }, generator: generator);
        labels.masked_fill_(rand(new long[] { 3, 70, 61 }, generator: generator).lt(0.2), 255);
        var weights = tensor(new[] { 0.5f, 1f, 2f, 4f, 8f });

        var reference = logits.clone().requires_grad_(true);
        var expected = nn.functional.cross_entropy(reference, labels, weights, ignore_index: 255);
        expected.backward();
        var fused = logits.clone().requires_grad_(true);
        var actual = CrossEntropyTraining.Compute(fused, labels, weights, 255);
        actual.mul(1f).backward(); // a downstream op: the incoming gradient is not assumed to be 1

        Assert.AreEqual(expected.item<float>(), actual.item<float>(), 1e-5 * Math.Abs(expected.item<float>()));
        float gradError = (fused.grad! - reference.grad!).abs().max().item<float>();
        Assert.IsLessThan(1e-7f, gradError, $"gradient differs by {gradError}");
        Assert.AreEqual(0f, fused.grad!.mul(labels.eq(255).unsqueeze(1)).abs().sum().item<float>(), "ignored pixels get no gradient");
    }

    [TestMethod]
    public void WithoutGradientsOrWeightsItIsLibtorchs()
    {
        using var scope = NewDisposeScope();
        var logits = randn(2, 4, 9, 7);
        var labels = randint(0, 4, new long[] { 2, 9, 7 });
        Assert.AreEqual(nn.functional.cross_entropy(logits, labels).item<float>(), CrossEntropyTraining.Compute(logits, labels, null, 255).item<float>());
        var withGrad = logits.clone().requires_grad_(true);
        Assert.AreEqual(nn.functional.cross_entropy(logits, labels).item<float>(), CrossEntropyTraining.Compute(withGrad, labels, null, 255).item<float>(), 1e-5);
    }
}
