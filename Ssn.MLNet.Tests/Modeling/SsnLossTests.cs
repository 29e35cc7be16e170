using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

[TestClass]
public sealed class SsnLossTests
{
    // One image 1×2 pixels; the encoder is 2×2 pixels, so one normalised unit is 1 encoder pixel on both axes.
    private static (Tensor Logits, Tensor Labels, Tensor Pred, Tensor Target, Tensor Mask) Case()
    {
        var logits = tensor(new float[] { 2, 0, 0, 2 }).view(1, 2, 1, 2);            // pixel 0 → class 0, pixel 1 → class 1
        var labels = tensor(new long[] { 0, 255 }).view(1, 1, 2);                     // pixel 1 ignored
        var pred = tensor(new float[] { 0.3f, 0.9f, 0.4f, 0.1f }).view(1, 2, 1, 2);   // (x, y) per pixel: (0.3, 0.4), (0.9, 0.1)
        var target = tensor(new float[] { 0.0f, 0.0f, 0.0f, 0.0f }).view(1, 2, 1, 2);
        var mask = tensor(new[] { true, false }).view(1, 1, 2);                         // only pixel 0 is an instance pixel
        return (logits, labels, pred, target, mask);
    }

    [TestMethod]
    [DataRow(InstanceLossKind.L2, 0.5)]        // √(0.3² + 0.4²)
    [DataRow(InstanceLossKind.L1, 0.7)]        // 0.3 + 0.4
    [DataRow(InstanceLossKind.SmoothL1, 0.125)] // 0.5·0.3² + 0.5·0.4²
    public void InstanceLossMatchesHandComputation(InstanceLossKind kind, double expected)
    {
        using var scope = NewDisposeScope();
        var (logits, labels, pred, target, mask) = Case();
        using var parts = new SsnLoss(instanceLoss: kind).Compute(logits, labels, pred, target, mask, 2, 2);
        Assert.AreEqual(expected, parts.Instance!.item<float>(), 1e-5);
        double ce = -Math.Log(Math.Exp(2) / (Math.Exp(2) + 1)); // only pixel 0 counts
        Assert.AreEqual(ce, parts.Semantic.item<float>(), 1e-5);
        Assert.AreEqual(ce + expected, parts.Total.item<float>(), 1e-5);
    }

    [TestMethod]
    public void NoInstancePixelsGivesZeroInstanceLoss()
    {
        using var scope = NewDisposeScope();
        var (logits, labels, pred, target, _) = Case();
        using var parts = new SsnLoss().Compute(logits, labels, pred, target, zeros(1, 1, 2, dtype: @bool), 2, 2);
        Assert.AreEqual(0.0, parts.Instance!.item<float>(), 0.0);
    }
}
