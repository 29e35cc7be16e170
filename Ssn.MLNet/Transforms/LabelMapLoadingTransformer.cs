using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Data;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.MLNetInterop;

namespace Ssn.MLNet.Transforms;

/// <summary>How the pixel values of label PNGs are read.</summary>
public enum LabelMapEncoding
{
    /// <summary>8-bit PNG of train ids (0…C−1, 255 = ignore) → <c>VBuffer&lt;byte&gt;</c>.</summary>
    TrainIds,
    /// <summary>8-bit Cityscapes <c>*_labelIds.png</c>, mapped to the 19 train ids (others 255) → <c>VBuffer&lt;byte&gt;</c>.</summary>
    CityscapesLabelIds,
    /// <summary>16-bit instance PNG (Cityscapes <c>*_instanceIds.png</c>), values kept exactly → <c>VBuffer&lt;int&gt;</c>.</summary>
    InstanceIds16,
}

/// <summary>
/// Loads label maps from PNG files named by a text column, lazily per row (like ML.NET's <c>LoadImages</c>), so a
/// pipeline can start from a list of image and label paths. 16-bit PNGs keep their values (SkiaSharp cannot).
/// </summary>
public sealed class LabelMapLoadingTransformer : OneColumnTransformer, ISsnModelLoadable
{
    /// <summary>Creates the transformer.</summary>
    /// <param name="outputColumnName">The added column (default "Label").</param>
    /// <param name="pathColumnName">Text column with the PNG paths, relative to <paramref name="folder"/> when given.</param>
    /// <param name="folder">Folder the paths are relative to, or null.</param>
    /// <param name="encoding">How pixel values are read.</param>
    public LabelMapLoadingTransformer(string outputColumnName, string pathColumnName, string? folder = null, LabelMapEncoding encoding = LabelMapEncoding.TrainIds)
    {
        if (string.IsNullOrWhiteSpace(outputColumnName)) throw new ArgumentOutOfRangeException(nameof(outputColumnName), "The output column name is empty.");
        if (string.IsNullOrWhiteSpace(pathColumnName)) throw new ArgumentOutOfRangeException(nameof(pathColumnName), "The path column name is empty.");
        OutputColumnName = outputColumnName;
        PathColumnName = pathColumnName;
        Folder = folder;
        Encoding = encoding;
    }

    /// <inheritdoc />
    public override string OutputColumnName { get; }

    /// <summary>The text column holding the paths.</summary>
    public string PathColumnName { get; }

    /// <summary>Folder the paths are relative to, or null.</summary>
    public string? Folder { get; }

    /// <summary>How pixel values are read.</summary>
    public LabelMapEncoding Encoding { get; }

    /// <inheritdoc />
    protected override IReadOnlyList<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema) =>
        new[] { RequireColumn(inputSchema, PathColumnName, t => t is TextDataViewType, "a text column of PNG paths") };

    /// <inheritdoc />
    protected override DataViewType OutputType(DataViewSchema inputSchema) =>
        new VectorDataViewType(Encoding == LabelMapEncoding.InstanceIds16 ? NumberDataViewType.Int32 : NumberDataViewType.Byte);

    /// <inheritdoc />
    protected override Delegate MakeGetter(DataViewRow input)
    {
        var getPath = input.GetGetter<ReadOnlyMemory<char>>(input.Schema[PathColumnName]);
        string Path()
        {
            ReadOnlyMemory<char> p = default;
            getPath(ref p);
            return Folder is null ? p.ToString() : System.IO.Path.Combine(Folder, p.ToString());
        }
        if (Encoding == LabelMapEncoding.InstanceIds16)
            return (ValueGetter<VBuffer<int>>)((ref VBuffer<int> dst) => Copy(LabelPng.ReadGray16(Path()).Data, ref dst));
        var map = CityscapesLabels.LabelIdToTrainId;
        return (ValueGetter<VBuffer<byte>>)((ref VBuffer<byte> dst) =>
        {
            var values = LabelPng.ReadGray8(Path()).Data;
            if (Encoding == LabelMapEncoding.CityscapesLabelIds)
                for (int i = 0; i < values.Length; i++) values[i] = map[values[i]];
            Copy(values, ref dst);
        });
    }

    private static void Copy<T>(T[] values, ref VBuffer<T> dst)
    {
        var editor = VBufferEditor.Create(ref dst, values.Length);
        values.AsSpan().CopyTo(editor.Values);
        dst = editor.Commit();
    }

    /// <inheritdoc />
    public static string LoaderSignature => "SsnLabelMapLoading";

    /// <inheritdoc />
    public static uint ModelVersion => 1;

    private sealed record State(string Output, string Path, string? Folder, LabelMapEncoding Encoding);

    /// <inheritdoc />
    protected override void SaveModel(ModelSaveContext ctx) => SsnModelFormat.Save<LabelMapLoadingTransformer>(ctx,
        body => body.Write(JsonSerializer.Serialize(new State(OutputColumnName, PathColumnName, Folder, Encoding))));

    /// <inheritdoc />
    public static ITransformer Load(IHostEnvironment env, SsnModelLoadContext context)
    {
        var s = JsonSerializer.Deserialize<State>(context.Body.ReadString()) ?? throw new InvalidDataException($"'{context.Entry}' has no state.");
        return new LabelMapLoadingTransformer(s.Output, s.Path, s.Folder, s.Encoding);
    }
}
