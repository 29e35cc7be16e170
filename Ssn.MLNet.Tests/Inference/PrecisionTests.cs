using Ssn.MLNet.Inference;
using Ssn.MLNet.Tests.Onnx;
using static TorchSharp.torch;

namespace Ssn.MLNet.Tests.Inference;

/// <summary>
/// The bfloat16 encoder (with everything after it in fp32) predicts what the fp32 one predicts on almost every
/// pixel, and moving a BN-folded network to another dtype works (the folded pool affine follows the module).
/// </summary>
[TestClass]
public sealed class PrecisionTests
{
    [TestMethod]
    public void BFloat16EncoderAgreesWithFloat32()
    {
        using var trained = TestNetworks.Tiny(numClasses: 19);
        using var fp32 = new SegmentationPredictor(trained);
        using var bf16 = new SegmentationPredictor(trained, null, InferencePrecision.BFloat16);
        Assert.AreEqual(InferencePrecision.BFloat16, bf16.Precision);
        using var image = TestNetworks.Image(45, 61);
        var a = fp32.Predict(image)[0];
        var b = bf16.Predict(image)[0];
        Assert.AreEqual(a.Width, b.Width);
        double agreement = a.Labels.Zip(b.Labels).Count(p => p.First == p.Second) / (double)a.Labels.Length;
        Console.WriteLine($"bf16 vs fp32 label agreement {agreement:P2}");
        Assert.IsGreaterThan(0.9, agreement, $"label agreement {agreement:P2}");
        double meanConfidenceGap = a.Confidence.Zip(b.Confidence).Average(p => Math.Abs(p.First - p.Second));
        Assert.IsLessThan(0.05, meanConfidenceGap);
        Assert.IsFalse(b.Confidence.Any(float.IsNaN));
    }

    [TestMethod]
    public void AnUnknownPrecisionIsRejected()
    {
        using var trained = TestNetworks.Tiny();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SegmentationPredictor(trained, null, (InferencePrecision)7));
        Assert.AreEqual("precision", e.ParamName);
    }
}
