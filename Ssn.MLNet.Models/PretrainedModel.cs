using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Trainers.Modeling;
using Ssn.MLNet.Trainers.Transforms;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Models;

/// <summary>
/// One trained network of the zoo and everything needed to run and judge it, as torchvision's weight enums carry it:
/// architecture, classes, normalisation, input size, licence and source, the command that produced it, and its measured
/// quality. Stored as <c>Zoo/&lt;name&gt;.json</c> beside <c>Zoo/&lt;name&gt;.safetensors</c> (the network's
/// <c>state_dict</c> under this project's names), embedded in this assembly: nothing is downloaded.
/// </summary>
public sealed record PretrainedModel
{
    /// <summary>The zoo name (e.g. <c>camvid-ssn</c>): what <c>Pretrained(name)</c> and the command line's <c>--model</c> accept.</summary>
    public required string Name { get; init; }

    /// <summary>What it is, in a sentence.</summary>
    public required string Description { get; init; }

    /// <summary>The architecture and its options (class count included: classes plus void outputs).</summary>
    public required SsnNetworkOptions Network { get; init; }

    /// <summary>Class names by output index (the overlay palette follows them: <c>SegmentationPalette.For</c>).</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>The input normalisation it was trained with.</summary>
    public required ImageNormalization Normalization { get; init; }

    /// <summary>Transformer options (void outputs, instance extraction); default the transformer's defaults.</summary>
    public SpatialSamplingTransformerOptions Transformer { get; init; } = new();

    /// <summary>The image size it was trained and measured at (width × height); other sizes run, with other results.</summary>
    public required ImageSize InputSize { get; init; }

    /// <summary>Licence of the weights (the text ships in the package's <c>licenses/</c>).</summary>
    public required string License { get; init; }

    /// <summary>Where the weights come from.</summary>
    public required string Source { get; init; }

    /// <summary>The command(s) that produced the zoo file from the source, run from the repository root.</summary>
    public required string Command { get; init; }

    /// <summary>Measured quality, e.g. <c>camvid-val-mIoU</c>, by <c>evaluate</c> of this very file.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>The result files in the repository that hold the measurements (with their provenance).</summary>
    public IReadOnlyList<string> ResultFiles { get; init; } = [];

    /// <summary>The weights file's resource name.</summary>
    [JsonIgnore]
    public string WeightsResource => $"{Name}.safetensors";

    /// <summary>Builds the network, loads its weights (strictly) and wraps it as a transformer for the ML.NET pipeline.</summary>
    /// <param name="env">The ML.NET environment (an <c>MLContext</c>).</param>
    public SpatialSamplingTransformer Load(IHostEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var model = SegmentationModels.Create(Network);
        try
        {
            NetworkWeights.LoadSafetensors(model, PretrainedModels.Resource(WeightsResource), $"zoo:{WeightsResource}", strict: true);
            model.eval();
            return new SpatialSamplingTransformer(env, model, ClassNames, Normalization, Transformer);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The weights as a <c>.safetensors</c> file (this project's tensor names), for <c>train --init-weights</c> /
    /// <c>SpatialSamplingTrainerOptions.InitialWeights</c>: written once from the package into the cache folder
    /// (<c>ssn-mlnet/pretrained/</c>, see <see cref="Trainers.ClassBalance.CacheDirectoryVariable"/>), as torchvision keeps its weights in a hub cache.
    /// </summary>
    public string WeightsFile()
    {
        byte[] bytes = PretrainedModels.Resource(WeightsResource);
        string path = Path.Combine(Trainers.ClassBalance.CacheDirectory("pretrained"), WeightsResource);
        if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes)) Imaging.AtomicFile.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>How the zoo's JSON is read: camelCase names, enums as text.</summary>
    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() }, WriteIndented = true };
}

/// <summary>Width × height in pixels.</summary>
public sealed record ImageSize(int Width, int Height);
