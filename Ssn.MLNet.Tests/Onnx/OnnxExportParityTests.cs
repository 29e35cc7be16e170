using Microsoft.ML.OnnxRuntime;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.OnnxExport;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Tests.Onnx;

/// <summary>
/// The exported ONNX graph, run by ONNX Runtime, reproduces TorchSharp's outputs to 1e-4: the stride-8 heads, the
/// instance module's t unrolled sampling steps (§4) and iGUM's full-resolution class map and centres (§3.1).
/// </summary>
[TestClass]
public sealed class OnnxExportParityTests
{
    private const float Tolerance = 1e-4f;

    private static Dictionary<string, float[]> RunOnnx(byte[] model, Tensor image, out Dictionary<string, long[]> labels)
    {
        using var session = new InferenceSession(model);
        var data = image.contiguous().data<float>().ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, image.shape);
        using var run = new RunOptions();
        using var outputs = session.Run(run, new[] { SsnOnnxNames.Image }, new[] { input }, session.OutputNames);
        var floats = new Dictionary<string, float[]>();
        labels = new Dictionary<string, long[]>();
        for (int i = 0; i < outputs.Count; i++)
        {
            var name = session.OutputNames[i];
            if (outputs[i].GetTensorTypeAndShape().ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64) labels[name] = outputs[i].GetTensorDataAsSpan<long>().ToArray();
            else floats[name] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
        }
        return floats;
    }

    private static void AssertClose(Tensor expected, float[] actual, string what)
    {
        var e = expected.contiguous().data<float>().ToArray();
        Assert.HasCount(e.Length, actual, what);
        double worst = 0;
        for (int i = 0; i < e.Length; i++) worst = Math.Max(worst, Math.Abs(e[i] - actual[i]));
        Assert.IsLessThanOrEqualTo(Tolerance, worst, $"{what}: max |TorchSharp − ONNX Runtime| = {worst:E2}");
    }

    [TestMethod]
    [DataRow(16, 0.5f)]
    [DataRow(17, 0.5f)]
    [DataRow(18, 0.5f)]
    [DataRow(19, 0.5f)]
    [DataRow(20, 0.5f)]
    [DataRow(17, 3f)] // PReLU slopes above 1: the exporter's other PReLU form
    public void OnnxRuntimeMatchesTorchSharp(int opset, float slopeScale)
    {
        using var scope = NewDisposeScope();
        using var trained = TestNetworks.Tiny(slopeScale: slopeScale);
        using var network = trained.ToInferenceModel();
        var model = SsnOnnxExporter.Export(trained, new SsnOnnxExportOptions { Opset = opset });
        // One exported model (symbolic H and W) at two input sizes.
        foreach (var (h, w) in new[] { (48, 64), (40, 96) })
            CompareAt(network, model, TestNetworks.Image(h, w));
    }

    private static void CompareAt(SegmentationModel network, byte[] model, Tensor image)
    {
        var onnx = RunOnnx(model, image, out var longs);

        using var _ = inference_mode();
        using var output = network.ForwardHeads(image);
        AssertClose(output.Logits, onnx[SsnOnnxNames.Logits], "logits");
        AssertClose(output.Guidance, onnx[SsnOnnxNames.Guidance], "guidance");
        AssertClose(output.InstanceGuidance!, onnx[SsnOnnxNames.InstanceGuidance], "instance guidance");
        AssertClose(output.Centres!, onnx[SsnOnnxNames.Centres], $"centres after t = {network.Options.SamplingSteps} steps");

        var logits = network.Decode(output, GridSampleMode.Bilinear).Logits;
        var (confidence, labels) = softmax(logits, 1).max(1);
        AssertClose(confidence, onnx[SsnOnnxNames.Confidence], "confidence");
        // Labels may differ only where the two best upsampled logits are within the tolerance of each other.
        var top2 = logits.topk(2, 1).values;
        var margin = (top2[.., 0] - top2[.., 1]).contiguous().data<float>().ToArray();
        var expected = labels.contiguous().data<long>().ToArray();
        var actual = longs[SsnOnnxNames.Labels];
        int differing = 0;
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i])
            {
                differing++;
                Assert.IsLessThan(Tolerance, margin[i], $"pixel {i}: label {expected[i]} vs {actual[i]} with a margin of {margin[i]:E2}");
            }
        Assert.IsLessThan(expected.Length / 1000 + 1, differing, $"{differing} labels differ");

        var centres = network.Decode(output, GridSampleMode.Nearest).Centres!;
        AssertClose(centres, onnx[SsnOnnxNames.FullCentres], "full-resolution centres (nearest)");
    }

    [TestMethod]
    [DataRow(37, 61)]
    [DataRow(64, 128)]
    public void ThePredictorsAgreeOnImagesOfAnySize(int height, int width)
    {
        // The ONNX graph takes multiples of 8 only; SsnOnnxPredictor pads like SegmentationModel.forward does.
        using var network = TestNetworks.Tiny(numClasses: 19);
        using var torch = new Ssn.MLNet.Trainers.Inference.SegmentationPredictor(network);
        using var onnx = SsnOnnxExporter.ToOnnxPredictor(network);
        using var image = TestNetworks.Image(height, width);
        var expected = torch.Predict(image)[0];
        var actual = onnx.Predict(image.contiguous().data<float>().ToArray(), 1, height, width)[0];
        Assert.AreEqual((width, height), (actual.Width, actual.Height));
        Assert.HasCount(width * height, actual.Labels);
        double agreement = expected.Labels.Zip(actual.Labels).Count(p => p.First == p.Second) / (double)expected.Labels.Length;
        Assert.IsGreaterThanOrEqualTo(0.999, agreement, $"{height}×{width}: class maps agree on {agreement:P2} of the pixels");
        for (int i = 0; i < expected.Confidence.Length; i++)
            Assert.AreEqual(expected.Confidence[i], actual.Confidence[i], 1e-4f, $"confidence at pixel {i}");
    }
}
