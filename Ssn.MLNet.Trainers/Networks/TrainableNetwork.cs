using System.Text.Json;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Trainers.Inference;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Networks;

/// <summary>
/// What <see cref="SpatialSamplingTrainer"/> trains: a <see cref="SegmentationModel"/> — the Spatial Sampling Network
/// (semantic + instance, paper §5) or a semantic-only network of the paper's Table 1 — with its loss. The training loop,
/// checkpoints and validation see only this.
/// </summary>
internal sealed class TrainableNetwork : IDisposable
{
    public TrainableNetwork(SegmentationModel model) => Model = model;

    /// <summary>Builds the network of <see cref="SpatialSamplingTrainerOptions.Network"/> with <paramref name="numClasses"/> classes.</summary>
    public static TrainableNetwork Create(SpatialSamplingTrainerOptions options, int numClasses) =>
        new(SegmentationModels.Create(options.Network with { NumClasses = numClasses }));

    /// <summary>The network (parameters, train/eval, device).</summary>
    public SegmentationModel Model { get; }

    /// <summary>A short description for the log, e.g. "Spatial Sampling Network" or "Erfnet encoder + Original decoder (semantic only)".</summary>
    public string Description => Model.HasInstanceHead ? "Spatial Sampling Network"
        : $"{Model.Options.Architecture} encoder + {Model.Options.Decoder} decoder (semantic only)";

    /// <summary>The architecture's options as text: checkpoints resume only into an identical configuration.</summary>
    public string Configuration => JsonSerializer.Serialize(Model.Options);

    /// <summary>
    /// Forward pass and loss of one mini-batch: cross-entropy on the decoded logits plus, when instance targets are
    /// given, the instance loss on the iGUM-upsampled centres (paper Eq. 2). Upsampling and loss run in fp32.
    /// </summary>
    /// <remarks>With <paramref name="clock"/>, the stride-8 forward, the iGUM upsampling and the loss are timed apart
    /// (<see cref="SegmentationModel.forward(Tensor)"/>'s own two calls, made here one after the other).</remarks>
    public SsnLossParts Loss(SsnLoss loss, Tensor images, Tensor labels, Tensor? targets, Tensor? mask, TrainingPhaseClock? clock = null)
    {
        // Semantic-only data (no instance targets): the instance module's t sampling steps would be computed for nothing.
        bool instances = Model.ComputeInstances;
        Model.ComputeInstances = instances && targets is not null;
        SegmentationOutput output;
        try
        {
            if (Model.GuidedDecoder is null)
            {
                output = Model.forward(images);
                clock?.Lap(TrainingPhase.Forward);
            }
            else
            {
                using var heads = Model.ForwardHeads(images);
                clock?.Lap(TrainingPhase.Forward);
                output = Model.Decode(heads, Model.CentreMode);
                clock?.Lap(TrainingPhase.Upsample);
            }
        }
        finally { Model.ComputeInstances = instances; }
        using var decoded = output;
        long stride = SsnNetworkOptions.OutputStride;
        var parts = loss.Compute(output.Logits, labels, output.Centres, targets, mask,
            SsnNetworkOptions.PaddedSize(images.shape[2]) / stride, SsnNetworkOptions.PaddedSize(images.shape[3]) / stride);
        clock?.Lap(TrainingPhase.Loss);
        return parts;
    }

    /// <summary>Writes architecture and weights: the safetensors bytes (options in the header), length first.</summary>
    public void Save(Stream stream)
    {
        byte[] file = NetworkWeights.ToSafetensors(Model);
        stream.Write(BitConverter.GetBytes((long)file.Length));
        stream.Write(file);
    }

    /// <summary>Reads a network written by <see cref="Save"/> (<paramref name="name"/> for messages).</summary>
    /// <exception cref="InvalidDataException">The stream ends early or holds no network.</exception>
    public static TrainableNetwork Load(Stream stream, string name)
    {
        Span<byte> length = stackalloc byte[8];
        stream.ReadExactly(length);
        long count = BitConverter.ToInt64(length);
        if (count < 8 || count > stream.Length - stream.Position) throw new InvalidDataException($"'{name}' holds no whole network ({count} bytes claimed).");
        var file = new byte[count];
        stream.ReadExactly(file);
        return new(NetworkWeights.CreateModel(file, name));
    }

    /// <summary>A predictor for validation (class maps only), from the current weights.</summary>
    public SegmentationPredictor CreateValidationPredictor()
    {
        bool instances = Model.ComputeInstances;
        Model.ComputeInstances = false; // the folded copy inherits it: validation needs class maps only
        try { return new SegmentationPredictor(Model); }
        finally { Model.ComputeInstances = instances; }
    }

    /// <summary>Wraps the trained network in the ML.NET transformer (which takes ownership).</summary>
    public SpatialSamplingTransformer ToTransformer(IHostEnvironment env, IReadOnlyList<string> classNames,
        ImageNormalization normalization, SpatialSamplingTransformerOptions options) =>
        new(env, Model, classNames, normalization, options);

    /// <summary>A copy of the current weights on the same device.</summary>
    public TrainableNetwork Copy()
    {
        using var buffer = new MemoryStream();
        Save(buffer);
        buffer.Position = 0;
        var copy = Load(buffer, "copy");
        copy.Model.to(Model.parameters().First().device);
        return copy;
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
