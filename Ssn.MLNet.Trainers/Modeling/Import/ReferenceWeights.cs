using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling.Import;

/// <summary>
/// Moves weights between a <see cref="SegmentationModel"/> and a reference implementation's <c>state_dict</c> through
/// the architecture's <see cref="ReferenceNameMap"/>. <see cref="Load"/> is strict, as PyTorch's <c>load_state_dict</c>:
/// every tensor of the network must be in the checkpoint with the same shape and every tensor of the checkpoint must be
/// used; the error names each tensor left over on either side. The one exception is BatchNorm's
/// <c>num_batches_tracked</c> counter, which checkpoints written before PyTorch 0.4.1 do not have and which inference
/// does not read. <see cref="LoadMatching"/> is the partial load of fine-tuning.
/// </summary>
public static class ReferenceWeights
{
    private const string BatchCounter = ".num_batches_tracked";
    private const string EncoderPrefix = "encoder.";

    /// <summary>Copies <paramref name="checkpoint"/> into <paramref name="model"/>; returns how many tensors were loaded.</summary>
    /// <param name="model">The network, built with the checkpoint's architecture.</param>
    /// <param name="checkpoint">The reference tensors by name (e.g. <see cref="PyTorchCheckpoint.Read"/>).</param>
    /// <param name="map">Our names → the reference's.</param>
    /// <param name="source">The checkpoint, for messages.</param>
    /// <exception cref="InvalidDataException">A tensor is missing, left over or of another shape; the message names them all.</exception>
    public static int Load(SegmentationModel model, IReadOnlyList<KeyValuePair<string, Tensor>> checkpoint, ReferenceNameMap map, string source)
    {
        var report = Copy(model, checkpoint, map, encoderOnly: false);
        if (report.Missing.Count + report.ShapeMismatches.Count + report.Unexpected.Count > 0)
        {
            static string List(string what, IReadOnlyList<string> names) => names.Count == 0 ? "" :
                $" {what} ({names.Count}): {string.Join(", ", names.Take(8))}{(names.Count > 8 ? ", …" : "")}.";
            throw new InvalidDataException(
                $"'{source}' does not match the {model.Options.Architecture} network (names as in {map.Reference}; {checkpoint.Count} tensors in the file, {report.Loaded.Count} matched)." +
                List("Not in the file", report.Missing) + List("Other shape", report.ShapeMismatches) + List("In the file but not in the network", report.Unexpected) + " " + map.Hint);
        }
        return report.Loaded.Count;
    }

    /// <summary>
    /// Copies the tensors of <paramref name="checkpoint"/> whose reference name and shape match (fine-tuning: a head with
    /// another class count, or a decoder the checkpoint does not have, keeps its initial values) and says what matched.
    /// A checkpoint of the encoder alone (ESPNet-C: names without the <c>encoder.</c> prefix) loads into the encoder.
    /// </summary>
    public static WeightLoadReport LoadMatching(SegmentationModel model, IReadOnlyList<KeyValuePair<string, Tensor>> checkpoint, ReferenceNameMap map) =>
        Copy(model, checkpoint, map, encoderOnly: !checkpoint.Any(kv => kv.Key.StartsWith(EncoderPrefix, StringComparison.Ordinal)));

    /// <summary>The network's tensors under the reference implementation's names, in <c>state_dict</c> order.</summary>
    public static List<KeyValuePair<string, Tensor>> ToReference(SegmentationModel model, ReferenceNameMap map)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.IsBatchNormFolded)
            throw new InvalidOperationException("A BatchNorm-folded network has other tensors than its reference implementation; export the unfolded network.");
        return model.state_dict().Select(kv => KeyValuePair.Create(map.ToReference(kv.Key), kv.Value)).ToList();
    }

    /// <summary>Copies what matches by reference name and shape; the report names tensors by their reference names (ours in parentheses).</summary>
    private static WeightLoadReport Copy(SegmentationModel model, IReadOnlyList<KeyValuePair<string, Tensor>> checkpoint, ReferenceNameMap map, bool encoderOnly)
    {
        ArgumentNullException.ThrowIfNull(model);
        var theirs = new Dictionary<string, Tensor>();
        foreach (var (name, t) in checkpoint) theirs[name] = t;
        var used = new HashSet<string>();
        List<string> loaded = [], missing = [], shapes = [];
        using (no_grad())
        {
            foreach (var (name, target) in model.state_dict())
            {
                string reference = map.ToReference(name);
                if (encoderOnly && reference.StartsWith(EncoderPrefix, StringComparison.Ordinal)) reference = reference[EncoderPrefix.Length..];
                string described = reference == name ? name : $"{reference} (ours: {name})";
                if (!theirs.TryGetValue(reference, out var t))
                {
                    if (!name.EndsWith(BatchCounter, StringComparison.Ordinal)) missing.Add(described); // a counter, not a weight: never reported
                    continue;
                }
                used.Add(reference);
                if (!t.shape.SequenceEqual(target.shape))
                {
                    shapes.Add($"{reference} [{string.Join(", ", t.shape)}], ours [{string.Join(", ", target.shape)}]");
                    continue;
                }
                target.copy_(t.to(target.dtype));
                loaded.Add(described);
            }
        }
        return new WeightLoadReport(loaded, missing, theirs.Keys.Where(k => !used.Contains(k)).ToList(), shapes);
    }
}
