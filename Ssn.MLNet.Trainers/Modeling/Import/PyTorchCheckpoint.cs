using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Ssn.MLNet.Imaging;
using static TorchSharp.torch;

namespace Ssn.MLNet.Trainers.Modeling.Import;

/// <summary>
/// Reads and writes PyTorch <c>state_dict</c> files as <c>torch.save</c> writes them: the zip format (PyTorch ≥ 1.6:
/// <c>archive/data.pkl</c> plus one raw entry per storage) and the legacy format before it (five pickles in a row —
/// magic number, protocol version, system info, the object, the storage keys — then each storage as an 8-byte element
/// count and its raw bytes). Tensors come out on the CPU, in the file's order and type.
/// </summary>
/// <remarks>
/// The pickles are read by an allow-list unpickler, as PyTorch's own <c>torch.load(weights_only=True)</c>: it builds
/// dictionaries, lists, tuples, numbers, strings and tensors (<c>collections.OrderedDict</c>,
/// <c>torch._utils._rebuild_tensor</c>/<c>_rebuild_tensor_v2</c>/<c>_rebuild_parameter</c>, the typed storage
/// classes) and refuses any other global with an error naming it, so a crafted checkpoint cannot make it construct
/// anything else. A training checkpoint that wraps the weights (<c>{"state_dict": …}</c> or <c>{"model": …}</c>) is
/// unwrapped, and a <c>module.</c> prefix that <c>DataParallel</c> adds to every name is removed.
/// </remarks>
public static class PyTorchCheckpoint
{
    private const string ZipRoot = "archive";

    /// <summary>Reads the tensors of a <c>torch.save</c>d <c>state_dict</c> (zip or legacy format), by name, in the file's order.</summary>
    /// <exception cref="InvalidDataException">The file is not a PyTorch state_dict, names a global outside the allow-list, or is truncated.</exception>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> Read(string path)
    {
        byte[] file = ImageFile.ReadAllBytes(path);
        try
        {
            object top = file.Length >= 4 && file[0] == 'P' && file[1] == 'K' && file[2] == 3 && file[3] == 4 ? ReadZip(file) : ReadLegacy(file);
            return StateDict(top, path);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidCastException or IndexOutOfRangeException or ArgumentException
                                      or OverflowException or NullReferenceException or KeyNotFoundException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException($"'{path}' is not a readable PyTorch state_dict ({e.Message}).", e);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as a zip-format <c>torch.save</c> file (an <c>OrderedDict</c> of tensors) that
    /// <c>torch.load</c> reads; atomically.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var items = tensors.ToList();
        var pickle = new PickleWriter();
        pickle.StateDict(items);
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            void Entry(string name, ReadOnlySpan<byte> bytes)
            {
                using var s = zip.CreateEntry($"{ZipRoot}/{name}", CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
            Entry("data.pkl", pickle.ToArray());
            Entry("byteorder", "little"u8);
            for (int i = 0; i < items.Count; i++)
            {
                using var cpu = items[i].Value.detach().cpu().contiguous();
                Entry($"data/{i}", cpu.bytes);
            }
            Entry("version", "3\n"u8);
        });
    }

    private static object ReadZip(byte[] file)
    {
        using var zip = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
        var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                  ?? throw new InvalidDataException("a zip file without <folder>/data.pkl is not a torch.save file");
        string folder = pkl.FullName[..^"data.pkl".Length];
        var reader = new PickleReader(new MemoryStream(ReadEntry(pkl)));
        object top = reader.Load();
        foreach (var storage in reader.Storages.Values)
        {
            var entry = zip.GetEntry($"{folder}data/{storage.Key}") ?? throw new InvalidDataException($"storage '{storage.Key}' is missing from the archive");
            storage.Bytes = ReadEntry(entry);
        }
        return top;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength) throw new InvalidDataException($"archive entry '{entry.FullName}' claims {entry.Length} bytes");
        using var s = entry.Open();
        var bytes = new byte[entry.Length];
        s.ReadExactly(bytes);
        return bytes;
    }

