using Ssn.MLNet.Trainers.Modeling;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Tests.Baselines;

/// <summary>GUM (paper §3, Eq. 1) and iGUM (§3.1) as decoders: both are bilinear upsampling when their offsets are zero.</summary>
[TestClass]
public sealed class GuidedDecoderTests
{
    private const int Classes = 6;

    [TestMethod]
    [DataRow("Erfnet")]
    [DataRow("Enet")]
    [DataRow("Espnet")]
    [DataRow("Ssn")]
    public void ZeroOffsetsAreBilinearUpsamplingOfTheClassMap(string architectureName)
    {
        var architecture = Architecture.Parse(architectureName);
        using var scope = NewDisposeScope();
        foreach (var kind in new[] { DecoderKind.ImprovedGuidedUpsampling, DecoderKind.GuidedUpsampling })
        {
            using var model = SegmentationModels.Create(architecture, kind, Classes);
            model.eval();
            using var _ = no_grad();
            var encoded = model.Encoder.Encode(randn(2, 3, 40, 56));
            var classMap = ClassHead(model.Decoder).call(encoded.Features);
            var bilinear = interpolate(classMap, new long[] { 40, 56 }, mode: InterpolationMode.Bilinear, align_corners: false);
            // The guidance output starts at zero: the untrained decoder is exactly bilinear.
            var offsets = Offsets(model.Decoder, encoded);
            Assert.AreEqual(0f, offsets.abs().max().item<float>(), $"{kind}: offsets are not zero at construction");
            var decoded = model.Decoder.Decode(encoded, 40, 56);
            float diff = (decoded - bilinear).abs().max().item<float>();
            Assert.IsTrue(diff < 1e-5f, $"{kind}: zero offsets differ from bilinear by {diff}");
            // And the test can fail: a non-zero offset changes the result.
            GuidanceOutput(model.Decoder).bias!.fill_(0.3);
            float moved = (model.Decoder.Decode(encoded, 40, 56) - bilinear).abs().max().item<float>();
            Assert.IsTrue(moved > 1e-3f, $"{kind}: a non-zero offset left the output unchanged ({moved})");
        }
    }

    [TestMethod]
    public void OffsetTablesHaveTheirResolutions()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var encoded = new EncoderOutput(randn(1, 32, 5, 7));
        using var igum = new ImprovedGuidedUpsamplingDecoder(32, Classes);
        using var gum = new GuidedUpsamplingDecoder(32, Classes);
        // iGUM predicts 2 × N × M values, GUM 2 × fN × fM (paper §3.1).
        CollectionAssert.AreEqual(new long[] { 1, 2, 5, 7 }, igum.GuidanceOffsets(encoded).shape);
        CollectionAssert.AreEqual(new long[] { 1, 2, 40, 56 }, gum.GuidanceOffsets(encoded).shape);
    }

    /// <summary>
    /// A constant offset of one encoder pixel to the right (tanh(b)·scale = 0.5·2) shifts the output by the
    /// upsampling factor: column j reads what bilinear upsampling puts at column j + 8.
    /// </summary>
    [TestMethod]
    public void AConstantOffsetShiftsTheUpsampledMapByOneEncoderPixel()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var encoded = new EncoderOutput(randn(1, 32, 5, 7));
        var decoders = new SegmentationDecoder[] { new ImprovedGuidedUpsamplingDecoder(32, Classes, offsetScale: 2), new GuidedUpsamplingDecoder(32, Classes, offsetScale: 2) };
        foreach (var decoder in decoders)
        {
            decoder.eval();
            var bias = GuidanceOutput(decoder).bias!;
            bias.copy_(tensor(new[] { (float)Math.Atanh(0.5), 0f }));
            var bilinear = interpolate(ClassHead(decoder).call(encoded.Features), new long[] { 40, 56 }, mode: InterpolationMode.Bilinear, align_corners: false);
            var shifted = decoder.Decode(encoded, 40, 56);
            float diff = (shifted.narrow(3, 0, 56 - 8) - bilinear.narrow(3, 8, 56 - 8)).abs().max().item<float>();
            Assert.IsTrue(diff < 1e-5f, $"{decoder.GetName()}: shift by one encoder pixel is off by {diff}");
            decoder.Dispose();
        }
    }

    private static TorchSharp.Modules.Conv2d ClassHead(SegmentationDecoder d) => d switch
    {
        ImprovedGuidedUpsamplingDecoder i => i.ClassHead,
        GuidedUpsamplingDecoder g => g.ClassHead,
        _ => throw new AssertFailedException(d.GetName()),
    };

    private static TorchSharp.Modules.Conv2d GuidanceOutput(SegmentationDecoder d) => d switch
    {
        ImprovedGuidedUpsamplingDecoder i => i.GuidanceHead,
        GuidedUpsamplingDecoder g => g.GuidanceOutput,
        _ => throw new AssertFailedException(d.GetName()),
    };

    private static Tensor Offsets(SegmentationDecoder d, EncoderOutput e) => d switch
    {
        ImprovedGuidedUpsamplingDecoder i => i.GuidanceOffsets(e),
        GuidedUpsamplingDecoder g => g.GuidanceOffsets(e),
        _ => throw new AssertFailedException(d.GetName()),
    };
}
