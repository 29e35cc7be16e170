using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Ssn.MLNet.Modeling.Baselines;

/// <summary>
/// Saves and loads a <see cref="SegmentationModel"/> built by <see cref="SegmentationModels.Create"/>: a small header,
/// the architecture, decoder, class count and <see cref="SegmentationModelOptions"/> as JSON, then the weights in
/// TorchSharp's format (loaded strictly, so a model whose parts did not come from the factory fails to load).
/// </summary>
public static class SegmentationModelSerializer
{
    private static ReadOnlySpan<byte> Magic => "SSNB"u8;
    private const int FormatVersion = 1;

    private sealed record Header(Architecture Architecture, DecoderKind Decoder, int NumClasses, SegmentationModelOptions Options);

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/> (left open).</summary>
    public static void Save(SegmentationModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(JsonSerializer.Serialize(new Header(model.Architecture, model.DecoderKind, checked((int)model.NumClasses), model.Options)));
        model.save(writer);
    }

    /// <summary>Saves to a file atomically (temporary file, then rename).</summary>
    public static void Save(SegmentationModel model, string path)
    {
        string full = Path.GetFullPath(path);
        string tmp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var fs = File.Create(tmp)) Save(model, fs);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Reads a model written by <see cref="Save(SegmentationModel, Stream)"/>, on <paramref name="device"/> (default CPU).</summary>
    /// <exception cref="InvalidDataException">The stream does not hold a saved model; <paramref name="name"/> is used in the message.</exception>
    public static SegmentationModel Load(Stream stream, Device? device = null, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"'{name}' is not a saved segmentation model (bad magic).");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"'{name}' has segmentation model format version {version}; this library reads version {FormatVersion}.");
            var header = JsonSerializer.Deserialize<Header>(reader.ReadString())
                         ?? throw new InvalidDataException($"'{name}' has no model header.");
            var model = SegmentationModels.Create(header.Architecture, header.Decoder, header.NumClasses, header.Options);
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
