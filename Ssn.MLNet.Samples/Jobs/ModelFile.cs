using Microsoft.ML;
using Ssn.MLNet.Samples.Cli;
using Ssn.MLNet.Transforms;

namespace Ssn.MLNet.Samples.Jobs;

/// <summary>Saves and loads the trained model with plain <c>mlContext.Model.Save/Load</c>.</summary>
internal static class ModelFile
{
    /// <summary>Saves through a temporary file and a rename, so an interrupted save leaves no half-written model.</summary>
    public static void Save(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            ml.Model.Save(model, inputSchema, tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Loads a model and returns its Spatial Sampling transformer (the last one of a chain).</summary>
    public static SpatialSamplingTransformer Load(MLContext ml, string path)
    {
        if (!File.Exists(path)) throw new CliException($"model file '{path}' does not exist.");
        var loaded = ml.Model.Load(path, out _);
        return loaded switch
        {
            SpatialSamplingTransformer t => t,
            IEnumerable<ITransformer> chain when chain.OfType<SpatialSamplingTransformer>().LastOrDefault() is { } t => t,
            _ => throw new CliException($"'{path}' holds a {loaded.GetType().Name}, not a Spatial Sampling model."),
        };
    }
}
