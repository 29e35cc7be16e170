using Microsoft.ML;
using Microsoft.ML.Data;
using Ssn.MLNet.Inference;

namespace Ssn.MLNet.Transforms;

/// <summary>Getters of the added columns, reading a prediction supplied per row.</summary>
internal static class SegmentationColumnGetters
{
    /// <summary>
    /// A getter for added column <paramref name="addedIndex"/> (0 = PredictedLabel, 1 = InstanceIds, 2 = classes,
    /// 3 = scores, 4 = areas, 5 = boxes, 6 = Score maps) that reads <paramref name="prediction"/> of the current row.
    /// </summary>
    public static Delegate Create(int addedIndex, Func<SsnPrediction> prediction) => addedIndex switch
    {
        0 => Getter<byte>(() => prediction().Labels),
        1 => Getter<int>(() => prediction().Instances.InstanceIds),
        2 => Getter<int>(() => prediction().Instances.Instances.Select(i => i.ClassId).ToArray()),
        3 => Getter<float>(() => prediction().Instances.Instances.Select(i => i.Score).ToArray()),
        4 => Getter<int>(() => prediction().Instances.Instances.Select(i => i.Area).ToArray()),
        5 => Getter<float>(() => prediction().Instances.Instances.SelectMany(i => new float[] { i.X, i.Y, i.Width, i.Height }).ToArray()),
        6 => Getter<float>(() => prediction().Scores ?? throw new InvalidOperationException("Scores were not computed.")),
        _ => throw new ArgumentOutOfRangeException(nameof(addedIndex)),
    };

    private static ValueGetter<VBuffer<T>> Getter<T>(Func<T[]> values) => (ref VBuffer<T> dst) =>
    {
        var v = values();
        var editor = VBufferEditor.Create(ref dst, v.Length);
        v.AsSpan().CopyTo(editor.Values);
        dst = editor.Commit();
    };

    /// <summary>Typed access to a getter delegate, with a clear error on a wrong type.</summary>
    public static ValueGetter<TValue> Cast<TValue>(Delegate getter, DataViewSchema.Column column) =>
        getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
}
