using Ssn.MLNet.Catalog;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling.Import;

/// <summary>What a foreign checkpoint needs besides its tensors to become a model (see <see cref="PyTorchImport.ImportPyTorch"/>).</summary>
public sealed record PyTorchImportOptions
{
    /// <summary>The architecture and its options (default: the Spatial Sampling Network); the class count comes from <see cref="ClassNames"/> and <see cref="VoidOutputs"/>.</summary>
    public SsnNetworkOptions Network { get; init; } = new();

    /// <summary>Names of the classes, by output index.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Outputs after the classes that are no class (ESPNet's void output: 1); see <see cref="SpatialSamplingTransformerOptions.VoidOutputs"/>.</summary>
    public int VoidOutputs { get; init; }

    /// <summary>The input normalisation the network was trained with (its authors' channel order, mean and std); default ImageNet RGB.</summary>
    public ImageNormalization Normalization { get; init; } = ImageNormalization.ImageNet;
}

/// <summary>Foreign weights in: a PyTorch checkpoint of a known architecture → a <see cref="SpatialSamplingTransformer"/>.</summary>
public static class PyTorchImport
{
    /// <summary>
    /// Builds <paramref name="options"/>' network, loads <paramref name="weightsPath"/> into it through the architecture's
    /// <see cref="ReferenceNameMap"/> (strictly: every tensor on both sides, same shapes) and wraps it with its class names
    /// and normalisation as a transformer for the ML.NET pipeline. Reads <c>torch.save</c> files (zip or legacy format,
    /// <see cref="PyTorchCheckpoint"/>) and <c>.safetensors</c>.
    /// </summary>
    /// <param name="catalog"><c>mlContext.Segmentation()</c>.</param>
    /// <param name="weightsPath">A <c>.pth</c>/<c>.pt</c> (torch.save of a state_dict) or <c>.safetensors</c> file.</param>
    /// <param name="options">Architecture, classes and normalisation.</param>
    /// <exception cref="InvalidDataException">The file is unreadable or does not match the architecture (the message names the tensors).</exception>
    public static SpatialSamplingTransformer ImportPyTorch(this SegmentationCatalog catalog, string weightsPath, PyTorchImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClassNames is not { Count: > 0 }) throw new ArgumentException($"{nameof(PyTorchImportOptions.ClassNames)} is empty: name the network's classes.", nameof(options));
        if (options.VoidOutputs < 0) throw new ArgumentOutOfRangeException(nameof(options), options.VoidOutputs, $"{nameof(PyTorchImportOptions.VoidOutputs)} cannot be negative.");
        var network = options.Network with { NumClasses = options.ClassNames.Count + options.VoidOutputs };
        var model = SegmentationModels.Create(network);
        try
        {
            using var scope = NewDisposeScope();
            var tensors = Read(weightsPath);
            ReferenceWeights.Load(model, tensors, ReferenceNameMap.ForArchitecture(network.Architecture), weightsPath);
            model.eval();
            return new SpatialSamplingTransformer(catalog.Environment, model, options.ClassNames, options.Normalization,
                new SpatialSamplingTransformerOptions { VoidOutputs = options.VoidOutputs });
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fine-tuning's partial load: a <c>.safetensors</c> file by this project's names, or a <c>torch.save</c> checkpoint by
    /// the reference names of <paramref name="model"/>'s architecture (<see cref="ReferenceWeights.LoadMatching"/>).
    /// </summary>
    public static WeightLoadReport LoadMatching(SegmentationModel model, string weightsPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.Equals(Path.GetExtension(weightsPath), ".safetensors", StringComparison.OrdinalIgnoreCase))
            return NetworkWeights.LoadSafetensors(model, weightsPath);
        using var scope = NewDisposeScope();
        return ReferenceWeights.LoadMatching(model, PyTorchCheckpoint.Read(weightsPath), ReferenceNameMap.ForArchitecture(model.Options.Architecture));
    }

    /// <summary>The tensors of a checkpoint by name: safetensors by extension, else <c>torch.save</c> (zip or legacy).</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Read(string weightsPath) =>
        string.Equals(Path.GetExtension(weightsPath), ".safetensors", StringComparison.OrdinalIgnoreCase)
            ? NetworkWeights.ReadTensors(weightsPath)
            : PyTorchCheckpoint.Read(weightsPath);
}
