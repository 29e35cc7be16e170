using System.Runtime.Intrinsics;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Tests.Onnx;
using Ssn.MLNet.Trainers.Inference;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Tests.Inference;

/// <summary>
/// The fused full-resolution pass (iGUM grid, bilinear sampling of the logits, argmax, softmax confidence, nearest
/// centres) gives what the tensor-by-tensor reference gives: <c>grid_sample</c> of all C channels, <c>softmax</c>,
/// <c>max</c>, <c>grid_sample(nearest)</c> of the centres — including inputs that are padded to a multiple of 8.
/// </summary>
[TestClass]
public sealed class GuidedClassMapTests
{
    [TestMethod]
    [DataRow(48, 64)]
    [DataRow(45, 61)]
    public void FusedPassMatchesTheTensorReference(int h, int w)
    {
        using var scope = NewDisposeScope();
        using var trained = TestNetworks.Tiny(numClasses: 19);
        using var predictor = new SegmentationPredictor(trained);
        var image = TestNetworks.Image(h, w);

        var fused = predictor.PredictMaps(image, includeScores: true)[0];

        using var _ = inference_mode();
        using var output = predictor.Model.ForwardHeads(image);
        var logits = predictor.Model.Decode(output, GridSampleMode.Bilinear).Logits;
        var probabilities = softmax(logits, 1);
        var (confidence, labels) = probabilities.max(1);
        var top2 = logits.topk(2, 1).values;
        var margin = (top2[.., 0] - top2[.., 1]).contiguous().data<float>().ToArray();
        var expectedLabels = labels.contiguous().data<long>().ToArray();
        var expectedConfidence = confidence.contiguous().data<float>().ToArray();
        var expectedScores = probabilities.contiguous().data<float>().ToArray();
        var centres = predictor.Model.Decode(output, GridSampleMode.Nearest).Centres!.contiguous().data<float>().ToArray();

        Assert.HasCount(w * h, fused.Labels);
        int n = h * w, differentLabels = 0, differentCentres = 0;
        for (int i = 0; i < n; i++)
        {
            if (fused.Labels[i] != expectedLabels[i])
            {
                differentLabels++;
                Assert.IsLessThan(1e-4f, margin[i], $"pixel {i}: label {fused.Labels[i]} vs {expectedLabels[i]}, margin {margin[i]:E2}");
            }
            Assert.AreEqual(expectedConfidence[i], fused.Confidence[i], 1e-5f, $"confidence at pixel {i}");
            if (fused.CentreX![i] != centres[i] || fused.CentreY![i] != centres[n + i]) differentCentres++;
        }
        for (int k = 0; k < expectedScores.Length; k++) Assert.AreEqual(expectedScores[k], fused.Scores![k], 1e-5f, $"score {k}");
        Assert.IsLessThanOrEqualTo(n / 1000, differentLabels, "labels differing beyond near-ties");
        // Nearest sampling can round differently only where a sampling point sits on a half-pixel boundary.
        Assert.IsLessThanOrEqualTo(n / 200, differentCentres, "nearest-sampled centres differing");
    }

    [TestMethod]
    public void SoftmaxExponentialIsWithinAFewUlpOfDoubleExp()
    {
        double worst = 0;
        var xs = new float[8];
        for (int k = 0; k + 7 <= 870_000; k += 8)
        {
            for (int j = 0; j < 8; j++) xs[j] = -(k + j) * 1e-4f;
            var e = GuidedClassMap.ExpNonPositive(Vector256.Create(xs));
            for (int j = 0; j < 8; j++)
                worst = Math.Max(worst, Math.Abs(e[j] - Math.Exp(xs[j])) / Math.Exp(xs[j]));
        }
        Assert.IsLessThan(5e-7, worst, "relative error over [-87, 0]");
        Assert.AreEqual(1f, GuidedClassMap.ExpNonPositive(Vector256<float>.Zero)[0]);
        // Far below the maximum (the −1e30 padding lanes): a normal float of about 1.6e-38, never NaN or negative.
        var tiny = GuidedClassMap.ExpNonPositive(Vector256.Create(-1e30f))[0];
        Assert.IsTrue(tiny is > 0 and < 2e-38f, $"e^-1e30 gave {tiny}");
    }
}
