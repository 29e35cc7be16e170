using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Modeling;

/// <summary>
/// Saves and loads a <see cref="SpatialSamplingNetwork"/>: a small header, the architecture as JSON, then the
/// weights in TorchSharp's format. Only unfolded networks are saved (fold after loading).
/// </summary>
public static class SsnNetworkSerializer
{
    private static ReadOnlySpan<byte> Magic => "SSNW"u8;
    private const int FormatVersion = 1;

    /// <summary>Writes <paramref name="network"/> to <paramref name="stream"/> (left open).</summary>
    public static void Save(SpatialSamplingNetwork network, Stream stream)
    {
        if (network.IsBatchNormFolded)
            throw new InvalidOperationException("A BatchNorm-folded network cannot be saved; save the training network and fold after loading.");
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(JsonSerializer.Serialize(network.Options));
        network.save(writer);
    }

    /// <summary>Saves to a file atomically (temporary file, then rename).</summary>
    public static void Save(SpatialSamplingNetwork network, string path) => Imaging.AtomicFile.Write(path, s => Save(network, s));

    /// <summary>Reads a network written by <see cref="Save(SpatialSamplingNetwork, Stream)"/>, on <paramref name="device"/> (default CPU).</summary>
    /// <exception cref="InvalidDataException">The stream does not hold a saved network; <paramref name="name"/> is used in the message.</exception>
    public static SpatialSamplingNetwork Load(Stream stream, Device? device = null, string name = "stream")
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"'{name}' is not a saved Spatial Sampling Network (bad magic).");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"'{name}' has network format version {version}; this library reads version {FormatVersion}.");
            var options = JsonSerializer.Deserialize<SsnNetworkOptions>(reader.ReadString())
                          ?? throw new InvalidDataException($"'{name}' has no network options.");
            var network = new SpatialSamplingNetwork(options);
            network.load(reader, strict: true);
            if (device is not null) network.to(device);
            return network;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"'{name}' is not a valid saved Spatial Sampling Network: {e.Message}", e);
        }
    }

    /// <summary>Loads from a file.</summary>
    public static SpatialSamplingNetwork Load(string path, Device? device = null)
    {
        using var fs = File.OpenRead(path);
        return Load(fs, device, path);
    }
}
