using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Ssn.MLNet.MLNetInterop;

/// <summary>
/// File-level helpers around <c>MLContext.Model.Save/Load</c> for models holding Ssn.MLNet transformers: an atomic
/// save, and a load that returns one expected transformer or fails with a message naming the file.
/// A plain <c>mlContext.Model.Load(path, out var schema)</c> works just as well when no such checks are wanted.
/// </summary>
public static class SsnModelFile
{
    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> through a temporary file and a rename, so a
    /// failed save never leaves a half-written model file behind.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">The model to save.</param>
    /// <param name="inputSchema">The schema of the model's input, stored with it (may be null).</param>
    /// <param name="path">The model file (a zip) to create or replace.</param>
    public static void Save(MLContext mlContext, ITransformer model, DataViewSchema? inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            mlContext.Model.Save(model, inputSchema, temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>Loads the model file at <paramref name="path"/> and returns its single <typeparamref name="T"/>
    /// (the model itself or one element of its transformer chain).</summary>
    /// <typeparam name="T">The transformer type expected in the file.</typeparam>
    /// <param name="mlContext">The ML.NET context (a fresh one is fine: no registration is needed).</param>
    /// <param name="path">The model file.</param>
    /// <param name="inputSchema">The input schema saved with the model, or null if none was saved.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a loadable ML.NET model, is corrupt, or does not hold
    /// exactly one <typeparamref name="T"/>.</exception>
    public static T LoadTransformer<T>(MLContext mlContext, string path, out DataViewSchema? inputSchema)
        where T : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        ITransformer model;
        try
        {
            model = mlContext.Model.Load(path, out inputSchema);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var cause = ex;
            while (cause is TargetInvocationException { InnerException: { } inner })
                cause = inner;
            throw new InvalidDataException($"Model file '{path}' could not be loaded: {cause.Message}", cause);
        }
        var found = (model is TransformerChain<ITransformer> chain ? chain.AsEnumerable() : [model]).OfType<T>().ToArray();
        return found.Length == 1 ? found[0] : throw new InvalidDataException(
            $"Model file '{path}' holds {found.Length} {typeof(T).Name} transformers, expected exactly one " +
            $"(the model is a {model.GetType().Name}).");
    }
}
