using Ssn.MLNet.Instances;
using Ssn.MLNet.Modeling.Baselines;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Ssn.MLNet.Inference;

/// <summary>
/// Inference with a trained <see cref="SegmentationModel"/> (an encoder of Table 1 with any decoder): softmax of the
/// full-resolution logits, argmax and its probability. Semantic only: every prediction has an empty instance list
/// and an all-zero instance map. BatchNorm is not folded (the baselines' modules have no folding). Thread-safe:
/// calls are serialised on the model.
/// </summary>
public sealed class SegmentationModelPredictor : ISegmentationPredictor
{
    private readonly SegmentationModel model;
    private readonly object gate = new();

    /// <summary>Creates a predictor from a trained model (left unchanged: an eval-mode copy does the predicting).</summary>
    public SegmentationModelPredictor(SegmentationModel trained)
    {
        ArgumentNullException.ThrowIfNull(trained);
        model = SegmentationModels.Create(trained.Architecture, trained.DecoderKind, (int)trained.NumClasses, trained.Options);
        model.load_state_dict(trained.state_dict());
        model.to(trained.parameters().First().device);
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
    }

    /// <summary>The eval-mode copy that predicts.</summary>
    public SegmentationModel Model => model;

    /// <inheritdoc />
    public IReadOnlyList<SsnPrediction> Predict(Tensor images, bool includeScores = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var device = model.parameters().First().device;
            var probabilities = softmax(model.call(images.device == device ? images : images.to(device)), 1).cpu();
            var (confidence, labels) = probabilities.max(1);
            int b = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3], n = h * w;
            var labelData = labels.to(ScalarType.Byte).contiguous().data<byte>().ToArray();
            var confidenceData = confidence.contiguous().data<float>().ToArray();
            var scoreData = includeScores ? probabilities.contiguous().data<float>().ToArray() : null;
            int c = (int)probabilities.shape[1];
            var results = new SsnPrediction[b];
            for (int i = 0; i < b; i++)
                results[i] = new SsnPrediction(w, h, labelData.AsSpan(i * n, n).ToArray(), confidenceData.AsSpan(i * n, n).ToArray(),
                    new InstanceExtractionResult(new int[n], Array.Empty<SegmentedInstance>()),
                    scoreData?.AsSpan(i * c * n, c * n).ToArray());
            return results;
        }
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
