using Ssn.MLNet.Inference;
using Ssn.MLNet.Instances;
using Ssn.MLNet.Trainers.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Trainers.Inference;

/// <summary>
/// Inference with a trained <see cref="SegmentationModel"/> on TorchSharp: an eval-mode copy with BatchNorm folded
/// (paper §6) predicts class maps and, for the Spatial Sampling Network, instances by thresholding (§4).
/// </summary>
/// <remarks>
/// For an iGUM-decoded network the stride-8 outputs are decoded by the fused C# kernel (<see cref="GuidedClassMap"/>:
/// iGUM of the class scores, bilinear, and of the centres, nearest; argmax; confidence), which gives the class map of
/// <see cref="SegmentationModel.Decode"/> without materialising the full-resolution logits. Other decoders go through
/// <see cref="SegmentationModel.forward(Tensor)"/>, softmax and argmax. Thread-safe: calls are serialised on the network.
/// </remarks>
public sealed class SegmentationPredictor : ISegmentationPredictor
{
    private readonly SegmentationModel model;
    private readonly object gate = new();

    /// <summary>Creates a predictor from a trained model (left unchanged: a folded copy is made).</summary>
    /// <param name="trained">The trained model.</param>
    /// <param name="extraction">Instance extraction options (default: the paper's threshold).</param>
    /// <param name="precision">Arithmetic of the encoder; <see cref="InferencePrecision.BFloat16"/> needs an iGUM decoder.</param>
    public SegmentationPredictor(SegmentationModel trained, InstanceExtractionOptions? extraction = null, InferencePrecision precision = InferencePrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(trained);
        Extraction = extraction ?? new InstanceExtractionOptions();
        Extraction.Validate();
        if (!Enum.IsDefined(precision)) throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown precision.");
        if (precision != InferencePrecision.Float32 && trained.GuidedDecoder is null)
            throw new ArgumentException($"{precision} inference runs the encoder alone in reduced precision, which needs an iGUM decoder; this network has {trained.Decoder.GetName()}.", nameof(precision));
        Precision = precision;
        model = trained.ToInferenceModel();
        if (model.GuidedDecoder is null) return;
        if (precision == InferencePrecision.BFloat16) model.Encoder.to(ScalarType.BFloat16);
        // Channels-last (NHWC) weights and inputs: oneDNN's fastest convolution layout on CPU (measured 1.2× in fp32,
        // and what makes bf16 pay off: 3× over fp32 NCHW on AVX512-BF16).
        ChannelsLast.ConvertWeights(model);
    }

    /// <summary>Arithmetic of the encoder.</summary>
    public InferencePrecision Precision { get; }

    /// <summary>The folded inference model.</summary>
    public SegmentationModel Model => model;

    /// <summary>Instance extraction options.</summary>
    public InstanceExtractionOptions Extraction { get; }

    /// <summary>Predicts a batch of normalised images <c>[B, InputChannels, H, W]</c> (any H, W, on any device).</summary>
    /// <param name="images">The images.</param>
    /// <param name="includeScores">Also return the per-class probability maps (C × H × W floats per image).</param>
    public IReadOnlyList<SsnPrediction> Predict(Tensor images, bool includeScores = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        return DenseMaps.ToPredictions(PredictMaps(images, includeScores), (int)images.shape[3], (int)images.shape[2], Extraction);
    }

    /// <inheritdoc />
    public IReadOnlyList<SsnPrediction> Predict(ReadOnlySpan<float> images, int batch, int height, int width, bool includeScores = false)
    {
        ImageBatch.Check(images, batch, height, width);
        using var tensor = torch.tensor(images.ToArray(), new long[] { batch, 3, height, width });
        return Predict(tensor, includeScores);
    }

    /// <summary>The dense maps per image at the images' size: labels, confidence, (when computed) centres, and scores if asked.</summary>
    internal DenseMaps[] PredictMaps(Tensor images, bool includeScores)
    {
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var device = model.parameters().First().device;
            var x = images.device == device ? images : images.to(device);
            return model.GuidedDecoder is { } igum ? FusedMaps(igum, ChannelsLast.Of(x), includeScores) : DecodedMaps(x, includeScores);
        }
    }

    /// <summary>The iGUM path: stride-8 outputs decoded by the fused C# kernel.</summary>
    private DenseMaps[] FusedMaps(ImprovedGuidedUpsamplingDecoder igum, Tensor x, bool includeScores)
    {
        using var output = Precision == InferencePrecision.Float32 ? model.ForwardHeads(x) : model.ForwardHeads(x, ScalarType.BFloat16);
        var logits = output.Logits.cpu().contiguous();
        var guidance = output.Guidance.cpu().contiguous();
        var centres = output.Centres?.cpu().contiguous();
        int b = (int)x.shape[0], c = (int)logits.shape[1], lh = (int)logits.shape[2], lw = (int)logits.shape[3];
        var logitData = logits.data<float>().ToArray();
        var guidanceData = guidance.data<float>().ToArray();
        var centreData = centres?.data<float>().ToArray();
        int plane = lh * lw;
        var result = new DenseMaps[b];
        for (int i = 0; i < b; i++)
            result[i] = GuidedClassMap.Compute(
                logitData.AsSpan(i * c * plane, c * plane), guidanceData.AsSpan(i * 2 * plane, 2 * plane),
                centreData is null ? default : centreData.AsSpan(i * 2 * plane, 2 * plane),
                c, lh, lw, (int)output.PaddedHeight, (int)output.PaddedWidth, (int)output.Height, (int)output.Width,
                igum.Upsampler.OffsetScale, includeScores);
        return result;
    }

    /// <summary>Any other decoder: full-resolution logits, softmax, argmax and its probability (no instances).</summary>
    private DenseMaps[] DecodedMaps(Tensor x, bool includeScores)
    {
        using var output = model.forward(x);
        var probabilities = softmax(output.Logits, 1).cpu();
        var (confidence, labels) = probabilities.max(1);
        int b = (int)x.shape[0], c = (int)probabilities.shape[1], n = (int)(x.shape[2] * x.shape[3]);
        var labelData = labels.to(ScalarType.Byte).contiguous().data<byte>().ToArray();
        var confidenceData = confidence.contiguous().data<float>().ToArray();
        var scoreData = includeScores ? probabilities.contiguous().data<float>().ToArray() : null;
        var result = new DenseMaps[b];
        for (int i = 0; i < b; i++)
            result[i] = new DenseMaps(labelData.AsSpan(i * n, n).ToArray(), confidenceData.AsSpan(i * n, n).ToArray(), null, null,
                scoreData?.AsSpan(i * c * n, c * n).ToArray());
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
