using System.Text.Json;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Inference;
using Ssn.MLNet.Modeling;
using Ssn.MLNet.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Networks;

/// <summary>The Spatial Sampling Network: iGUM-upsampled cross-entropy plus the instance loss (paper Eq. 2).</summary>
internal sealed class SsnTrainableNetwork : TrainableNetwork
{
    private readonly SpatialSamplingNetwork network;

    public SsnTrainableNetwork(SpatialSamplingNetwork network) => this.network = network;

    public override nn.Module Module => network;

    public override string Description => "Spatial Sampling Network";

    public override string Configuration => JsonSerializer.Serialize(network.Options);

    public override SsnLossParts Loss(SsnLoss loss, Tensor images, Tensor labels, Tensor? targets, Tensor? mask)
    {
        // Semantic-only data (no instance targets): the instance module's t sampling steps would be computed for nothing.
        bool instances = network.ComputeInstances;
        network.ComputeInstances = instances && targets is not null;
        SsnOutput output;
        try { output = network.forward(images); }
        finally { network.ComputeInstances = instances; }
        using var computed = output;
        if (output.Logits.dtype != ScalarType.Float32) output = output.ToFloat32(); // upsampling and loss in fp32
        var grid = network.UpsamplingGrid(output);
        var logits = SpatialSamplingNetwork.UpsampleLogits(output, grid);
        var centres = targets is null ? null : SpatialSamplingNetwork.UpsampleCentres(output, grid, GridSampleMode.Bilinear);
        return loss.Compute(logits, labels, centres, targets, mask, output.Logits.shape[2], output.Logits.shape[3]);
    }

    public override void Save(Stream stream) => SsnNetworkSerializer.Save(network, stream);

    public override TrainableNetwork Load(Stream stream, string name) => new SsnTrainableNetwork(SsnNetworkSerializer.Load(stream, name: name));

    public override ISegmentationPredictor CreateValidationPredictor()
    {
        bool instances = network.ComputeInstances;
        network.ComputeInstances = false; // the folded copy inherits it: validation needs class maps only
        try { return new SsnPredictor(network); }
        finally { network.ComputeInstances = instances; }
    }

    public override SpatialSamplingTransformer ToTransformer(IHostEnvironment env, IReadOnlyList<string> classNames,
        ImageNormalization normalization, SpatialSamplingTransformerOptions options) =>
        new(env, network, classNames, normalization, options);
}
