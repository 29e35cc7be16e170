using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Ssn.MLNet.MLNetInterop;

/// <summary>
/// Saves Ssn.MLNet transformers into ML.NET model files so that a plain <c>MLContext.Model.Load</c> reads them
/// back, in a fresh <see cref="MLContext"/> or process, with no registration call.
/// </summary>
/// <remarks>
/// <para>Each saved transformer is one ML.NET sub-model: a header naming Ssn.MLNet's loader, then this format —
/// a marker, the format version, the saving assembly's name, the transformer's <see cref="ISsnModelLoadable.LoaderSignature"/>
/// and <see cref="ISsnModelLoadable.ModelVersion"/>, the names, lengths and SHA-256 of its binary streams, and its
/// body with its SHA-256. Binary streams (e.g. TorchSharp weights) are separate zip entries next to the body,
/// as ML.NET's own TorchSharp transformers store theirs.</para>
/// <para>Usage, in a transformer that implements <see cref="ISsnModelLoadable"/>:
/// <code>
/// void ICanSaveModel.Save(ModelSaveContext ctx) =&gt; SsnModelFormat.Save&lt;MyTransformer&gt;(ctx,
///     body =&gt; { body.Write(_options.Threshold); },
///     new Dictionary&lt;string, Action&lt;Stream&gt;&gt; { ["Weights.bin"] = s =&gt; s.Write(_weights) });
/// </code></para>
/// </remarks>
public static class SsnModelFormat
{
    /// <summary>The version of this container format; readers reject higher versions.</summary>
    public const uint FormatVersion = 1;

