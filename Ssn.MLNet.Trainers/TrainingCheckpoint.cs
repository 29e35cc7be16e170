using System.Text;
using System.Text.Json;
using Ssn.MLNet.Trainers.Networks;
using Ssn.MLNet.Trainers.Optimization;

namespace Ssn.MLNet.Trainers;

/// <summary>
/// A training checkpoint written at the end of an epoch: the network, the Adam state, the number of completed epochs,
/// the best validation mean IoU (and its weights) and the per-epoch history. Random streams are derived from the seed
/// and the epoch number, so resuming from a checkpoint repeats exactly what an uninterrupted run would do.
/// Written atomically (temporary file, then rename).
/// </summary>
internal sealed class TrainingCheckpoint
{
    private static ReadOnlySpan<byte> Magic => "SSNC"u8;
    private const int Version = 3; // 2: Ssn.MLNet's own Adam state; 3: networks as safetensors
    /// <summary>History values are NaN without a validation set (or for semantic-only training): written as "NaN".</summary>
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Epochs completed.</summary>
    public int CompletedEpochs { get; init; }

    /// <summary>Best validation mean IoU so far (NaN without validation).</summary>
    public double BestMeanIoU { get; init; } = double.NaN;

    /// <summary>Progress of every completed epoch.</summary>
    public List<TrainingProgress> History { get; init; } = new();

    /// <summary>File name of the checkpoint after <paramref name="epoch"/> epochs.</summary>
    public static string FileName(int epoch) => $"checkpoint-epoch{epoch:D4}.ssnckpt";

    /// <summary>Writes the checkpoint.</summary>
    public void Save(string path, TrainableNetwork network, AdamOptimizer optimizer, TrainableNetwork? best, int seed)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = $"{full}.{Environment.ProcessId}.tmp";
        try
        {
            using (var fs = File.Create(tmp))
            using (var w = new BinaryWriter(fs, Encoding.UTF8))
            {
                w.Write(Magic);
                w.Write(Version);
                w.Write(seed);
                w.Write(CompletedEpochs);
                w.Write(BestMeanIoU);
                w.Write(JsonSerializer.Serialize(History, Json));
                w.Flush();
                network.Save(fs);
                optimizer.Save(w);
                w.Write(best is not null);
                w.Flush();
                best?.Save(fs);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Reads a checkpoint into <paramref name="network"/> and <paramref name="optimizer"/>; returns it and the best weights.</summary>
    public static (TrainingCheckpoint Checkpoint, TrainableNetwork? Best) Load(string path, TrainableNetwork network, AdamOptimizer optimizer, int seed)
    {
        try
        {
            using var fs = File.OpenRead(path);
            using var r = new BinaryReader(fs, Encoding.UTF8);
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"'{path}' is not an Ssn.MLNet training checkpoint.");
            int version = r.ReadInt32();
            if (version != Version) throw new InvalidDataException($"'{path}' is checkpoint version {version}; this library reads {Version}.");
            int savedSeed = r.ReadInt32();
            if (savedSeed != seed)
                throw new ArgumentException($"'{path}' was written with Seed = {savedSeed}; resuming with Seed = {seed} would not repeat the run. Set the same seed.");
            var checkpoint = new TrainingCheckpoint
            {
                CompletedEpochs = r.ReadInt32(),
                BestMeanIoU = r.ReadDouble(),
                History = JsonSerializer.Deserialize<List<TrainingProgress>>(r.ReadString(), Json) ?? new(),
            };
            using (var saved = TrainableNetwork.Load(fs, path))
            {
                if (saved.Configuration != network.Configuration)
                    throw new ArgumentException($"'{path}' holds a {saved.Description} with other options than the trainer's; resume with the same Network options (Architecture, Decoder, widths, blocks, dropouts, sampling steps).");
                network.Model.load_state_dict(saved.Model.state_dict());
            }
            optimizer.Load(r);
            var best = r.ReadBoolean() ? TrainableNetwork.Load(fs, path) : null;
            return (checkpoint, best);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{path}' is a truncated checkpoint.", e);
        }
    }
}
