using System.Text.Json;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.OnnxExport;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

/// <summary>
/// The paper's Table 3 design steps (<see cref="LnbDesign"/>) as network options: every row builds, trains, folds
/// and saves; parameter counts differ exactly as the steps say; the Lightweight preset is the paper's module.
/// </summary>
[TestClass]
public sealed class LnbDesignTests
{
    private static SsnNetworkOptions Options(LnbDesign design) => SsnNetworkOptions.Tiny(5) with { LnbDesign = design, SamplingSteps = 4 };

    private static long ParameterCount(LnbDesign design)
    {
        using var net = SegmentationModels.Create(Options(design));
        return net.parameters().Sum(p => p.numel());
    }

    /// <summary>Σ over residual blocks of f(channels) for the Tiny network.</summary>
    private static long OverBlocks(Func<long, long> perBlock)
    {
        var o = SsnNetworkOptions.Tiny(5);
        return o.MiddleBlocks * perBlock(o.MiddleChannels) + o.DeepDilations.Count * perBlock(o.DeepChannels);
    }

    /// <summary>Non-trivial BatchNorm statistics and affine parameters, and PReLU slopes away from 0.25.</summary>
    private static void Perturb(SegmentationModel net)
    {
        using var _ = no_grad();
        foreach (var (_, m) in net.named_modules())
        {
            if (m is BatchNorm2d bn)
            {
                bn.running_mean!.copy_(randn_like(bn.running_mean) * 0.3);
                bn.running_var!.copy_(rand_like(bn.running_var) + 0.5);
                bn.weight!.copy_(rand_like(bn.weight) + 0.5);
                bn.bias!.copy_(randn_like(bn.bias) * 0.2);
            }
            else if (m is PReLU p) p.weight!.copy_(rand_like(p.weight) * 0.5);
            else if (m is Conv2d c) c.bias?.copy_(randn_like(c.bias) * 0.1);
        }
    }

    [TestMethod]
    public void TableRowsAreThePapersSixRowsInOrder()
    {
        var rows = LnbDesign.TableRows;
        Assert.HasCount(6, rows);
        Assert.AreEqual(LnbDesign.NonBottleneck1D, rows[0]);
        Assert.AreEqual(new LnbDesign { Conv1x1 = true }, rows[1]);
        Assert.AreEqual(new LnbDesign { NoBias = true }, rows[2]);
        Assert.AreEqual(new LnbDesign { PRelu = true }, rows[3]);
        Assert.AreEqual(new LnbDesign { Conv1x1 = true, NoBias = true, PRelu = true }, rows[4]);
        Assert.AreEqual(LnbDesign.Lightweight, rows[5]);
        Assert.IsTrue(LnbDesign.Lightweight is { Conv1x1: true, NoBias: true, PRelu: true, Moved1x1: true });
        Assert.IsTrue(LnbDesign.NonBottleneck1D is { Conv1x1: false, NoBias: false, PRelu: false, Moved1x1: false });
        Assert.AreEqual("Non-bt-1D", rows[0].Name);
        Assert.AreEqual("+Conv 1x1", rows[1].Name);
        Assert.AreEqual("+Conv 1x1 +No Bias +PReLU", rows[4].Name);
        Assert.AreEqual("Lightweight Non-bt-1D", rows[5].Name);
        Assert.HasCount(6, rows.Select(r => r.Name).Distinct());
        Assert.AreEqual(LnbDesign.Lightweight, new SsnNetworkOptions().LnbDesign, "the default network is the paper's");
    }