    private const uint Marker = 0x584E5353; // "SSNX" little-endian
    private const int MaxStreams = 4096;
    private static readonly Regex StreamName = new("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant);
    private static readonly ConcurrentDictionary<Assembly, IReadOnlyDictionary<string, LoaderInvoker>> LoadersByAssembly = new();

    /// <summary>Writes <typeparamref name="TTransformer"/>'s body and binary streams into an ML.NET model being saved.</summary>
    /// <typeparam name="TTransformer">The transformer being saved; its static members give the signature and version.</typeparam>
    /// <param name="ctx">The context ML.NET passes to <see cref="ICanSaveModel.Save"/>.</param>
    /// <param name="writeBody">Writes options and small state; read back from <see cref="SsnModelLoadContext.Body"/>.</param>
    /// <param name="binaryStreams">Named writers of large state (weights), one zip entry each; names match
    /// <c>[A-Za-z0-9][A-Za-z0-9._-]*</c> (at most 100 characters) and are read back with <see cref="SsnModelLoadContext.OpenBinaryStream"/>.</param>
    /// <exception cref="ArgumentException">A stream name is invalid or the signature is empty.</exception>
    public static void Save<TTransformer>(ModelSaveContext ctx, Action<BinaryWriter> writeBody,
        IReadOnlyDictionary<string, Action<Stream>>? binaryStreams = null)
        where TTransformer : class, ITransformer, ISsnModelLoadable
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(writeBody);
        string signature = TTransformer.LoaderSignature;
        if (string.IsNullOrWhiteSpace(signature))
            throw new ArgumentException($"{typeof(TTransformer).FullName}.LoaderSignature must not be empty.", nameof(TTransformer));
        binaryStreams ??= new Dictionary<string, Action<Stream>>();
        foreach (string name in binaryStreams.Keys)
            if (!StreamName.IsMatch(name) || string.Equals(name, "Model.key", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"Binary stream name '{name}' of {typeof(TTransformer).Name} is invalid: use " +
                    "[A-Za-z0-9][A-Za-z0-9._-]* (at most 100 characters), not 'Model.key'.", nameof(binaryStreams));

        byte[] body = Capture(s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); writeBody(w); });
        var streams = binaryStreams.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, Bytes: Capture(kv.Value))).ToArray();

        var writer = MLNetInternals.BeginSave(ctx);
        foreach (var (name, bytes) in streams)
            MLNetInternals.SaveBinaryStream(ctx, name, w => w.Write(bytes));

        writer.Write(Marker);
        writer.Write(FormatVersion);
        writer.Write(typeof(TTransformer).Assembly.GetName().Name!);
        writer.Write(signature);
        writer.Write(TTransformer.ModelVersion);
        writer.Write(streams.Length);
        foreach (var (name, bytes) in streams)
        {
            writer.Write(name);
            writer.Write(bytes.LongLength);
            writer.Write(SHA256.HashData(bytes));
        }
        writer.Write(body.Length);
        writer.Write(SHA256.HashData(body));
        writer.Write(body);
    }

    /// <summary>Reads what <see cref="Save{TTransformer}"/> wrote and calls the matching <see cref="ISsnModelLoadable.Load"/>.</summary>
    internal static ITransformer LoadBody(IHostEnvironment env, BinaryReader reader, string entry,
        Func<string, Action<BinaryReader>, bool> tryLoadStream)
    {
        string assemblyName, signature;
        uint version;
        byte[] body;
        var streams = new Dictionary<string, StreamRecord>(StringComparer.Ordinal);
        try
        {
            if (reader.ReadUInt32() != Marker)
                throw Corrupt(entry, "it does not start with the Ssn.MLNet format marker");
            uint format = reader.ReadUInt32();
            if (format != FormatVersion)
                throw new InvalidDataException($"Model entry '{entry}' uses Ssn.MLNet model format {format}; this Ssn.MLNet " +
                    $"({typeof(SsnModelFormat).Assembly.GetName().Version}) reads format {FormatVersion} only. Load it with the Ssn.MLNet that saved it.");
            assemblyName = reader.ReadString();
            signature = reader.ReadString();
            version = reader.ReadUInt32();
            int count = reader.ReadInt32();
            if (count < 0 || count > MaxStreams)
                throw Corrupt(entry, $"it claims {count} binary streams");
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                long length = reader.ReadInt64();
                byte[] sha = ReadExactly(reader, 32, entry);
                if (!StreamName.IsMatch(name) || length < 0 || !streams.TryAdd(name, new StreamRecord(length, sha)))
                    throw Corrupt(entry, $"its binary stream record {i} ('{name}', {length} bytes) is invalid");
            }
            int bodyLength = reader.ReadInt32();
            if (bodyLength < 0)
                throw Corrupt(entry, $"its body length is {bodyLength}");
            byte[] bodySha = ReadExactly(reader, 32, entry);
            body = ReadExactly(reader, bodyLength, entry);
            if (!SHA256.HashData(body).AsSpan().SequenceEqual(bodySha))
                throw Corrupt(entry, "its body does not match the SHA-256 recorded at save time");
        }
        catch (EndOfStreamException ex)
        {
            throw Corrupt(entry, "it ends too early", ex);
        }

        var loader = FindLoader(entry, assemblyName, signature);
        if (version > loader.ModelVersion || version < loader.OldestReadableModelVersion)
            throw new InvalidDataException(
                $"Model entry '{entry}' holds a '{signature}' saved with version {version}; {loader.TypeName} reads versions " +
                $"{loader.OldestReadableModelVersion} to {loader.ModelVersion}." +
                (version > loader.ModelVersion ? " It was saved by a newer version of " + assemblyName + "." : ""));
        var context = new SsnModelLoadContext(entry, version, body, streams, tryLoadStream);
        return loader.Load(env, context)
            ?? throw new InvalidOperationException($"{loader.TypeName}.Load returned null for model entry '{entry}'.");
    }

    private static LoaderInvoker FindLoader(string entry, string assemblyName, string signature)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or ArgumentException)
        {
            throw new InvalidOperationException($"Model entry '{entry}' was saved by assembly '{assemblyName}' " +
                $"(loader '{signature}'), which this application cannot load: {ex.Message}", ex);
        }
        var loaders = LoadersByAssembly.GetOrAdd(assembly, ScanLoaders);
        return loaders.TryGetValue(signature, out var loader) ? loader
            : throw new InvalidOperationException($"Model entry '{entry}' needs loader '{signature}', but assembly " +
                $"'{assemblyName}' has no type implementing {nameof(ISsnModelLoadable)} with that LoaderSignature; " +
                $"it has: [{string.Join(", ", loaders.Keys)}].");
    }

    private static IReadOnlyDictionary<string, LoaderInvoker> ScanLoaders(Assembly assembly)
    {
        Type?[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            types = ex.Types;
        }
        var loaders = new Dictionary<string, LoaderInvoker>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (type is null || type.IsAbstract || type.IsInterface || type.ContainsGenericParameters ||
                !typeof(ISsnModelLoadable).IsAssignableFrom(type))
                continue;
            var invoker = (LoaderInvoker)Activator.CreateInstance(typeof(LoaderInvoker<>).MakeGenericType(type))!;
            if (!loaders.TryAdd(invoker.Signature, invoker))
                throw new InvalidOperationException($"Assembly '{assembly.GetName().Name}' has two {nameof(ISsnModelLoadable)} " +
                    $"types with LoaderSignature '{invoker.Signature}': {loaders[invoker.Signature].TypeName} and {invoker.TypeName}.");
        }
        return loaders;
    }

    private static byte[] Capture(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        return buffer.ToArray();
    }

    private static byte[] ReadExactly(BinaryReader reader, int count, string entry)
    {
        byte[] bytes = reader.ReadBytes(count);
        return bytes.Length == count ? bytes : throw Corrupt(entry, "it ends too early");
    }

    private static InvalidDataException Corrupt(string entry, string why, Exception? inner = null) =>
        new($"Model entry '{entry}' claims Ssn.MLNet's loader but is corrupt: {why}.", inner);

    /// <summary>Length and SHA-256 of a binary stream, recorded at save time.</summary>
    internal sealed record StreamRecord(long Length, byte[] Sha256);

    private abstract class LoaderInvoker
    {
        public abstract string TypeName { get; }
        public abstract string Signature { get; }
        public abstract uint ModelVersion { get; }
        public abstract uint OldestReadableModelVersion { get; }
        public abstract ITransformer Load(IHostEnvironment env, SsnModelLoadContext context);
    }

    private sealed class LoaderInvoker<T> : LoaderInvoker where T : ISsnModelLoadable
    {
        public override string TypeName => typeof(T).FullName!;
        public override string Signature => T.LoaderSignature;
        public override uint ModelVersion => T.ModelVersion;
        public override uint OldestReadableModelVersion => T.OldestReadableModelVersion;
        public override ITransformer Load(IHostEnvironment env, SsnModelLoadContext context) => T.Load(env, context);
    }
}
