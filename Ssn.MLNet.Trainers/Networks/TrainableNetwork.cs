using Microsoft.ML.Runtime;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Modeling.Baselines;
using Ssn.MLNet.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Networks;

/// <summary>
/// What <see cref="SpatialSamplingTrainer"/> trains: the Spatial Sampling Network (semantic + instance, paper §5) or
/// a semantic-only <see cref="SegmentationModel"/> of the paper's Table 1 (another encoder, or another decoder).
/// The training loop, checkpoints and validation see only this.
/// </summary>
internal abstract class TrainableNetwork : IDisposable
{
    /// <summary>Builds the network chosen by <see cref="SpatialSamplingTrainerOptions.Architecture"/> and <see cref="SpatialSamplingTrainerOptions.Decoder"/>.</summary>
    public static TrainableNetwork Create(SpatialSamplingTrainerOptions options, int numClasses)
    {
        var network = options.Network with { NumClasses = numClasses };
        if (IsSpatialSamplingNetwork(options))
            return new SsnTrainableNetwork(new SpatialSamplingNetwork(network));
        var details = options.Baseline with { SsnEncoder = network, GuidanceOffsetScale = network.GuidanceOffsetScale };
        return new BaselineTrainableNetwork(SegmentationModels.Create(options.Architecture, options.Decoder, numClasses, details));
    }

    /// <summary>Whether the options choose the Spatial Sampling Network itself (SSN encoder with iGUM), the one with an instance module.</summary>
    public static bool IsSpatialSamplingNetwork(SpatialSamplingTrainerOptions options) =>
        options.Architecture == Architecture.Ssn && options.Decoder is DecoderKind.ImprovedGuidedUpsampling or DecoderKind.Original;

    /// <summary>The TorchSharp module (parameters, train/eval, device).</summary>
    public abstract nn.Module Module { get; }

    /// <summary>A short description for the log, e.g. "Spatial Sampling Network" or "Erfnet encoder + Original decoder".</summary>
    public abstract string Description { get; }

    /// <summary>The architecture's options as text: checkpoints resume only into an identical configuration.</summary>
    public abstract string Configuration { get; }

    /// <summary>Forward pass and loss of one mini-batch; instance targets are null for semantic-only training.</summary>
    public abstract SsnLossParts Loss(SsnLoss loss, Tensor images, Tensor labels, Tensor? targets, Tensor? mask);

    /// <summary>Writes architecture and weights.</summary>
    public abstract void Save(Stream stream);

    /// <summary>Reads a network of the same kind written by <see cref="Save"/> (<paramref name="name"/> for messages).</summary>
    public abstract TrainableNetwork Load(Stream stream, string name);

    /// <summary>A predictor for validation (class maps only), from the current weights.</summary>
    public abstract ISegmentationPredictor CreateValidationPredictor();

    /// <summary>Wraps the trained network in the ML.NET transformer (which takes ownership).</summary>
    public abstract SpatialSamplingTransformer ToTransformer(IHostEnvironment env, IReadOnlyList<string> classNames,
        ImageNormalization normalization, SpatialSamplingTransformerOptions options);

    /// <summary>A copy of the current weights on the same device.</summary>
    public TrainableNetwork Copy()
    {
        using var buffer = new MemoryStream();
        Save(buffer);
        buffer.Position = 0;
        var copy = Load(buffer, "copy");
        copy.Module.to(Module.parameters().First().device);
        return copy;
    }

    /// <inheritdoc />
    public void Dispose() => Module.Dispose();
}
