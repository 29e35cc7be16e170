using System.Text.Json;
using Ssn.MLNet.Imaging;

namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// The small JSON file (<see cref="SyntheticCityscapesGenerator.ManifestFileName"/>) a generated dataset carries:
/// the settings it was made with and whether generation finished. It lets a later run reuse the dataset.
/// </summary>
internal sealed record SyntheticManifest(int FormatVersion, int Width, int Height, int TrainCount, int ValCount, int Seed,
    bool WriteColorImages, float NoiseStdDev, bool Complete)
{
    internal static SyntheticManifest From(SyntheticCityscapesOptions o, bool complete) =>
        new(SyntheticCityscapesGenerator.FormatVersion, o.Width, o.Height, o.TrainCount, o.ValCount, o.Seed,
            o.WriteColorImages, o.NoiseStdDev, complete);

    internal static SyntheticManifest? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<SyntheticManifest>(File.ReadAllText(path)); }
        catch (JsonException) { return null; }
    }

    internal void Write(string path) =>
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, new JsonSerializerOptions { WriteIndented = true }));
}
