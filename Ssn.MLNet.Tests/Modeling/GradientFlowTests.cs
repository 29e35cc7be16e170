using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Modeling;

[TestClass]
public sealed class GradientFlowTests
{
    [TestMethod]
    public void BothGuidanceHeadsReceiveGradientsAndTheFixedGridNone()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var net = SegmentationModels.Create(SsnNetworkOptions.Tiny(numClasses: 4) with { SamplingSteps = 5 });
        net.train();
        var images = randn(2, 3, 32, 48);
        var labels = randint(0, 4, new long[] { 2, 32, 48 });
        // One instance per image: a block whose centre is not where the pixels are.
        var ids = zeros(2, 32, 48, dtype: int32);
        ids[.., 8..24, 10..30] = tensor(26001);
        var (targets, mask) = TestData.CentreTargets(ids);

        using var output = net.ForwardHeads(images);
        var loss = new SsnLoss().Compute(net.Decode(output, GridSampleMode.Bilinear).Logits, labels,
            net.Decode(output, GridSampleMode.Bilinear).Centres!, targets, mask,
            output.Logits.shape[2], output.Logits.shape[3]);
        loss.Total.backward();

        Assert.IsTrue(net.GuidedDecoder!.GuidanceHead.weight!.grad!.abs().sum().item<float>() > 0, "iGUM guidance head has no gradient");
        Assert.IsTrue(net.InstanceGuidanceHead!.weight!.grad!.abs().sum().item<float>() > 0, "instance guidance head has no gradient");
        Assert.IsTrue(net.GuidedDecoder!.ClassHead.weight!.grad!.abs().sum().item<float>() > 0, "class head has no gradient");
    }

    [TestMethod]
    public void SamplingStepsPassGradientsToTheTableNeverToTheGrid()
    {
        using var scope = NewDisposeScope();
        var module = new InstanceSamplingModule(steps: 4);
        Assert.AreEqual(0, module.parameters().Count(), "the instance module must have no learnable state");
        var guidance = (rand(1, 2, 6, 7) * 0.5).requires_grad_(true);
        var regular = SamplingGrid.Regular(6, 7, CPU).requires_grad_(true); // even if a caller lets it require grad…
        var centres = module.forward(guidance, 4, regular);
        centres.sum().backward();
        Assert.IsNull(regular.grad, "the fixed regular grid received a gradient");
        Assert.IsTrue(guidance.grad!.abs().sum().item<float>() > 0, "the offsets table received no gradient");
    }
}