    [TestMethod]
    public void MovedWithoutConv1x1ThrowsNamingTheOption()
    {
        var bad = new LnbDesign { Moved1x1 = true, NoBias = true, PRelu = true };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(bad.Validate);
        Assert.AreEqual(nameof(LnbDesign.Moved1x1), e.ParamName);
        StringAssert.Contains(e.Message, nameof(LnbDesign.Conv1x1));
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SegmentationModels.Create(Options(bad)));
        StringAssert.Contains(e.Message, nameof(LnbDesign.Moved1x1));
        Assert.ThrowsExactly<ArgumentNullException>(() => SegmentationModels.Create(Options(null!)));
        foreach (var row in LnbDesign.TableRows) row.Validate();
    }

    [TestMethod]
    public void EveryRowBuildsNonBottleneck1DBlocksOfItsDesign()
    {
        foreach (var row in LnbDesign.TableRows)
        {
            using var net = SegmentationModels.Create(Options(row));
            var blocks = ((SsnEncoder)net.Encoder).Blocks.Where(b => b is not DownsamplerBlock).ToList();
            Assert.HasCount(4, blocks);
            Assert.IsTrue(blocks.All(b => b is NonBottleneck1D s && s.Design == row), row.Name + ": " + string.Join(", ", blocks.Select(b => b.GetType().Name)));
            CollectionAssert.AreEqual(new long[] { 1, 1, 2, 4 }, blocks.Cast<NonBottleneck1D>().Select(b => b.Dilation).ToArray());
        }
    }

    [TestMethod]
    public void ParameterCountsDifferExactlyAsTheDesignStepsSay()
    {
        long baseline = ParameterCount(LnbDesign.TableRows[0]);
        // Conv 1x1: two 3×1/1×3 kernels (3c² each) become two 1×1 (c² each).
        Assert.AreEqual(baseline - OverBlocks(c => 4 * c * c), ParameterCount(LnbDesign.TableRows[1]));
        // No Bias: exactly the four convolutions' biases go.
        Assert.AreEqual(baseline - OverBlocks(c => 4 * c), ParameterCount(LnbDesign.TableRows[2]));
        // PReLU: four per-channel slopes per block.
        Assert.AreEqual(baseline + OverBlocks(c => 4 * c), ParameterCount(LnbDesign.TableRows[3]));
        long combined = ParameterCount(LnbDesign.TableRows[4]);
        Assert.AreEqual(baseline - OverBlocks(c => 4 * c * c), combined);
        // Moving a 1×1 convolution changes where it is, not its size.
        Assert.AreEqual(combined, ParameterCount(LnbDesign.TableRows[5]));
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    public void EveryRowRunsAndEveryParameterGetsAGradient(int row)
    {
        using var scope = NewDisposeScope();
        using var net = SegmentationModels.Create(Options(LnbDesign.TableRows[row]));
        net.train();
        using (no_grad())
            foreach (var head in new[] { net.GuidedDecoder!.GuidanceHead, net.InstanceGuidanceHead! }) head.weight!.copy_(randn_like(head.weight) * 0.1);
        var labels = randint(0, 5, new long[] { 2, 32, 48 });
        var ids = zeros(2, 32, 48, dtype: int32);
        ids[.., 8..24, 10..30] = tensor(26001);
        var (targets, mask) = TestData.CentreTargets(ids);

        using var output = net.ForwardHeads(randn(2, 3, 32, 48));
        CollectionAssert.AreEqual(new long[] { 2, 5, 4, 6 }, output.Logits.shape);
        CollectionAssert.AreEqual(new long[] { 2, 2, 4, 6 }, output.Guidance.shape);
        CollectionAssert.AreEqual(new long[] { 2, 2, 4, 6 }, output.Centres!.shape);
        var logits = net.Decode(output, GridSampleMode.Bilinear).Logits;
        CollectionAssert.AreEqual(new long[] { 2, 5, 32, 48 }, logits.shape);
        var loss = new SsnLoss().Compute(logits, labels, net.Decode(output, GridSampleMode.Bilinear).Centres!,
            targets, mask, output.Logits.shape[2], output.Logits.shape[3]);
        loss.Total.backward();

        foreach (var (name, p) in net.named_parameters())
            Assert.IsTrue(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"{LnbDesign.TableRows[row].Name}: {name} has no gradient");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    public void FoldedBatchNormMatchesTheUnfoldedNetwork(int row)
    {
        using var scope = NewDisposeScope();
        using var net = SegmentationModels.Create(Options(LnbDesign.TableRows[row]));
        Perturb(net);
        net.eval();
        using var folded = net.ToInferenceModel();
        using var _ = no_grad();
        var x = randn(1, 3, 40, 56);
        using var a = net.ForwardHeads(x);
        using var b = folded.ForwardHeads(x);
        double logits = (a.Logits - b.Logits).abs().max().item<float>();
        double centres = (a.Centres! - b.Centres!).abs().max().item<float>();
        Assert.IsTrue(logits < 1e-4, $"{LnbDesign.TableRows[row].Name}: logits differ by {logits}");
        Assert.IsTrue(centres < 1e-4, $"{LnbDesign.TableRows[row].Name}: centres differ by {centres}");
        // Every residual block folded, and folding changed its convolutions (the comparison is not vacuous).
        var before = ((SsnEncoder)net.Encoder).Blocks.Where(m => m is not DownsamplerBlock).ToList();
        var after = ((SsnEncoder)folded.Encoder).Blocks.Where(m => m is not DownsamplerBlock).ToList();
        for (int i = 0; i < before.Count; i++)
        {
            var w0 = before[i].named_parameters().First(p => p.name == "conv1x3.weight").parameter;
            var w1 = after[i].named_parameters().First(p => p.name == "conv1x3.weight").parameter;
            Assert.IsTrue((w0 - w1).abs().max().item<float>() > 1e-3, $"block {i} was not folded");
        }
    }

    /// <summary>
    /// The block against the formulas written out with functional ops on its own weights: Fig. 5 for the Lightweight
    /// module (1×1 → PReLU → 3×1(d) → PReLU → 1×3(d) → BN → PReLU → 1×1 → BN → +x → PReLU) and ERFNet's Fig. 2c for
    /// no step (3×1 → ReLU → 1×3 → BN → ReLU → 3×1(d) → ReLU → 1×3(d) → BN → +x → ReLU), in eval mode with non-trivial
    /// BatchNorm statistics.
    /// </summary>
    [TestMethod]
    [DataRow(5)]
    [DataRow(0)]
    public void TheBlockComputesItsPapersFormula(int row)
    {
        var design = LnbDesign.TableRows[row];
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var block = new NonBottleneck1D(16, 0.3, 2, design);
        var w = block.state_dict();
        using (no_grad())
            foreach (var (name, t) in w)
                if (t.is_floating_point()) t.copy_(randn_like(t).abs().mul(0.2).add(0.05));
        block.eval();
        using var _ = no_grad();
        var x = randn(2, 16, 12, 20);
        Tensor C(Tensor y, string name, (long, long) padding, (long, long) dilation) =>
            nn.functional.conv2d(y, w[name + ".weight"], w.TryGetValue(name + ".bias", out var bias) ? bias : null,
                strides: new long[] { 1, 1 }, padding: new[] { padding.Item1, padding.Item2 }, dilation: new[] { dilation.Item1, dilation.Item2 });
        Tensor Bn(Tensor y, string name) => nn.functional.batch_norm(y, w[name + ".running_mean"], w[name + ".running_var"],
            w[name + ".weight"], w[name + ".bias"], training: false, eps: 1e-3);
        Tensor Act(Tensor y, string name) => design.PRelu ? nn.functional.prelu(y, w[name + ".weight"]) : nn.functional.relu(y);
        Tensor expected;
        if (design.Moved1x1)
        {
            var y = Act(C(x, "first", (0, 0), (1, 1)), "act1");
            y = Act(C(y, "conv3x1", (2, 0), (2, 1)), "act2");
            y = Act(Bn(C(y, "conv1x3", (0, 2), (1, 2)), "bn1x3"), "act3");
            expected = Act(Bn(C(y, "second", (0, 0), (1, 1)), "bnSecond") + x, "actOut");
        }
        else
        {
            var y = Act(C(x, "first", (1, 0), (1, 1)), "act1");
            y = Act(Bn(C(y, "second", (0, 1), (1, 1)), "bnSecond"), "act2");
            y = Act(C(y, "conv3x1", (2, 0), (2, 1)), "act3");
            expected = Act(Bn(C(y, "conv1x3", (0, 2), (1, 2)), "bn1x3") + x, "actOut");
        }
        Assert.AreEqual(!design.NoBias, w.ContainsKey("first.bias"), "biases as the design says");
        double diff = (block.call(x) - expected).abs().max().item<float>();
        Assert.IsTrue(diff < 1e-5, $"{design.Name}: the block differs from the formula by {diff}");
        Assert.IsTrue(expected.abs().max().item<float>() > 0.1, "the reference is not trivially zero");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(4)]
    public void SaveLoadRoundTripsTheDesignAndTheOutputs(int row)
    {
        using var scope = NewDisposeScope();
        var design = LnbDesign.TableRows[row];
        using var net = SegmentationModels.Create(Options(design));
        Perturb(net);
        net.eval();
        using var loaded = NetworkWeights.CreateModel(NetworkWeights.ToSafetensors(net), "net.safetensors");
        loaded.eval();
        Assert.AreEqual(design, loaded.Options.LnbDesign);
        using var _ = no_grad();
        var x = randn(1, 3, 24, 40);
        using var a = net.ForwardHeads(x);
        using var b = loaded.ForwardHeads(x);
        Assert.IsTrue(a.Logits.equal(b.Logits).all().item<bool>(), $"{design.Name}: logits differ after reload");
        Assert.IsTrue(a.Centres!.equal(b.Centres!).all().item<bool>(), $"{design.Name}: centres differ after reload");
    }

    [TestMethod]
    public void OptionsSavedWithoutTheDesignLoadAsLightweight()
    {
        var json = JsonSerializer.SerializeToNode(SsnNetworkOptions.Tiny(5) with { LnbDesign = LnbDesign.NonBottleneck1D })!.AsObject();
        Assert.IsTrue(json.Remove(nameof(SsnNetworkOptions.LnbDesign)), "the options JSON should hold LnbDesign");
        var options = JsonSerializer.Deserialize<SsnNetworkOptions>(json.ToJsonString())!;
        Assert.AreEqual(LnbDesign.Lightweight, options.LnbDesign);

        // A whole network file whose options JSON has no LnbDesign (as written by a tool that does not know it).
        using var scope = NewDisposeScope();
        using var old = SegmentationModels.Create(SsnNetworkOptions.Tiny(5));
        using var loaded = NetworkWeights.CreateModel(NetworkWeights.ToSafetensors(old), "old.safetensors", json.ToJsonString());
        Assert.AreEqual(LnbDesign.Lightweight, loaded.Options.LnbDesign);
        Assert.IsTrue(((SsnEncoder)loaded.Encoder).Blocks.OfType<NonBottleneck1D>().All(b => b.Design == LnbDesign.Lightweight));
    }

    [TestMethod]
    public void OnnxExportOfAnAblationDesignNamesTheOption()
    {
        using var net = SegmentationModels.Create(Options(LnbDesign.TableRows[4]));
        net.eval();
        var e = Assert.ThrowsExactly<NotSupportedException>(() => SsnOnnxExporter.Export(net));
        StringAssert.Contains(e.Message, "SsnNetworkOptions.LnbDesign");
    }
}
