using static TorchSharp.torch;

namespace Ssn.MLNet.Modeling.Import;

/// <summary>
/// Moves weights between a <see cref="SegmentationModel"/> and a reference implementation's <c>state_dict</c> through
/// the architecture's <see cref="ReferenceNameMap"/>. Loading is strict, as PyTorch's <c>load_state_dict</c>: every
/// tensor of the network must be in the checkpoint with the same shape and every tensor of the checkpoint must be used;
/// the error names each tensor left over on either side. The one exception is BatchNorm's <c>num_batches_tracked</c>
/// counter, which checkpoints written before PyTorch 0.4.1 do not have and which inference does not read.
/// </summary>
public static class ReferenceWeights
{
    private const string BatchCounter = ".num_batches_tracked";

    /// <summary>Copies <paramref name="checkpoint"/> into <paramref name="model"/>; returns how many tensors were loaded.</summary>
    /// <param name="model">The network, built with the checkpoint's architecture.</param>
    /// <param name="checkpoint">The reference tensors by name (e.g. <see cref="PyTorchCheckpoint.Read"/>).</param>
    /// <param name="map">Our names → the reference's.</param>
    /// <param name="source">The checkpoint, for messages.</param>
    /// <exception cref="InvalidDataException">A tensor is missing, left over or of another shape; the message names them all.</exception>
    public static int Load(SegmentationModel model, IReadOnlyList<KeyValuePair<string, Tensor>> checkpoint, ReferenceNameMap map, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        var theirs = new Dictionary<string, Tensor>();
        foreach (var (name, t) in checkpoint) theirs[name] = t;
        var used = new HashSet<string>();
        List<string> missing = [], shapes = [];
        int loaded = 0;
        using (no_grad())
        {
            foreach (var (name, target) in model.state_dict())
            {
                string reference = map.ToReference(name);
                if (!theirs.TryGetValue(reference, out var t))
                {
                    if (!name.EndsWith(BatchCounter, StringComparison.Ordinal)) missing.Add(reference == name ? name : $"{reference} (ours: {name})");
                    continue;
                }
                used.Add(reference);
                if (!t.shape.SequenceEqual(target.shape))
                {
                    shapes.Add($"{reference} [{string.Join(", ", t.shape)}], ours [{string.Join(", ", target.shape)}]");
                    continue;
                }
                target.copy_(t.to(target.dtype));
                loaded++;
            }
        }
        var unused = theirs.Keys.Where(k => !used.Contains(k)).ToList();
        if (missing.Count + shapes.Count + unused.Count > 0)
        {
            static string List(string what, List<string> names) => names.Count == 0 ? "" :
                $" {what} ({names.Count}): {string.Join(", ", names.Take(8))}{(names.Count > 8 ? ", …" : "")}.";
            throw new InvalidDataException(
                $"'{source}' does not match the {model.Options.Architecture} network (names as in {map.Reference}; {checkpoint.Count} tensors in the file, {loaded} matched)." +
                List("Not in the file", missing) + List("Other shape", shapes) + List("In the file but not in the network", unused) + " " + map.Hint);
        }
        return loaded;
    }

    /// <summary>The network's tensors under the reference implementation's names, in <c>state_dict</c> order.</summary>
    public static List<KeyValuePair<string, Tensor>> ToReference(SegmentationModel model, ReferenceNameMap map)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.IsBatchNormFolded)
            throw new InvalidOperationException("A BatchNorm-folded network has other tensors than its reference implementation; export the unfolded network.");
        return model.state_dict().Select(kv => KeyValuePair.Create(map.ToReference(kv.Key), kv.Value)).ToList();
    }
}
