using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ssn.MLNet.Trainers.Modeling.Import;

namespace Ssn.MLNet.Trainers.Modeling;

/// <summary>
/// An encoder family and what belongs to it, declared by the architecture's own folder (as segmentation_models.pytorch's
/// encoder registry): its name, its options record, its encoder, its original decoder and the tensor names of its
/// reference implementation. <see cref="SegmentationModels"/> builds every network through these; adding an
/// architecture is adding a folder with one such class (found by <see cref="SegmentationArchitectures"/>).
/// </summary>
public interface ISegmentationArchitecture
{
    /// <summary>The name in options, JSON and on the command line (<c>--architecture</c>).</summary>
    Architecture Name { get; }

    /// <summary>One line for listings (the paper and what is built).</summary>
    string Description { get; }

    /// <summary>The architecture's own options record (in <see cref="SsnNetworkOptions.ArchitectureOptions"/>), or null when it has none.</summary>
    Type? OptionsType => null;

    /// <summary>Builds the encoder (<paramref name="options"/> are validated).</summary>
    SegmentationEncoder CreateEncoder(SsnNetworkOptions options);

    /// <summary>Builds the architecture's own decoder (<see cref="DecoderKind.Original"/>) for <paramref name="encoder"/>.</summary>
    SegmentationDecoder CreateOriginalDecoder(SegmentationEncoder encoder, int numClasses, SsnNetworkOptions options);

    /// <summary>How its tensor names map to its reference implementation's (default: the same names).</summary>
    ReferenceNameMap ReferenceNames => ReferenceNameMap.Identity;
}

/// <summary>
/// The registry of <see cref="ISegmentationArchitecture"/>s: every such class of this assembly (one per folder of
/// <c>Modeling/</c>) and any an application adds with <see cref="Register"/>.
/// </summary>
public static class SegmentationArchitectures
{
    private static readonly ConcurrentDictionary<string, ISegmentationArchitecture> ByName = new(StringComparer.OrdinalIgnoreCase);

    static SegmentationArchitectures()
    {
        foreach (var type in typeof(SegmentationArchitectures).Assembly.GetTypes()
                     .Where(t => typeof(ISegmentationArchitecture).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
                     .OrderBy(t => t.FullName, StringComparer.Ordinal))
            Register((ISegmentationArchitecture)Activator.CreateInstance(type, nonPublic: true)!);
    }

    /// <summary>The registered architectures, the built-in ones first.</summary>
    public static IReadOnlyList<ISegmentationArchitecture> All =>
        ByName.Values.OrderBy(a => BuiltIn.IndexOf(a.Name) is var i and >= 0 ? i : BuiltIn.Count).ThenBy(a => a.Name.Name, StringComparer.Ordinal).ToArray();

    private static readonly List<Architecture> BuiltIn = [Architecture.Ssn, Architecture.Erfnet, Architecture.Enet, Architecture.Espnet];

    /// <summary>Adds an architecture (its name must be new).</summary>
    /// <exception cref="ArgumentException">An architecture of that name is registered, or its options type is not an <see cref="ArchitectureOptions"/>.</exception>
    public static void Register(ISegmentationArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (architecture.OptionsType is { } t && !typeof(ArchitectureOptions).IsAssignableFrom(t))
            throw new ArgumentException($"{architecture.Name}'s options type {t.Name} must derive from {nameof(ArchitectureOptions)}.", nameof(architecture));
        if (!ByName.TryAdd(architecture.Name.Name, architecture))
            throw new ArgumentException($"An architecture named '{architecture.Name}' is registered already.", nameof(architecture));
    }

    /// <summary>The architecture called <paramref name="name"/> (any case).</summary>
    public static bool TryGet(string name, out ISegmentationArchitecture architecture) => ByName.TryGetValue(name, out architecture!);

    /// <summary>The architecture called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">None is registered under that name (the message lists those that are).</exception>
    public static ISegmentationArchitecture Get(Architecture name) => TryGet(name.Name, out var a) ? a
        : throw new ArgumentOutOfRangeException(nameof(name), name.Name, $"Unknown architecture; registered: {string.Join(", ", All.Select(x => x.Name))}.");
}

/// <summary>
/// Options that belong to one architecture (e.g. <c>EspnetOptions</c>), declared in its folder and carried by
/// <see cref="SsnNetworkOptions.ArchitectureOptions"/>; in JSON an object whose <c>kind</c> names the architecture.
/// </summary>
public abstract record ArchitectureOptions
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public virtual void Validate()
    {
    }
}

/// <summary>Writes an <see cref="ArchitectureOptions"/> with a <c>kind</c> naming its architecture; reads it back as the
/// options type that architecture declares.</summary>
internal sealed class ArchitectureOptionsJsonConverter : JsonConverter<ArchitectureOptions>
{
    private const string Kind = "kind";

    public override ArchitectureOptions? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var node = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("Architecture options must be a JSON object.");
        string kind = node[Kind]?.GetValue<string>() ?? throw new JsonException($"Architecture options need a '{Kind}' naming the architecture.");
        if (!SegmentationArchitectures.TryGet(kind, out var architecture) || architecture.OptionsType is not { } type)
            throw new JsonException($"Architecture options of kind '{kind}': no registered architecture of that name has options.");
        node.Remove(Kind);
        return (ArchitectureOptions?)node.Deserialize(type, options);
    }

    public override void Write(Utf8JsonWriter writer, ArchitectureOptions value, JsonSerializerOptions options)
    {
        var architecture = SegmentationArchitectures.All.FirstOrDefault(a => a.OptionsType == value.GetType())
            ?? throw new JsonException($"{value.GetType().Name} is the options type of no registered architecture.");
        var node = JsonSerializer.SerializeToNode(value, value.GetType(), options)!.AsObject();
        var written = new JsonObject { [Kind] = architecture.Name.Name };
        foreach (var (key, child) in node.ToArray())
        {
            node.Remove(key);
            written[key] = child;
        }
        written.WriteTo(writer, options);
    }
}
