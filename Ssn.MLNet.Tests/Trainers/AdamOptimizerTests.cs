using Ssn.MLNet.Trainers.Optimization;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Trainers;

[TestClass]
public sealed class AdamOptimizerTests
{
    /// <summary>Same start, same loss, 20 steps: the weights match TorchSharp's optim.Adam (PyTorch's algorithm).</summary>
    [TestMethod]
    public void MatchesTorchSharpsAdamWithWeightDecay()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(17);
        var start = randn(new long[] { 6, 4 }, generator: gen);
        var x = randn(new long[] { 8, 6 }, generator: gen);
        var target = randn(new long[] { 8, 4 }, generator: gen);
        var ours = new TorchSharp.Modules.Parameter(start.clone());
        var theirs = new TorchSharp.Modules.Parameter(start.clone());
        using var adam = new AdamOptimizer(new[] { ours }, learningRate: 0.05, weightDecay: 1e-2);
        var reference = optim.Adam(new[] { theirs }, lr: 0.05, weight_decay: 1e-2);
        for (int step = 0; step < 20; step++)
        {
            adam.ZeroGrad();
            (x.matmul(ours) - target).pow(2).mean().backward();
            adam.Step();
            reference.zero_grad();
            (x.matmul(theirs) - target).pow(2).mean().backward();
            reference.step();
        }
        double diff = (ours - theirs).abs().max().item<float>();
        Assert.IsTrue(diff < 1e-5, $"max |ours − torchsharp| = {diff}");
        Assert.IsTrue((ours - start).abs().max().item<float>() > 0.1, "the weights must have moved");
        Assert.AreEqual(20, adam.Steps);
    }

    [TestMethod]
    public void SaveLoadContinuesIdentically()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var start = randn(new long[] { 5 }, generator: gen);
        var a = new TorchSharp.Modules.Parameter(start.clone());
        var b = new TorchSharp.Modules.Parameter(start.clone());
        using var first = new AdamOptimizer(new[] { a }, 0.1, 0);
        void Step(AdamOptimizer o, Tensor p) { o.ZeroGrad(); p.pow(3).sum().backward(); o.Step(); }
        for (int i = 0; i < 3; i++) Step(first, a);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true)) first.Save(w);
        using (no_grad()) b.copy_(a);
        using var second = new AdamOptimizer(new[] { b }, 0.1, 0);
        ms.Position = 0;
        using (var r = new BinaryReader(ms)) second.Load(r);
        Step(first, a);
        Step(second, b);
        Assert.IsTrue(a.equal(b).all().item<bool>(), "a reloaded optimiser must continue exactly");
    }
}
