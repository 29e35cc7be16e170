using System.Text.Json;
using Microsoft.ML;
using Ssn.MLNet.Catalog;
using Ssn.MLNet.OnnxRuntime;
using Ssn.MLNet.Trainers.MLNetInterop;
using Ssn.MLNet.Trainers.Transforms;

namespace Ssn.MLNet.Models;

/// <summary>The zoo: every <see cref="PretrainedModel"/> embedded in this assembly, by name.</summary>
public static class PretrainedModels
{
    private static readonly Lazy<IReadOnlyList<PretrainedModel>> all = new(() => typeof(PretrainedModels).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("Zoo/", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => JsonSerializer.Deserialize<PretrainedModel>(Resource(n[4..]), PretrainedModel.Json)
                     ?? throw new InvalidDataException($"Zoo entry {n} is empty."))
        .OrderBy(m => m.Name, StringComparer.Ordinal).ToList());

    /// <summary>Every model, by name.</summary>
    public static IReadOnlyList<PretrainedModel> All => all.Value;

    /// <summary>The model called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static PretrainedModel? Find(string name) => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The model called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such model; the message lists the zoo.</exception>
    public static PretrainedModel Get(string name) => Find(name)
        ?? throw new ArgumentException($"No pretrained model '{name}'; the zoo has {string.Join(", ", All.Select(m => m.Name))}.", nameof(name));

    /// <summary>The bytes of the embedded file <c>Zoo/<paramref name="file"/></c>.</summary>
    internal static byte[] Resource(string file)
    {
        using var stream = typeof(PretrainedModels).Assembly.GetManifestResourceStream($"Zoo/{file}")
                           ?? throw new FileNotFoundException($"Zoo file '{file}' is not embedded in {typeof(PretrainedModels).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// What the command line and the serving sample accept as a model: a model file, or else the name of a pretrained
    /// model (<c>--model camvid-ssn</c>), loaded to run on <paramref name="backend"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException"><paramref name="pathOrName"/> is neither a file nor a zoo name; the message lists the zoo.</exception>
    public static SegmentationModelForPrediction LoadForPrediction(MLContext mlContext, string pathOrName, InferenceBackend backend = InferenceBackend.Auto,
        OnnxExecutionProvider executionProvider = OnnxExecutionProvider.Cpu)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathOrName);
        if (File.Exists(pathOrName)) return SegmentationModelForPrediction.Load(mlContext, pathOrName, backend, executionProvider);
        var zoo = Find(pathOrName) ?? throw new FileNotFoundException(
            $"Model file '{pathOrName}' does not exist, and no pretrained model has that name (the zoo has {string.Join(", ", All.Select(m => m.Name))}).", pathOrName);
        var session = executionProvider == OnnxExecutionProvider.Cpu ? null : new SsnOnnxSessionOptions { ExecutionProvider = executionProvider };
        return SegmentationModelForPrediction.From(mlContext, zoo.Load(mlContext), $"zoo:{zoo.Name}", backend, session);
    }

    /// <summary>
    /// A pretrained model as a transformer for the ML.NET pipeline: <c>mlContext.Segmentation().Pretrained("camvid-ssn")</c>
    /// (see <see cref="All"/>). Nothing is downloaded; the weights are in this package.
    /// </summary>
    public static SpatialSamplingTransformer Pretrained(this SegmentationCatalog catalog, string name)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Get(name).Load(catalog.Environment);
    }
}
