using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

using Ssn.MLNet.Modeling;
using Ssn.MLNet.Trainers.Modeling;
namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// Saves and loads a <see cref="SegmentationModel"/>: a small header, its <see cref="SsnNetworkOptions"/> as JSON, then
/// the weights in TorchSharp's format (loaded strictly). Only unfolded models are saved (fold after loading).
/// </summary>
public static class SegmentationModelSerializer
{
    private static ReadOnlySpan<byte> Magic => "SSNM"u8;
    private const int FormatVersion = 1;

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/> (left open).</summary>
    public static void Save(SegmentationModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        if (model.IsBatchNormFolded)
            throw new InvalidOperationException("A BatchNorm-folded model cannot be saved; save the training model and fold after loading.");
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(JsonSerializer.Serialize(model.Options));
        model.save(writer);
    }

    /// <summary>Saves to a file atomically (temporary file, then rename).</summary>
    public static void Save(SegmentationModel model, string path) => Imaging.AtomicFile.Write(path, s => Save(model, s));

    /// <summary>Reads a model written by <see cref="Save(SegmentationModel, Stream)"/>, on <paramref name="device"/> (default CPU).</summary>
    /// <exception cref="InvalidDataException">The stream does not hold a saved model; <paramref name="name"/> is used in the message.</exception>
    public static SegmentationModel Load(Stream stream, Device? device = null, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"'{name}' is not a saved segmentation model (bad magic; networks saved before the one-model format of 2026-11-27 do not load).");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"'{name}' has segmentation model format version {version}; this library reads version {FormatVersion}.");
            var options = JsonSerializer.Deserialize<SsnNetworkOptions>(reader.ReadString())
                          ?? throw new InvalidDataException($"'{name}' has no network options.");
            var model = SegmentationModels.Create(options);
            model.load(reader, strict: true);
            if (device is not null) model.to(device);
            return model;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"'{name}' is not a valid saved segmentation model: {e.Message}", e);
        }
    }

    /// <summary>Loads from a file.</summary>
    public static SegmentationModel Load(string path, Device? device = null)
    {
        using var fs = File.OpenRead(path);
        return Load(fs, device, path);
    }
}