    private static object ReadLegacy(byte[] file)
    {
        if (file.Length < 2 || file[0] != 0x80)
            throw new InvalidDataException("it is neither a zip-format nor a legacy torch.save file (it starts with neither a zip header nor a pickle)");
        var stream = new MemoryStream(file);
        if (!Equals(new PickleReader(stream).Load(), LegacyMagic))
            throw new InvalidDataException("it is neither a zip-format nor a legacy torch.save file (no PyTorch magic number)");
        if (new PickleReader(stream).Load() is not long protocol || protocol != 1001)
            throw new InvalidDataException("unknown legacy torch.save protocol version");
        if (new PickleReader(stream).Load() is Dictionary<object, object> info && info.TryGetValue("little_endian", out var little) && little is false)
            throw new InvalidDataException("big-endian checkpoints are not supported");
        var reader = new PickleReader(stream);
        object top = reader.Load();
        if (new PickleReader(stream).Load() is not List<object> keys) throw new InvalidDataException("the storage key list is missing");
        Span<byte> count = stackalloc byte[8];
        foreach (string key in keys.Cast<string>())
        {
            var storage = reader.Storages.GetValueOrDefault(key) ?? throw new InvalidDataException($"storage '{key}' is not referenced by any tensor");
            stream.ReadExactly(count);
            long elements = BinaryPrimitives.ReadInt64LittleEndian(count);
            long size = checked(elements * storage.ElementSize);
            if (size > stream.Length - stream.Position) throw new EndOfStreamException($"storage '{key}' claims {size} bytes past the end of the file");
            storage.Bytes = new byte[size];
            stream.ReadExactly(storage.Bytes);
        }
        return top;
    }

    /// <summary><c>torch.serialization.MAGIC_NUMBER</c>.</summary>
    private static readonly object LegacyMagic = (object)System.Numerics.BigInteger.Parse("119547037146038801333356");

