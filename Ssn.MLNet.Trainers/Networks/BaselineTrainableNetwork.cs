using System.Text.Json;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Modeling.Baselines;
using Ssn.MLNet.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Networks;

/// <summary>A semantic-only <see cref="SegmentationModel"/> (paper Table 1): cross-entropy on its full-resolution logits.</summary>
internal sealed class BaselineTrainableNetwork : TrainableNetwork
{
    private readonly SegmentationModel model;

    public BaselineTrainableNetwork(SegmentationModel model) => this.model = model;

    public override nn.Module Module => model;

    public override string Description => $"{model.Architecture} encoder + {model.DecoderKind} decoder (semantic only)";

    public override string Configuration => JsonSerializer.Serialize(new { model.Architecture, model.DecoderKind, model.NumClasses, model.Options });

    public override SsnLossParts Loss(SsnLoss loss, Tensor images, Tensor labels, Tensor? targets, Tensor? mask)
    {
        using var logits = model.call(images);
        using var logits32 = logits.to(ScalarType.Float32); // loss in fp32 also for a bfloat16 network
        return loss.Compute(logits32, labels, null, null, null, 0, 0);
    }

    public override void Save(Stream stream) => SegmentationModelSerializer.Save(model, stream);

    public override TrainableNetwork Load(Stream stream, string name) => new BaselineTrainableNetwork(SegmentationModelSerializer.Load(stream, name: name));

    public override ISegmentationPredictor CreateValidationPredictor() => new SegmentationModelPredictor(model);

    public override SpatialSamplingTransformer ToTransformer(IHostEnvironment env, IReadOnlyList<string> classNames,
        ImageNormalization normalization, SpatialSamplingTransformerOptions options) =>
        new(env, model, classNames, normalization, options);
}
