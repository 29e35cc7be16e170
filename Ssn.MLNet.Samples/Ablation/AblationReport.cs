using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ssn.MLNet.Samples.Reporting;

namespace Ssn.MLNet.Samples.Ablation;

/// <summary>How a column's values are shown in the markdown table (the JSON always holds the raw value).</summary>
public enum ColumnFormat
{
    /// <summary>Text as is.</summary>
    Text,

    /// <summary>A fraction in [0, 1] shown as a percentage with one decimal (the paper's mIoU/AP style); JSON keeps the fraction.</summary>
    Percent,

    /// <summary>A number with one decimal.</summary>
    Number1,

    /// <summary>A number with two decimals.</summary>
    Number2,

    /// <summary>An integer.</summary>
    Integer,

    /// <summary>A boolean shown as ✓ or blank (the paper's Table 3 marks).</summary>
    Check,
}

/// <summary>One column of an ablation table.</summary>
/// <param name="Key">JSON property name of the value in each row.</param>
/// <param name="Header">Markdown header.</param>
/// <param name="Format">How the markdown shows the value.</param>
public sealed record AblationColumn(string Key, string Header, ColumnFormat Format);

/// <summary>
/// A finished ablation table: caption, columns, rows and the run's facts; writes itself as markdown
/// (<c>tableN.md</c>) and JSON (<c>tableN.json</c>), each through a temporary file and a rename.
/// </summary>
public sealed class AblationReport
{
    /// <summary>The paper's table number (1, 3, 5 or 6).</summary>
    public required int Table { get; init; }

    /// <summary>One-line title.</summary>
    public required string Title { get; init; }

    /// <summary>What was measured, on what, and how (markdown paragraph under the table).</summary>
    public required string Caption { get; init; }

    /// <summary>Columns in display order.</summary>
    public required IReadOnlyList<AblationColumn> Columns { get; init; }

    /// <summary>Rows: values by column key (and possibly further keys that only the JSON shows); null = not defined.</summary>
    public List<Dictionary<string, object?>> Rows { get; } = new();

    /// <summary>Run facts written at the top level of the JSON (seed, budget, epochs, dataset, image size, timing setup …).</summary>
    public JsonObject Facts { get; } = new();

    /// <summary>The markdown document: title, table, caption.</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("**Table ").Append(Table).Append(" (ablation).** ").AppendLine(Title).AppendLine();
        sb.Append("| ").AppendJoin(" | ", Columns.Select(c => c.Header)).AppendLine(" |");
        sb.Append("| ").AppendJoin(" | ", Columns.Select(c => c.Format == ColumnFormat.Text ? "---" : c.Format == ColumnFormat.Check ? ":---:" : "---:")).AppendLine(" |");
        foreach (var row in Rows)
            sb.Append("| ").AppendJoin(" | ", Columns.Select(c => Show(row.GetValueOrDefault(c.Key), c.Format))).AppendLine(" |");
        sb.AppendLine().AppendLine(Caption);
        return sb.ToString();
    }

    /// <summary>The JSON document: <see cref="Facts"/>, title, caption, column list and rows (NaN/∞ as null).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["table"] = Table, ["title"] = Title, ["caption"] = Caption };
        foreach (var (key, value) in Facts) json[key] = value?.DeepClone();
        json["columns"] = new JsonArray(Columns.Select(c => (JsonNode?)new JsonObject { ["key"] = c.Key, ["header"] = c.Header }).ToArray());
        json["rows"] = new JsonArray(Rows.Select(r => (JsonNode?)RowJson(r)).ToArray());
        return json;
    }

    /// <summary>Writes <c>table{N}.md</c> and <c>table{N}.json</c> into <paramref name="directory"/>; returns their paths.</summary>
    public (string Markdown, string Json) Write(string directory)
    {
        string md = Path.Combine(Path.GetFullPath(directory), $"table{Table}.md");
        string js = Path.Combine(Path.GetFullPath(directory), $"table{Table}.json");
        Ssn.MLNet.Imaging.AtomicFile.WriteAllBytes(md, Encoding.UTF8.GetBytes(ToMarkdown()));
        Ssn.MLNet.Imaging.AtomicFile.WriteAllBytes(js, JsonSerializer.SerializeToUtf8Bytes(ToJson(), new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return (md, js);
    }

    private static JsonObject RowJson(Dictionary<string, object?> row)
    {
        var o = new JsonObject();
        foreach (var (key, value) in row) o[key] = ToNode(value);
        return o;
    }

    /// <summary>A JSON value: numbers rounded to 6 decimals, NaN/∞ as null, JSON nodes as they are.</summary>
    internal static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        double d => MetricsReport.Number(d),
        float f => MetricsReport.Number(f),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        _ => JsonValue.Create(value.ToString()),
    };

    private static string Show(object? value, ColumnFormat format)
    {
        if (value is null) return "n/a";
        if (format == ColumnFormat.Check) return value is true ? "✓" : "";
        if (format == ColumnFormat.Text || value is string) return value.ToString()!.Replace("|", "\\|");
        double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (!double.IsFinite(d)) return "n/a";
        return format switch
        {
            ColumnFormat.Percent => (100 * d).ToString("F1", CultureInfo.InvariantCulture),
            ColumnFormat.Number1 => d.ToString("F1", CultureInfo.InvariantCulture),
            ColumnFormat.Number2 => d.ToString("F2", CultureInfo.InvariantCulture),
            ColumnFormat.Integer => Math.Round(d).ToString("F0", CultureInfo.InvariantCulture),
            _ => d.ToString(CultureInfo.InvariantCulture),
        };
    }
}
