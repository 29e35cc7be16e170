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
    /// <param name="path">The model file (a zip) to create or replace; its directory is created.</param>
    public static void Save(MLContext mlContext, ITransformer model, DataViewSchema? inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Imaging.AtomicFile.Write(path, stream => mlContext.Model.Save(model, inputSchema, stream));
    }

    /// <summary>Fails now, naming <paramref name="path"/>, if a model could not be saved there later (its directory is
    /// created and probed with a temporary file): call it before a long training run.</summary>
    /// <param name="path">The model file a later <see cref="Save"/> will write.</param>
    /// <exception cref="IOException">The model file's directory cannot be created or written.</exception>
    public static void RequireWritable(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"Model file '{path}' is a directory; give a file name such as '{Path.Combine(path, "model.zip")}'.");
        Imaging.AtomicFile.RequireWritableDirectory(Path.GetDirectoryName(full)!, $"Model file '{path}': its folder");
    }

    /// <summary>Loads the model file at <paramref name="path"/> as <c>Model.Load</c> does, with errors that name the file.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="path">The model file.</param>
    /// <param name="inputSchema">The input schema saved with the model, or null if none was saved.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a loadable ML.NET model, or is corrupt.</exception>
    public static ITransformer Load(MLContext mlContext, string path, out DataViewSchema? inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        RequireZip(path);
        try
        {
            return mlContext.Model.Load(path, out inputSchema);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var cause = Unwrap(ex);
            if (SavedBeforeTheCurrentLayout(path))
                throw new InvalidDataException($"Model file '{path}' was saved by Ssn.MLNet before its 0.1.0 layout (model loader in the " +
                    "former Ssn.MLNet.Onnx assembly, network in a binary format of its own); such files no longer load. To keep its " +
                    "weights: with Ssn.MLNet at commit 9f5e5f6 run `export --model <file> --out network.safetensors`, then with this " +
                    "version `import --weights network.safetensors --architecture <arch> --classes <names>` (or train again).", cause);
            throw new InvalidDataException($"Model file '{path}' could not be loaded: {cause.Message}", cause);
        }
    }

    /// <summary>Whether an entry of the zip holds an Ssn.MLNet model (<c>SSNXFORM</c>) whose ML.NET header names the loader
    /// assembly <c>Ssn.MLNet.Onnx</c> (UTF-16, as ML.NET writes it): a file saved before the 0.1.0 layout.</summary>
    private static bool SavedBeforeTheCurrentLayout(string path)
    {
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries.Where(e => e.Name == "Model.key" && e.Length < 1_000_000))
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var bytes = buffer.ToArray().AsSpan();
                if (bytes.IndexOf("SSNXFORM"u8) >= 0 && bytes.IndexOf(System.Text.Encoding.Unicode.GetBytes("Ssn.MLNet.Onnx")) >= 0) return true;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException) { }
        return false;
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
        var model = Load(mlContext, path, out inputSchema);
        var found = (model is TransformerChain<ITransformer> chain ? chain.AsEnumerable() : [model]).OfType<T>().ToArray();
        if (found.Length == 1) return found[0];
        (model as IDisposable)?.Dispose();
        throw new InvalidDataException($"Model file '{path}' holds {found.Length} {typeof(T).Name} transformers, expected exactly one " +
                                       $"(train's model.zip or export's model-onnx.zip; the model is a {model.GetType().Name}).");
    }

    /// <summary>
    /// The exception a model loader threw: <c>MLContext.Model.Load</c> calls loaders by reflection, so their
    /// exceptions reach a plain <c>Model.Load</c> caller wrapped in <see cref="TargetInvocationException"/>.
    /// </summary>
    /// <param name="exception">An exception from <c>Model.Load</c> (or anything else).</param>
    public static Exception Unwrap(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        while (exception is TargetInvocationException { InnerException: { } inner })
            exception = inner;
        return exception;
    }

    /// <summary>Fails with the file's name for a file that is not a whole zip archive, before ML.NET opens it (ML.NET's
    /// own message names no file, and it leaves an empty <c>ml_dotnet_*</c> temporary folder behind).</summary>
    private static void RequireZip(string path)
    {
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"Model file '{path}' is not a readable zip archive (an ML.NET model is a zip; the file may be truncated or of another kind): {ex.Message}", ex);
        }
    }
}
