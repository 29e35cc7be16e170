using Ssn.MLNet.Inference;
using Ssn.MLNet.Tests.Onnx;
using Ssn.MLNet.Trainers.Inference;
using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Inference;

/// <summary>
/// The one batch-prediction contract (<see cref="ISegmentationPredictor"/>): the TorchSharp predictor answers the float
/// span exactly as it answers the tensor, a semantic-only network answers it with empty instance maps, and bad sizes are
/// refused naming the expected count.
/// </summary>
[TestClass]
public sealed class PredictorContractTests
{
    [TestMethod]
    public void TheSpanAndTheTensorGiveTheSamePredictions()
    {
        using var trained = TestNetworks.Tiny(numClasses: 19);
        using var predictor = new SegmentationPredictor(trained);
        using var images = cat(new[] { TestNetworks.Image(45, 61), TestNetworks.Image(45, 61) * 0.5 }, 0);
        var data = images.contiguous().data<float>().ToArray();
        var fromTensor = predictor.Predict(images);
        var fromSpan = ((ISegmentationPredictor)predictor).Predict(data, 2, 45, 61);
        Assert.HasCount(2, fromSpan);
        for (int i = 0; i < 2; i++)
        {
            CollectionAssert.AreEqual(fromTensor[i].Labels, fromSpan[i].Labels, $"image {i}: labels");
            CollectionAssert.AreEqual(fromTensor[i].Confidence, fromSpan[i].Confidence, $"image {i}: confidence");
            CollectionAssert.AreEqual(fromTensor[i].Instances.InstanceIds, fromSpan[i].Instances.InstanceIds, $"image {i}: instance ids");
        }
        CollectionAssert.AreNotEqual(fromSpan[0].Confidence, fromSpan[1].Confidence, "the two images are predicted separately");
        var e = Assert.ThrowsExactly<ArgumentException>(() => ((ISegmentationPredictor)predictor).Predict(data, 2, 45, 60));
        StringAssert.Contains(e.Message, "2×3×45×60");
    }

    [TestMethod]
    public void ASemanticOnlyNetworkPredictsClassMapsAndNoInstances()
    {
        manual_seed(5);
        using var model = SegmentationModels.Create(Architecture.Erfnet, DecoderKind.Bilinear, 5);
        using ISegmentationPredictor predictor = new SegmentationPredictor(model);
        using var image = TestNetworks.Image(40, 56);
        var p = predictor.Predict(image.contiguous().data<float>().ToArray(), 1, 40, 56)[0];
        Assert.AreEqual(40 * 56, p.Labels.Length);
        Assert.IsTrue(p.Labels.All(l => l < 5));
        Assert.IsTrue(p.Confidence.All(c => c is >= 0.2f and <= 1f), "softmax confidence of 5 classes is at least 1/5");
        Assert.HasCount(0, p.Instances.Instances);
        Assert.IsTrue(p.Instances.InstanceIds.All(id => id == 0));
    }
}
