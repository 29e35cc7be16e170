using System.Security.Cryptography;

namespace Ssn.MLNet.MLNetInterop;

/// <summary>
/// What <see cref="ISsnModelLoadable.Load"/> receives: the body written by <see cref="SsnModelFormat.Save{TTransformer}"/>,
/// the version it was written with, and its binary streams (checked against their recorded length and SHA-256).
/// Valid only during the <see cref="ISsnModelLoadable.Load"/> call.
/// </summary>
public sealed class SsnModelLoadContext
{
    private readonly Func<string, Action<BinaryReader>, bool> tryLoadStream;
    private readonly IReadOnlyDictionary<string, SsnModelFormat.StreamRecord> streams;

    internal SsnModelLoadContext(string entry, uint version, byte[] body,
        IReadOnlyDictionary<string, SsnModelFormat.StreamRecord> streams, Func<string, Action<BinaryReader>, bool> tryLoadStream)
    {
        Entry = entry;
        Version = version;
        Body = new BinaryReader(new MemoryStream(body, writable: false));
        this.streams = streams;
        this.tryLoadStream = tryLoadStream;
    }

    /// <summary>Where the model sits inside the model file (e.g. "TransformerChain/Transform_001"), for error messages.</summary>
    public string Entry { get; }

    /// <summary>The <see cref="ISsnModelLoadable.ModelVersion"/> the model was saved with.</summary>
    public uint Version { get; }

    /// <summary>Reader over the body written by the <c>writeBody</c> action at save time.</summary>
    public BinaryReader Body { get; }

    /// <summary>Names of the binary streams saved with the model.</summary>
    public IReadOnlyCollection<string> StreamNames => this.streams.Keys.ToArray();

    /// <summary>Reads a saved binary stream fully into memory, after checking its length and SHA-256.</summary>
    /// <param name="name">A name given to <see cref="SsnModelFormat.Save{TTransformer}"/> in <c>binaryStreams</c>.</param>
    /// <exception cref="KeyNotFoundException">No stream of that name was saved.</exception>
    /// <exception cref="InvalidDataException">The stream entry is missing from the file or its content was altered.</exception>
    public Stream OpenBinaryStream(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!this.streams.TryGetValue(name, out var record))
            throw new KeyNotFoundException(
                $"Model entry '{Entry}' has no binary stream '{name}'; it has: [{string.Join(", ", this.streams.Keys)}].");
        byte[]? bytes = null;
        if (!this.tryLoadStream(name, r => bytes = ReadAll(r.BaseStream)))
            throw new InvalidDataException($"Model entry '{Entry}/{name}' is missing from the model file.");
        if (bytes!.LongLength != record.Length || !SHA256.HashData(bytes).AsSpan().SequenceEqual(record.Sha256))
            throw new InvalidDataException(
                $"Model entry '{Entry}/{name}' is corrupt: {bytes.LongLength} bytes whose SHA-256 does not match the " +
                $"{record.Length} bytes recorded at save time.");
        return new MemoryStream(bytes, writable: false);
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