    private static List<KeyValuePair<string, Tensor>> StateDict(object top, string path)
    {
        if (top is Dictionary<object, object> wrapper && !wrapper.Values.Any(v => v is TensorRef))
            top = wrapper.GetValueOrDefault("state_dict") ?? wrapper.GetValueOrDefault("model")
                  ?? throw new InvalidDataException($"'{path}' holds a dictionary without tensors and without a 'state_dict' or 'model' entry (keys: {string.Join(", ", wrapper.Keys.Take(8))}).");
        if (top is not Dictionary<object, object> dict)
            throw new InvalidDataException($"'{path}' holds a {top?.GetType().Name ?? "None"}, not a state_dict (save model.state_dict(), not the model).");
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, value) in dict)
        {
            if (key is not string name || value is not TensorRef t)
                throw new InvalidDataException($"'{path}': entry '{key}' is a {value?.GetType().Name ?? "None"}, not a tensor.");
            result.Add(new(name, t.Materialize()));
        }
        const string parallel = "module.";
        if (result.Count > 0 && result.All(kv => kv.Key.StartsWith(parallel, StringComparison.Ordinal)))
            result = result.Select(kv => KeyValuePair.Create(kv.Key[parallel.Length..], kv.Value)).ToList();
        return result;
    }

    /// <summary>Storage class names (<c>torch.FloatStorage</c> …) and their types.</summary>
    private static readonly Dictionary<string, ScalarType> StorageTypes = new()
    {
        ["FloatStorage"] = ScalarType.Float32, ["DoubleStorage"] = ScalarType.Float64, ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16, ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16, ["CharStorage"] = ScalarType.Int8, ["ByteStorage"] = ScalarType.Byte, ["BoolStorage"] = ScalarType.Bool,
    };

    private static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private sealed record Global(string Module, string Name);

    private sealed class Storage(string key, ScalarType type, long elements)
    {
        public string Key { get; } = key;
        public ScalarType Type { get; } = type;
        public long Elements { get; } = elements;
        public int ElementSize => PyTorchCheckpoint.ElementSize(Type);
        public byte[]? Bytes { get; set; }
    }

    private sealed record TensorRef(Storage Storage, long Offset, long[] Shape, long[] Stride)
    {
        public Tensor Materialize()
        {
            var bytes = Storage.Bytes ?? throw new InvalidDataException($"storage '{Storage.Key}' has no data");
            long elements = bytes.Length / Storage.ElementSize;
            if (Shape.Length != Stride.Length || Shape.Any(n => n < 0) || Stride.Any(s => s < 0) || Offset < 0)
                throw new InvalidDataException($"a tensor has shape [{string.Join(", ", Shape)}], stride [{string.Join(", ", Stride)}], offset {Offset}");
            long last = checked(Offset + Shape.Zip(Stride, (n, s) => n == 0 ? 0 : (n - 1) * s).Sum());
            if (Shape.All(n => n > 0) && last >= elements)
                throw new InvalidDataException($"a tensor [{string.Join(", ", Shape)}] at offset {Offset} lies outside its storage '{Storage.Key}' of {elements} elements");
            using var flat = empty(elements, Storage.Type);
            flat.bytes = bytes;
            return flat.as_strided(Shape, Stride, Offset).clone();
        }
    }

    /// <summary>A pickle virtual machine for protocols 2–5 that knows only what a state_dict needs.</summary>
    private sealed class PickleReader(Stream stream)
    {
        private readonly BinaryReader input = new(stream, Encoding.UTF8, leaveOpen: true);
        private readonly List<object?> stack = [];
        private readonly Stack<int> marks = new();
        private readonly Dictionary<long, object?> memo = [];

        public Dictionary<string, Storage> Storages { get; } = [];

        public object Load()
        {
            while (true)
            {
                byte op = input.ReadByte();
                switch (op)
                {
                    case 0x80: input.ReadByte(); break;                                    // PROTO
                    case 0x95: input.ReadInt64(); break;                                   // FRAME
                    case (byte)'.': return Pop() ?? throw new InvalidDataException("the pickle holds None");  // STOP
                    case (byte)'(': marks.Push(stack.Count); break;                        // MARK
                    case (byte)'N': Push(null); break;
                    case 0x88: Push(true); break;
                    case 0x89: Push(false); break;
                    case (byte)'J': Push((long)input.ReadInt32()); break;                  // BININT
                    case (byte)'K': Push((long)input.ReadByte()); break;                   // BININT1
                    case (byte)'M': Push((long)input.ReadUInt16()); break;                 // BININT2
                    case 0x8a: Push(Long(input.ReadBytes(input.ReadByte()))); break;      // LONG1
                    case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(input.ReadBytes(8))); break; // BINFLOAT
                    case (byte)'X': Push(Text(input.ReadInt32())); break;                  // BINUNICODE
                    case 0x8c: Push(Text(input.ReadByte())); break;                        // SHORT_BINUNICODE
                    case (byte)'T': Push(Text(input.ReadInt32())); break;                  // BINSTRING
                    case (byte)'U': Push(Text(input.ReadByte())); break;                   // SHORT_BINSTRING
                    case (byte)'B': Push(input.ReadBytes(input.ReadInt32())); break;       // BINBYTES
                    case (byte)'C': Push(input.ReadBytes(input.ReadByte())); break;        // SHORT_BINBYTES
                    case (byte)')': Push(Array.Empty<object?>()); break;                   // EMPTY_TUPLE
                    case (byte)']': Push(new List<object>()); break;                       // EMPTY_LIST
                    case (byte)'}': Push(new Dictionary<object, object>()); break;         // EMPTY_DICT
                    case (byte)'t': Push(PopMark().ToArray()); break;                      // TUPLE
                    case 0x85: Push(new[] { Pop() }); break;                               // TUPLE1
                    case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                    case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                    case (byte)'a': { var v = Pop(); ((List<object>)Peek()!).Add(v!); break; }         // APPEND
                    case (byte)'e': { var items = PopMark(); ((List<object>)Peek()!).AddRange(items!); break; } // APPENDS
                    case (byte)'s': { var v = Pop(); var k = Pop(); SetItem(Peek(), k, v); break; }    // SETITEM
                    case (byte)'u':                                                                      // SETITEMS
                    {
                        var items = PopMark();
                        for (int i = 0; i + 1 < items.Count; i += 2) SetItem(Peek(), items[i], items[i + 1]);
                        break;
                    }
                    case (byte)'q': memo[input.ReadByte()] = Peek(); break;                // BINPUT
                    case (byte)'r': memo[input.ReadUInt32()] = Peek(); break;              // LONG_BINPUT
                    case 0x94: memo[memo.Count] = Peek(); break;                           // MEMOIZE
                    case (byte)'h': Push(Memo(input.ReadByte())); break;                   // BINGET
                    case (byte)'j': Push(Memo(input.ReadUInt32())); break;                 // LONG_BINGET
                    case (byte)'c': Push(new Global(Line(), Line())); break;               // GLOBAL
                    case 0x93: { var name = (string)Pop()!; Push(new Global((string)Pop()!, name)); break; } // STACK_GLOBAL
                    case (byte)'Q': Push(PersistentLoad((object?[])Pop()!)); break;        // BINPERSID
                    case (byte)'R': { var args = (object?[])Pop()!; Push(Call((Global)Pop()!, args)); break; } // REDUCE
                    case (byte)'b': Pop(); break;                                          // BUILD: an OrderedDict's _metadata, not needed
                    default: throw new InvalidDataException($"pickle opcode 0x{op:x2} is not allowed in a state_dict");
                }
            }
        }

        private void Push(object? value) => stack.Add(value);

        private object? Peek() => stack.Count > 0 ? stack[^1] : throw new InvalidDataException("pickle stack underflow");

        private object? Pop()
        {
            var value = Peek();
            stack.RemoveAt(stack.Count - 1);
            return value;
        }

        private List<object?> PopMark()
        {
            if (marks.Count == 0) throw new InvalidDataException("pickle MARK missing");
            int start = marks.Pop();
            var items = stack.GetRange(start, stack.Count - start);
            stack.RemoveRange(start, stack.Count - start);
            return items;
        }

        private object? Memo(long index) => memo.TryGetValue(index, out var v) ? v : throw new InvalidDataException($"pickle memo {index} is not set");

        private string Text(int length) => length < 0 || length > stream.Length - stream.Position
            ? throw new EndOfStreamException("a pickled string runs past the end")
            : Encoding.UTF8.GetString(input.ReadBytes(length));

        private string Line()
        {
            var text = new StringBuilder();
            for (char c; (c = (char)input.ReadByte()) != '\n';) text.Append(c);
            return text.ToString();
        }

        private static object Long(byte[] bytes)
        {
            var value = new System.Numerics.BigInteger(bytes, isUnsigned: false, isBigEndian: false);
            return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
        }

        private static void SetItem(object? target, object? key, object? value)
        {
            if (target is not Dictionary<object, object> dict || key is null) throw new InvalidDataException("pickle SETITEM outside a dictionary");
            dict[key] = value!;
        }

        private Storage PersistentLoad(object?[] id)
        {
            // ('storage', torch.<Type>Storage, key, location, elements[, view metadata])
            if (id.Length < 5 || id[0] is not "storage" || id[1] is not Global { Module: "torch" } type || !StorageTypes.TryGetValue(type.Name, out var scalar))
                throw new InvalidDataException($"unknown persistent id ({string.Join(", ", id.Select(x => x?.ToString()))})");
            string key = (string)id[2]!;
            if (!Storages.TryGetValue(key, out var storage)) Storages[key] = storage = new Storage(key, scalar, (long)id[4]!);
            return storage;
        }

        private static object Call(Global f, object?[] args)
        {
            static long[] Longs(object? tuple) => ((object?[])tuple!).Select(v => (long)v!).ToArray();
            return (f.Module, f.Name) switch
            {
                ("collections", "OrderedDict") => new Dictionary<object, object>(),
                ("torch._utils", "_rebuild_tensor" or "_rebuild_tensor_v2") => new TensorRef((Storage)args[0]!, (long)args[1]!, Longs(args[2]), Longs(args[3])),
                ("torch._utils", "_rebuild_parameter") => args[0]!,
                _ => throw new InvalidDataException($"the pickle calls {f.Module}.{f.Name}, which a state_dict of tensors does not need (only weights are read)"),
            };
        }
    }

    /// <summary>Writes the pickle of an <c>OrderedDict</c> of tensors (protocol 2) with persistent storage ids 0, 1, ….</summary>
    private sealed class PickleWriter
    {
        private readonly MemoryStream output = new();

        public byte[] ToArray() => output.ToArray();

        public void StateDict(IReadOnlyList<KeyValuePair<string, Tensor>> items)
        {
            output.Write([0x80, 2]);
            Global("collections", "OrderedDict");
            output.Write([(byte)')', (byte)'R', (byte)'(']);
            for (int i = 0; i < items.Count; i++)
            {
                var (name, t) = items[i];
                string storage = StorageTypes.FirstOrDefault(kv => kv.Value == t.dtype).Key
                                 ?? throw new NotSupportedException($"Tensor '{name}' has type {t.dtype}, which has no PyTorch storage class here.");
                String(name);
                Global("torch._utils", "_rebuild_tensor_v2");
                output.WriteByte((byte)'(');
                output.WriteByte((byte)'(');                                                 // the persistent id tuple
                String("storage"); Global("torch", storage); String(i.ToString()); String("cpu"); Int(t.numel());
                output.Write([(byte)'t', (byte)'Q']);
                Int(0);
                Tuple(t.shape);
                Tuple(ContiguousStrides(t.shape));
                output.WriteByte(0x89);                                                      // requires_grad False
                Global("collections", "OrderedDict");
                output.Write([(byte)')', (byte)'R', (byte)'t', (byte)'R']);                  // backward hooks; call
            }
            output.Write([(byte)'u', (byte)'.']);
        }

        private static long[] ContiguousStrides(long[] shape)
        {
            var strides = new long[shape.Length];
            long s = 1;
            for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
            return strides;
        }

        private void Tuple(long[] values)
        {
            output.WriteByte((byte)'(');
            foreach (long v in values) Int(v);
            output.WriteByte((byte)'t');
        }

        private void Int(long value)
        {
            output.WriteByte((byte)'J');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, checked((int)value));
            output.Write(b);
        }

        private void String(string value)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            output.WriteByte((byte)'X');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, bytes.Length);
            output.Write(b);
            output.Write(bytes);
        }

        private void Global(string module, string name) => output.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));
    }
}
