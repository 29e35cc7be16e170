using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ssn.MLNet.Imaging;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>What <see cref="NetworkWeights.LoadSafetensors(nn.Module, string, bool)"/> matched by name.</summary>
/// <param name="Loaded">Tensors copied into the network.</param>
/// <param name="Missing">Network tensors the file does not have (left as they were).</param>
/// <param name="Unexpected">File tensors the network does not have (ignored).</param>
/// <param name="ShapeMismatches">Names in both with different shapes (left as they were), with both shapes.</param>
public sealed record WeightLoadReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> ShapeMismatches)
{
    /// <summary>Whether every network tensor was loaded and nothing was left over.</summary>
    public bool IsExact => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    /// <inheritdoc />
    public override string ToString()
    {
        static string List(IReadOnlyList<string> names) => names.Count <= 6 ? string.Join(", ", names) : string.Join(", ", names.Take(6)) + $", … ({names.Count})";
        var text = new StringBuilder($"{Loaded.Count} tensors loaded");
        if (Missing.Count > 0) text.Append($"; missing from the file (kept): {List(Missing)}");
        if (Unexpected.Count > 0) text.Append($"; not in the network (ignored): {List(Unexpected)}");
        if (ShapeMismatches.Count > 0) text.Append($"; other shapes (kept): {List(ShapeMismatches)}");
        return text.ToString();
    }
}

/// <summary>
/// A network's weights as a <c>.safetensors</c> file (Hugging Face's format: an 8-byte little-endian header length, a
/// JSON header of name → dtype, shape and byte range, then the raw little-endian data) under the module's
/// <c>state_dict</c> names, which are the names a PyTorch module of the same architecture uses
/// (<c>ssn_torch/model.py</c>, the PyTorch twin; checked both ways by <c>PyTorchTwinTests</c>). So a network can be trained or
/// fine-tuned in PyTorch and deployed here, or the other way.
/// </summary>
public static class NetworkWeights
{
    /// <summary>The header's <c>__metadata__</c> key that holds the network's options as JSON (when saved from a <see cref="SegmentationModel"/>).</summary>
    public const string NetworkOptionsKey = "ssn.network_options";

