using System.Buffers.Binary;
using System.Text;

namespace Ssn.MLNet.Trainers.OnnxExport;

/// <summary>
/// A minimal protocol-buffers encoder for the subset of <c>onnx.proto</c> the exporter writes: ModelProto,
/// GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto (field numbers from onnx/onnx's
/// <c>onnx.proto3</c>). Only writing is needed, so no protobuf library is referenced.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream buffer = new();

    public byte[] ToArray() => buffer.ToArray();

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        buffer.WriteByte((byte)value);
    }

    /// <summary>An int32/int64/enum field (wire type 0; negative values as 10-byte two's complement).</summary>
    public ProtoWriter Int(int field, long value)
    {
        Tag(field, 0);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A float field (wire type 5).</summary>
    public ProtoWriter Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        buffer.Write(b);
        return this;
    }

    /// <summary>A bytes field (wire type 2).</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        Varint((ulong)value.Length);
        buffer.Write(value);
        return this;
    }

    /// <summary>A string field (UTF-8).</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message field.</summary>
    public ProtoWriter Message(int field, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        return Bytes(field, inner.buffer.GetBuffer().AsSpan(0, (int)inner.buffer.Length));
    }

    /// <summary>A packed repeated int64 field.</summary>
    public ProtoWriter PackedInts(int field, IEnumerable<long> values)
    {
        var inner = new ProtoWriter();
        foreach (var v in values) inner.Varint(unchecked((ulong)v));
        return Bytes(field, inner.buffer.GetBuffer().AsSpan(0, (int)inner.buffer.Length));
    }

    /// <summary>A packed repeated float field.</summary>
    public ProtoWriter PackedFloats(int field, IReadOnlyList<float> values)
    {
        var bytes = new byte[4 * values.Count];
        for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return Bytes(field, bytes);
    }
}

/// <summary>ONNX <c>TensorProto.DataType</c> values used by the exporter.</summary>
internal enum OnnxDataType
{
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
}

/// <summary>An ONNX attribute value: int, float, string, ints or floats.</summary>
internal sealed record OnnxAttribute(string Name, object Value)
{
    // AttributeProto: name = 1, f = 2, i = 3, s = 4, floats = 7, ints = 8, type = 20.
    public void Write(ProtoWriter w)
    {
        w.String(1, Name);
        switch (Value)
        {
            case float f: w.Float(2, f).Int(20, 1); break;
            case int or long: w.Int(3, Convert.ToInt64(Value)).Int(20, 2); break;
            case string s: w.String(4, s).Int(20, 3); break;
            case long[] ints: w.PackedInts(8, ints).Int(20, 7); break;
            case float[] floats: w.PackedFloats(7, floats).Int(20, 6); break;
            default: throw new NotSupportedException($"ONNX attribute '{Name}': unsupported value type {Value.GetType().Name}.");
        }
    }
}

/// <summary>An ONNX node.</summary>
internal sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<OnnxAttribute> Attributes)
{
    // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
    public void Write(ProtoWriter w)
    {
        foreach (var i in Inputs) w.String(1, i);
        foreach (var o in Outputs) w.String(2, o);
        w.String(3, Name).String(4, OpType);
        foreach (var a in Attributes) w.Message(5, a.Write);
    }
}

/// <summary>An initializer (constant tensor), raw little-endian data.</summary>
internal sealed record OnnxTensor(string Name, OnnxDataType Type, long[] Dims, byte[] RawData)
{
    // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
    public void Write(ProtoWriter w)
    {
        if (Dims.Length > 0) w.PackedInts(1, Dims);
        w.Int(2, (int)Type).String(8, Name).Bytes(9, RawData);
    }

    public static OnnxTensor FromFloats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        return new OnnxTensor(name, OnnxDataType.Float, dims, raw);
    }

    public static OnnxTensor FromInt32s(string name, long[] dims, ReadOnlySpan<int> values)
    {
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(4 * i), values[i]);
        return new OnnxTensor(name, OnnxDataType.Int32, dims, raw);
    }

    public static OnnxTensor FromInt64s(string name, long[] dims, ReadOnlySpan<long> values)
    {
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8 * i), values[i]);
        return new OnnxTensor(name, OnnxDataType.Int64, dims, raw);
    }
}

/// <summary>A graph input or output: name, element type, and dims (a number, or a symbolic name).</summary>
internal sealed record OnnxValueInfo(string Name, OnnxDataType Type, IReadOnlyList<object>? Dims)
{
    // ValueInfoProto: name = 1, type = 2. TypeProto: tensor_type = 1. TypeProto.Tensor: elem_type = 1, shape = 2.
    // TensorShapeProto: dim = 1. Dimension: dim_value = 1, dim_param = 2.
    public void Write(ProtoWriter w) =>
        w.String(1, Name).Message(2, t => t.Message(1, tt =>
        {
            tt.Int(1, (int)Type);
            if (Dims is null) return; // unknown shape
            tt.Message(2, shape =>
            {
                foreach (var d in Dims)
                    shape.Message(1, dim => { if (d is string s) dim.String(2, s); else dim.Int(1, Convert.ToInt64(d)); });
            });
        }));
}
