using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Ssn.MLNet.Data;

namespace Ssn.MLNet.Trainers;

/// <summary>How the cross-entropy weighs classes when <see cref="SpatialSamplingTrainerOptions.ClassWeights"/> is not given.</summary>
public enum ClassWeighting
{
    /// <summary>Every class weighs 1.</summary>
    None,

    /// <summary>
    /// ENet (Paszke et al. 2016): <c>w_c = 1 / ln(1.02 + p_c)</c>, <c>p_c</c> the class's share of all pixels, ignored ones
    /// included in the denominator (as ENet's reference code counts them).
    /// </summary>
    Enet,

    /// <summary>
    /// Median-frequency balancing (Eigen &amp; Fergus 2015, SegNet's CamVid weights): <c>w_c = median(f) / f_c</c>, where
    /// <c>f_c</c> is the class's pixels divided by all pixels of the images in which it appears.
    /// </summary>
    MedianFrequency,
}

/// <summary>Label statistics of a training split: what <see cref="ClassWeighting"/> needs.</summary>
/// <param name="Pixels">Labelled pixels per class.</param>
/// <param name="PixelsOfImagesWithClass">Per class, all pixels (ignored ones included) of the images that contain it.</param>
/// <param name="TotalPixels">All pixels counted, ignored ones included.</param>
/// <param name="Images">Images counted.</param>
public sealed record LabelHistogram(long[] Pixels, long[] PixelsOfImagesWithClass, long TotalPixels, int Images);

/// <summary>
/// Class weights for the cross-entropy from the training labels. The histogram of a file-based dataset is counted once
/// and cached outside the data folder (which may be read-only), keyed by every label file's path, size and time stamp,
/// so a changed dataset is recounted.
/// </summary>
public static class ClassBalance
{
    /// <summary>Environment variable that overrides the cache folder (default: the user's cache folder, <c>ssn-mlnet/</c>: <c>label-histograms/</c>, the zoo's <c>pretrained/</c>).</summary>
    public const string CacheDirectoryVariable = "SSN_MLNET_CACHE";

    /// <summary>The weights of <paramref name="weighting"/> for <paramref name="histogram"/>; null for <see cref="ClassWeighting.None"/>.</summary>
    public static float[]? Weights(LabelHistogram histogram, ClassWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var n = histogram.Pixels;
        if (weighting != ClassWeighting.None && n.Sum() == 0)
            throw new InvalidDataException("The training labels have no labelled pixel: class weights cannot be computed.");
        switch (weighting)
        {
            case ClassWeighting.None:
                return null;
            case ClassWeighting.Enet:
                return n.Select(c => (float)(1.0 / Math.Log(1.02 + (double)c / histogram.TotalPixels))).ToArray();
            case ClassWeighting.MedianFrequency:
                var f = n.Select((c, i) => histogram.PixelsOfImagesWithClass[i] == 0 ? double.NaN : (double)c / histogram.PixelsOfImagesWithClass[i]).ToArray();
                var present = f.Where(v => !double.IsNaN(v)).Order().ToArray();
                double median = present.Length % 2 == 1 ? present[present.Length / 2] : (present[present.Length / 2 - 1] + present[present.Length / 2]) / 2;
                // A class absent from the split gets the largest weight of the present ones (it cannot be balanced).
                double absent = median / present[0];
                return f.Select(v => (float)(double.IsNaN(v) ? absent : median / v)).ToArray();
            default:
                throw new ArgumentOutOfRangeException(nameof(weighting), weighting, $"Unknown {nameof(ClassWeighting)}.");
        }
    }

    /// <summary>
    /// Counts the train ids of <paramref name="labelColumn"/> (values ≥ <paramref name="classes"/> are ignored labels).
    /// For a <see cref="SegmentationDataSource"/> the result is cached (see <see cref="CacheDirectoryVariable"/>).
    /// </summary>
    public static LabelHistogram Count(IDataView data, string labelColumn, int classes, IChannel? log = null, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        string? cache = data is SegmentationDataSource source ? CachePath(source, labelColumn, classes) : null;
        if (cache is not null && TryRead(cache, classes) is { } cached)
        {
            log?.Info(MessageSensitivity.None, $"Class histogram of {cached.Images} label maps read from the cache '{cache}'.");
            return cached;
        }
        var column = data.Schema.GetColumnOrNull(labelColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumn), $"The training data has no column '{labelColumn}' to count classes in.");
        var pixels = new long[classes];
        var withClass = new long[classes];
        var inImage = new long[classes];
        int images = 0;
        long total = 0, rows = data.GetRowCount() ?? -1;
        using (var cursor = data.GetRowCursor(new[] { column }))
        {
            var get = cursor.GetGetter<VBuffer<byte>>(column);
            VBuffer<byte> labels = default;
            while (cursor.MoveNext())
            {
                token.ThrowIfCancellationRequested();
                get(ref labels);
                Array.Clear(inImage);
                total += labels.Length;
                foreach (byte v in labels.DenseValues())
                    if (v < classes) inImage[v]++;
                for (int c = 0; c < classes; c++)
                {
                    pixels[c] += inImage[c];
                    if (inImage[c] > 0) withClass[c] += labels.Length;
                }
                images++;
                if (log is not null && (images % 100 == 0 || images == rows))
                    log.Info(MessageSensitivity.None, $"Counting classes: {images}{(rows > 0 ? $"/{rows}" : "")} label maps.");
            }
        }
        var histogram = new LabelHistogram(pixels, withClass, total, images);
        if (cache is not null) TryWrite(cache, histogram, log);
        return histogram;
    }

    /// <summary>The cache file of <paramref name="source"/>: a hash of every label file's path, size and time stamp.</summary>
    private static string CachePath(SegmentationDataSource source, string labelColumn, int classes)
    {
        var key = new StringBuilder($"v2|{source.GetType().Name}|{labelColumn}|{classes}");
        foreach (var row in source.Rows)
        {
            var file = new FileInfo(row.Label);
            key.Append('|').Append(file.FullName).Append('|').Append(file.Exists ? file.Length : -1)
               .Append('|').Append(file.Exists ? file.LastWriteTimeUtc.Ticks : 0);
        }
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..24].ToLowerInvariant();
        return Path.Combine(CacheDirectory("label-histograms"), $"{hash}.json");
    }

    /// <summary>
    /// The folder <paramref name="name"/> of the project's cache: under <see cref="CacheDirectoryVariable"/> if set, else
    /// the user's local application data (<c>ssn-mlnet/</c>), else the temporary folder.
    /// </summary>
    public static string CacheDirectory(string name)
    {
        if (Environment.GetEnvironmentVariable(CacheDirectoryVariable) is { Length: > 0 } dir) return Path.Combine(dir, name);
        string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root)) root = Path.GetTempPath();
        return Path.Combine(root, "ssn-mlnet", name);
    }

    private static LabelHistogram? TryRead(string path, int classes)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var h = JsonSerializer.Deserialize<LabelHistogram>(File.ReadAllText(path));
            return h is { Pixels.Length: var n, PixelsOfImagesWithClass.Length: var m } && n == classes && m == classes ? h : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null; // a damaged or unreadable cache is recounted
        }
    }

    /// <summary>Writes the cache through a temporary file and a rename; a cache that cannot be written is only logged.</summary>
    private static void TryWrite(string path, LabelHistogram histogram, IChannel? log)
    {
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(temp, JsonSerializer.Serialize(histogram));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (Exception) { }
            log?.Warning(MessageSensitivity.None, $"The class histogram could not be cached at '{path}': {e.Message}");
        }
    }
}
