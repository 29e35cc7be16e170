using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// The name of an encoder family (<see cref="SsnNetworkOptions.Architecture"/>): one of the architectures registered in
/// <see cref="SegmentationArchitectures"/> — the built-in ones below (paper Table 1), each declared by its folder, or one
/// an application registers. Compared and parsed without regard to case; written to JSON as its name.
/// </summary>
[JsonConverter(typeof(ArchitectureJsonConverter))]
public readonly record struct Architecture : ISpanParsable<Architecture>
{
    private readonly string? name;

    /// <summary>An architecture name (letters, digits, '-' or '_').</summary>
    /// <exception cref="ArgumentException">The name is empty or has other characters.</exception>
    public Architecture(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"'{name}' is not an architecture name (letters, digits, '-' or '_').", nameof(name));
        this.name = name;
    }

    /// <summary>The Spatial Sampling Network's encoder (paper §5), <c>SsnEncoder</c> (folder <c>Modeling/Ssn</c>).</summary>
    public static Architecture Ssn { get; } = new("Ssn");

    /// <summary>ERFNet (Romera et al. 2018, the paper's [48]), <c>ErfnetEncoder</c> (folder <c>Modeling/Erfnet</c>).</summary>
    public static Architecture Erfnet { get; } = new("Erfnet");

    /// <summary>ENet (Paszke et al. 2016, the paper's [43]), <c>EnetEncoder</c> (folder <c>Modeling/Enet</c>).</summary>
    public static Architecture Enet { get; } = new("Enet");

    /// <summary>ESPNet (Mehta et al. 2018, the paper's [40]), <c>EspnetEncoder</c> (folder <c>Modeling/Espnet</c>).</summary>
    public static Architecture Espnet { get; } = new("Espnet");

    /// <summary>The name (<c>Ssn</c> for the default value).</summary>
    public string Name => name ?? "Ssn";

    /// <inheritdoc />
    public bool Equals(Architecture other) => string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Name);

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>The registered architecture called <paramref name="s"/> (any case), by its registered spelling.</summary>
    /// <exception cref="FormatException">No architecture of that name is registered (the message lists those that are).</exception>
    public static Architecture Parse(string s, IFormatProvider? provider = null) =>
        TryParse(s, provider, out var result) ? result
            : throw new FormatException($"Unknown architecture '{s}'; registered: {string.Join(", ", SegmentationArchitectures.All.Select(a => a.Name))}.");

    /// <inheritdoc />
    public static Architecture Parse(ReadOnlySpan<char> s, IFormatProvider? provider) => Parse(s.ToString(), provider);

    /// <inheritdoc />
    public static bool TryParse(string? s, IFormatProvider? provider, out Architecture result)
    {
        result = default;
        if (s is null || !SegmentationArchitectures.TryGet(s, out var found)) return false;
        result = found.Name;
        return true;
    }

    /// <inheritdoc />
    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Architecture result) => TryParse(s.ToString(), provider, out result);
}

/// <summary>Writes an <see cref="Architecture"/> as its name; reads a name, or the number an options file written before
/// 0.1.0 holds (0 Ssn, 1 Erfnet, 2 Enet, 3 Espnet).</summary>
internal sealed class ArchitectureJsonConverter : JsonConverter<Architecture>
{
    public override Architecture Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => Architecture.TryParse(reader.GetString(), null, out var a) ? a
            : throw new JsonException($"Unknown architecture '{reader.GetString()}'; registered: {string.Join(", ", SegmentationArchitectures.All.Select(x => x.Name))}."),
        JsonTokenType.Number when reader.TryGetInt32(out int i) && i is >= 0 and < 4 => new[] { Architecture.Ssn, Architecture.Erfnet, Architecture.Enet, Architecture.Espnet }[i],
        _ => throw new JsonException($"An architecture is a name, not {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, Architecture value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
