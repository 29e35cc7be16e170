using Ssn.MLNet.Instances;
using Ssn.MLNet.Modeling;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Inference;

/// <summary>
/// Inference with a trained network: BatchNorm folded (paper §6), iGUM upsampling of the class scores
/// (bilinear) and of the instance centres (nearest, paper §4 "Two practical tips"), argmax, and instance
/// extraction by thresholding. Thread-safe: calls are serialised on the network.
/// </summary>
public sealed class SsnPredictor : IDisposable
{
    private readonly SpatialSamplingNetwork network;
    private readonly object gate = new();

    /// <summary>Creates a predictor from a trained network (left unchanged: a folded copy is made).</summary>
    public SsnPredictor(SpatialSamplingNetwork trained, InstanceExtractionOptions? extraction = null)
    {
        network = trained.ToInferenceNetwork();
        Extraction = extraction ?? new InstanceExtractionOptions();
        Extraction.Validate();
    }

    /// <summary>The folded inference network.</summary>
    public SpatialSamplingNetwork Network => network;

    /// <summary>Instance extraction options.</summary>
    public InstanceExtractionOptions Extraction { get; }

    /// <summary>Predicts a batch of normalised images <c>[B, 3, H, W]</c> (any H, W).</summary>
    /// <param name="images">The images, on any device.</param>
    /// <param name="includeScores">Also return the per-class probability maps (C × H × W floats per image).</param>
    public IReadOnlyList<SsnPrediction> Predict(Tensor images, bool includeScores = false)
    {
        var maps = PredictMaps(images, includeScores);
        var results = new SsnPrediction[maps.Length];
        Parallel.For(0, maps.Length, i =>
        {
            var (labels, confidence, cx, cy, w, h, scores) = maps[i];
            var instances = cx is null
                ? new InstanceExtractionResult(new int[w * h], Array.Empty<SegmentedInstance>())
                : InstanceExtractor.Extract(cx, cy, labels, confidence, w, h, Extraction);
            results[i] = new SsnPrediction(w, h, labels, confidence, instances, scores);
        });
        return results;
    }

    /// <summary>The dense maps per image: labels, confidence, (when computed) centres x and y, and scores if asked.</summary>
    internal (byte[] Labels, float[] Confidence, float[]? Cx, float[]? Cy, int W, int H, float[]? Scores)[] PredictMaps(Tensor images, bool includeScores)
    {
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var x = images.device == network.parameters().First().device ? images : images.to(network.parameters().First().device);
            using var output = network.forward(x);
            var grid = network.UpsamplingGrid(output);
            var logits = SpatialSamplingNetwork.UpsampleLogits(output, grid);
            var probabilities = softmax(logits, 1);
            var (confidence, labels) = probabilities.max(1);
            var scores = includeScores ? probabilities.cpu().data<float>().ToArray() : null;
            int c = (int)logits.shape[1];
            var centres = output.Centres is null ? null : SpatialSamplingNetwork.UpsampleCentres(output, grid, GridSampleMode.Nearest).cpu();
            int b = (int)images.shape[0], h = (int)output.Height, w = (int)output.Width, n = h * w;
            var labelBytes = labels.to(ScalarType.Byte).cpu().data<byte>().ToArray();
            var conf = confidence.cpu().data<float>().ToArray();
            var cxy = centres?.data<float>().ToArray();
            var result = new (byte[], float[], float[]?, float[]?, int, int, float[]?)[b];
            for (int i = 0; i < b; i++)
                result[i] = (labelBytes.AsSpan(i * n, n).ToArray(), conf.AsSpan(i * n, n).ToArray(),
                    cxy?.AsSpan(2 * i * n, n).ToArray(), cxy?.AsSpan(2 * i * n + n, n).ToArray(), w, h,
                    scores?.AsSpan(i * c * n, c * n).ToArray());
            return result;
        }
    }

    /// <inheritdoc />
    public void Dispose() => network.Dispose();
}