    /// <summary>The safetensors dtypes read and written: name, libtorch type, bytes per value.</summary>
    private static readonly (string Name, ScalarType Type, int Size)[] DTypes =
    [
        ("F32", ScalarType.Float32, 4), ("F64", ScalarType.Float64, 8), ("F16", ScalarType.Float16, 2), ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8), ("I32", ScalarType.Int32, 4),
    ];

    /// <summary>Writes <paramref name="module"/>'s <c>state_dict</c> (parameters and buffers) to <paramref name="path"/> atomically.</summary>
    public static void SaveSafetensors(nn.Module module, string path)
    {
        byte[] file = ToSafetensors(module);
        AtomicFile.Write(path, s => s.Write(file));
    }

    /// <summary>
    /// <paramref name="module"/>'s <c>state_dict</c> as the bytes of a <c>.safetensors</c> file (with a
    /// <see cref="SegmentationModel"/>'s options as JSON in the header's <see cref="NetworkOptionsKey"/>): what
    /// <see cref="SaveSafetensors"/> writes, <c>export --out x.safetensors</c> writes, and an ML.NET model zip holds as
    /// its <c>Network.safetensors</c> entry.
    /// </summary>
    /// <exception cref="NotSupportedException">A tensor has a type other than F32, F64, F16, BF16, I64, I32.</exception>
    public static byte[] ToSafetensors(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module is SegmentationModel { IsBatchNormFolded: true })
            throw new InvalidOperationException("A BatchNorm-folded network has other tensors than a PyTorch module of its architecture; save the unfolded network.");
        var metadata = module is SegmentationModel model
            ? new Dictionary<string, string> { [NetworkOptionsKey] = JsonSerializer.Serialize(model.Options) }
            : null;
        return ToSafetensors(module.state_dict(), metadata);
    }

    /// <summary>
    /// Named tensors (any, e.g. a network's inputs and outputs beside its weights) as the bytes of a <c>.safetensors</c>
    /// file, in the given order, with <paramref name="metadata"/> as the header's <c>__metadata__</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">A tensor has a type other than F32, F64, F16, BF16, I64, I32.</exception>
    public static byte[] ToSafetensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        if (metadata is not null)
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            var dtype = DTypes.FirstOrDefault(d => d.Type == tensor.dtype);
            if (dtype.Name is null)
                throw new NotSupportedException($"Tensor '{name}' has type {tensor.dtype}; safetensors export covers float32, float64, float16, bfloat16, int64 and int32.");
            byte[] data = Bytes(tensor);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype.Name,
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + data.Length),
            };
            blobs.Add(data);
            offset += data.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the format pads the header with spaces to a multiple of 8
        using var s = new MemoryStream(checked(8 + padded + (int)offset));
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        s.Write(length);
        s.Write(json);
        for (int i = json.Length; i < padded; i++) s.WriteByte((byte)' ');
        foreach (var blob in blobs) s.Write(blob);
        return s.ToArray();
    }

    /// <summary>The network a <c>.safetensors</c> file written by <see cref="SaveSafetensors"/> describes (options from its header, weights loaded strictly).</summary>
    /// <exception cref="InvalidDataException">The file is not such a file (the message names it).</exception>
    public static SegmentationModel LoadModel(string path) => CreateModel(ImageFile.ReadAllBytes(path), path);

    /// <summary>
    /// The network a <c>.safetensors</c> file describes: built from <paramref name="optionsJson"/> (a
    /// <see cref="SsnNetworkOptions"/> as JSON, e.g. a model zip's <c>Network.json</c>) or, when null, from the options in
    /// the file's header, then loaded strictly (every tensor, nothing left over).
    /// </summary>
    /// <param name="safetensors">The file's bytes.</param>
    /// <param name="name">The file's name, for messages.</param>
    /// <param name="optionsJson">The network options as JSON, or null to read them from the file's header.</param>
    /// <exception cref="InvalidDataException">The bytes are not a safetensors file of a network with these options (the message names <paramref name="name"/>).</exception>
    public static SegmentationModel CreateModel(byte[] safetensors, string name, string? optionsJson = null)
    {
        ArgumentNullException.ThrowIfNull(safetensors);
        SsnNetworkOptions options;
        try
        {
            optionsJson ??= ReadHeader(safetensors, name, out _)["__metadata__"]?[NetworkOptionsKey]?.GetValue<string>()
                ?? throw new InvalidDataException($"'{name}' names no network options (no {NetworkOptionsKey} in its header): it is weights alone; import it with --architecture.");
            options = JsonSerializer.Deserialize<SsnNetworkOptions>(optionsJson) ?? throw new InvalidDataException($"'{name}' has empty network options.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{name}' has unreadable network options: {e.Message}", e);
        }
        SegmentationModel model;
        try
        {
            model = SegmentationModels.Create(options);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{name}' has invalid network options: {e.Message}", e);
        }
        try
        {
            LoadSafetensors(model, safetensors, name, strict: true);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the tensors of <paramref name="path"/> into <paramref name="module"/> by name (a partial load: tensors
    /// missing from the file, or of another shape, keep their values) and says what matched.
    /// </summary>
    /// <param name="module">The network.</param>
    /// <param name="path">A <c>.safetensors</c> file.</param>
    /// <param name="strict">Throw unless every network tensor is loaded and nothing is left over.</param>
    /// <exception cref="InvalidDataException">The file is not a readable safetensors file, holds a type other than
    /// F32/F64/I64/I32, or (with <paramref name="strict"/>) does not match the network exactly.</exception>
    public static WeightLoadReport LoadSafetensors(nn.Module module, string path, bool strict = false) =>
        LoadSafetensors(module, ImageFile.ReadAllBytes(path), path, strict);

    /// <summary>As <see cref="LoadSafetensors(nn.Module, string, bool)"/> from the bytes of a safetensors file (e.g. an embedded resource) named <paramref name="path"/> in messages.</summary>
    public static WeightLoadReport LoadSafetensors(nn.Module module, byte[] file, string path, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        var (entries, data) = Read(file, path);
        var state = module.state_dict();
        List<string> loaded = [], missing = [], mismatched = [];
        using (no_grad())
        {
            foreach (var (name, target) in state)
            {
                if (!entries.TryGetValue(name, out var entry)) { missing.Add(name); continue; }
                if (!entry.Shape.SequenceEqual(target.shape))
                {
                    mismatched.Add($"{name} [{string.Join(", ", entry.Shape)}] vs [{string.Join(", ", target.shape)}]");
                    continue;
                }
                using var source = ToTensor(entry, data.AsSpan(entry.Start, entry.Length), path, name);
                target.copy_(source.to(target.dtype));
                loaded.Add(name);
            }
        }
        var report = new WeightLoadReport(loaded, missing, entries.Keys.Where(k => !state.ContainsKey(k)).ToList(), mismatched);
        if (strict && !report.IsExact) throw new InvalidDataException($"Weights file '{path}' does not match the network exactly: {report}.");
        return report;
    }

    /// <summary>Every tensor of a <c>.safetensors</c> file, by name, in the file's order.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable safetensors file or holds a type other than F32/F64/I64/I32.</exception>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> ReadTensors(string path)
    {
        var (entries, data) = Read(ImageFile.ReadAllBytes(path), path);
        return entries.OrderBy(e => e.Value.Start)
            .Select(e => KeyValuePair.Create(e.Key, ToTensor(e.Value, data.AsSpan(e.Value.Start, e.Value.Length), path, e.Key))).ToList();
    }

    /// <summary>The network options stored by <see cref="SaveSafetensors"/>, or null when the file has none.</summary>
    public static SsnNetworkOptions? ReadNetworkOptions(string path)
    {
        var header = ReadHeader(File.ReadAllBytes(path), path, out _);
        return header["__metadata__"]?[NetworkOptionsKey]?.GetValue<string>() is { } json ? JsonSerializer.Deserialize<SsnNetworkOptions>(json) : null;
    }

    private sealed record Entry(string DType, long[] Shape, int Start, int Length);

    private static (Dictionary<string, Entry> Entries, byte[] Data) Read(byte[] file, string path)
    {
        var header = ReadHeader(file, path, out int dataStart);
        var entries = new Dictionary<string, Entry>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            try
            {
                string dtype = node!["dtype"]!.GetValue<string>();
                long[] shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                long start = dataStart + offsets[0], end = dataStart + offsets[1];
                if (offsets.Length != 2 || start > end || end > file.Length)
                    throw new InvalidDataException($"its bytes [{offsets[0]}, {offsets[1]}) lie outside the file");
                entries[name] = new Entry(dtype, shape, checked((int)start), checked((int)(end - start)));
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or InvalidDataException or OverflowException)
            {
                throw new InvalidDataException($"Weights file '{path}': tensor '{name}' has an unreadable header entry ({e.Message}).", e);
            }
        }
        return (entries, file);
    }

    private static JsonObject ReadHeader(byte[] file, string path, out int dataStart)
    {
        if (file.Length < 8) throw new InvalidDataException($"Weights file '{path}' is not a safetensors file ({file.Length} bytes).");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (length > (ulong)(file.Length - 8))
            throw new InvalidDataException($"Weights file '{path}' is not a safetensors file, or is truncated (its header claims {length} bytes).");
        dataStart = 8 + (int)length;
        try
        {
            return JsonNode.Parse(file.AsSpan(8, (int)length)) as JsonObject
                   ?? throw new InvalidDataException($"Weights file '{path}' has a header that is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Weights file '{path}' is not a safetensors file (its header is not JSON: {e.Message}).", e);
        }
    }

    private static Tensor ToTensor(Entry entry, ReadOnlySpan<byte> bytes, string path, string name)
    {
        long count = entry.Shape.Aggregate(1L, (a, b) => a * b);
        int size = DTypes.FirstOrDefault(d => d.Name == entry.DType).Size;
        if (size == 0)
            throw new InvalidDataException($"Weights file '{path}': tensor '{name}' has type {entry.DType}; this loader reads F32, F64, F16, BF16, I64 and I32 " +
                                           "(in PyTorch: {k: v.float() for k, v in state_dict.items()} before saving).");
        if (count * size != bytes.Length)
            throw new InvalidDataException($"Weights file '{path}': tensor '{name}' holds {bytes.Length} bytes for shape [{string.Join(", ", entry.Shape)}] of {entry.DType}.");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian.");
        return entry.DType switch
        {
            "F32" => tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), entry.Shape),
            "F64" => tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), entry.Shape),
            "I64" => tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), entry.Shape),
            "I32" => tensor(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), entry.Shape),
            // Half and bfloat16 widen exactly to float32 (read as float32, then stored in the target tensor's type).
            "F16" => tensor(MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray(), entry.Shape).to(ScalarType.Float16),
            _ => tensor(MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray(), entry.Shape).to(ScalarType.BFloat16),
        };
    }

    private static byte[] Bytes(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return tensor.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes(cpu.data<double>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int32 => MemoryMarshal.AsBytes(cpu.data<int>().ToArray().AsSpan()).ToArray(),
            // Widened to float32 by libtorch (exact), then narrowed back here: the original bits.
            ScalarType.Float16 => MemoryMarshal.AsBytes(Widened(cpu).Select(f => (Half)f).ToArray().AsSpan()).ToArray(),
            _ => MemoryMarshal.AsBytes(Widened(cpu).Select(f => (ushort)(BitConverter.SingleToInt32Bits(f) >>> 16)).ToArray().AsSpan()).ToArray(),
        };

        static float[] Widened(Tensor t)
        {
            using var f = t.to(ScalarType.Float32);
            return f.data<float>().ToArray();
        }
    }
}
