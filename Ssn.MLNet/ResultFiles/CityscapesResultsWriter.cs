using System.Globalization;
using System.Text;
using Ssn.MLNet.Data;
using Ssn.MLNet.Imaging;
using Ssn.MLNet.Inference;

namespace Ssn.MLNet.ResultFiles;

/// <summary>
/// Writes predictions in the Cityscapes benchmark results format (<c>cityscapesScripts</c> README, "Evaluation"), in two
/// separate folders because the official scripts search their folder recursively and a mix breaks pixel evaluation:
/// <list type="bullet">
/// <item><c>{root}/pixel/{name}.png</c>: one 8-bit PNG of Cityscapes <b>label ids</b> per image (train id → label id through
/// <see cref="CityscapesLabels.TrainIdToLabelId"/>), for <c>evalPixelLevelSemanticLabeling.py</c>;</item>
/// <item><c>{root}/instance/{name}.txt</c>: one line <c>masks/{name}_{k:000}.png labelId confidence</c> per predicted
/// instance, with the binary masks (255 = instance) in <c>{root}/instance/masks/</c>, for
/// <c>evalInstanceLevelSemanticLabeling.py</c>.</item>
/// </list>
/// <c>{name}</c> is the image file name without extension (e.g. <c>frankfurt_000000_000294_leftImg8bit</c>), so it keeps
/// the <c>city_seq_frame</c> identifier the scripts match on. Every file is written atomically (temporary file + rename),
/// masks before the <c>.txt</c> that names them.
/// </summary>
public sealed class CityscapesResultsWriter
{
    /// <summary>Name of the pixel-level results folder.</summary>
    public const string PixelFolder = "pixel";

    /// <summary>Name of the instance-level results folder.</summary>
    public const string InstanceFolder = "instance";

    /// <summary>Name of the mask folder inside <see cref="InstanceFolder"/>.</summary>
    public const string MaskFolder = "masks";

    /// <summary>Creates a writer for the results root <paramref name="root"/> (created on the first write).</summary>
    /// <param name="root">Folder that receives <c>pixel/</c> and <c>instance/</c>.</param>
    public CityscapesResultsWriter(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The results root.</summary>
    public string Root { get; }

    /// <summary>The pixel-level results folder.</summary>
    public string PixelDirectory => Path.Combine(Root, PixelFolder);

    /// <summary>The instance-level results folder.</summary>
    public string InstanceDirectory => Path.Combine(Root, InstanceFolder);

    /// <summary>Writes the results of one image from an <see cref="SsnPrediction"/>.</summary>
    /// <param name="imagePath">The image's path or file name; its name without extension names the result files.</param>
    /// <param name="prediction">The prediction (train ids of the 19 Cityscapes classes).</param>
    public CityscapesResultFiles Write(string imagePath, SsnPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var instances = prediction.Instances.Instances;
        return Write(imagePath, prediction.Labels, prediction.Width, prediction.Height, prediction.Instances.InstanceIds,
            instances.Select(i => i.ClassId).ToArray(), instances.Select(i => i.Score).ToArray());
    }

    /// <summary>
    /// Writes the results of one image from the columns of a Spatial Sampling transformer's output: the predicted
    /// train ids, the instance-id map (instance k has id k + 1, 0 = none) and, per instance, its class (train id) and score.
    /// </summary>
    /// <param name="imagePath">The image's path or file name; its name without extension names the result files.</param>
    /// <param name="trainIds">Predicted train id per pixel (0–18, or <see cref="Transforms.SegmentationOutputColumns.NoClass"/>, written as label id 0), row-major.</param>
    /// <param name="width">Image width.</param>
    /// <param name="height">Image height.</param>
    /// <param name="instanceIds">Predicted instance id per pixel, row-major (empty: no instance results beyond an empty list).</param>
    /// <param name="instanceClasses">Train id of instance k (id k + 1).</param>
    /// <param name="instanceScores">Confidence of instance k.</param>
    /// <exception cref="ArgumentException">A size does not match, or a train id has no Cityscapes label id (the message names it).</exception>
    public CityscapesResultFiles Write(string imagePath, ReadOnlySpan<byte> trainIds, int width, int height, ReadOnlySpan<int> instanceIds,
        IReadOnlyList<int> instanceClasses, IReadOnlyList<float> instanceScores)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(imagePath);
        ArgumentNullException.ThrowIfNull(instanceClasses);
        ArgumentNullException.ThrowIfNull(instanceScores);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int n = checked(width * height);
        if (trainIds.Length != n) throw new ArgumentException($"{trainIds.Length} train ids for a {width}×{height} image of '{imagePath}'.", nameof(trainIds));
        if (!instanceIds.IsEmpty && instanceIds.Length != n)
            throw new ArgumentException($"{instanceIds.Length} instance ids for a {width}×{height} image of '{imagePath}'.", nameof(instanceIds));
        if (instanceClasses.Count != instanceScores.Count)
            throw new ArgumentException($"{instanceClasses.Count} instance classes but {instanceScores.Count} scores for '{imagePath}'.", nameof(instanceScores));
        string name = Path.GetFileNameWithoutExtension(imagePath);
        if (name.Length == 0) throw new ArgumentException($"'{imagePath}' has no file name.", nameof(imagePath));

        // Pixel level: train id → label id.
        var labelIds = new byte[n];
        var map = CityscapesLabels.TrainIdToLabelId;
        for (int i = 0; i < n; i++)
        {
            byte t = trainIds[i];
            if (t == Transforms.SegmentationOutputColumns.NoClass)
            {
                labelIds[i] = 0; // "unlabeled": the official script counts it as a miss of the true class, as our evaluation does
                continue;
            }
            if (t >= map.Count)
                throw new ArgumentException($"Pixel ({i % width}, {i / width}) of '{imagePath}' has train id {t}, which is not one of the {map.Count} Cityscapes train ids; the Cityscapes results format needs a Cityscapes model.", nameof(trainIds));
            labelIds[i] = (byte)map[t];
        }
        // Instance pixels, validated before anything is written.
        var pixelsOf = new List<int>[instanceClasses.Count];
        for (int i = 0; i < instanceIds.Length; i++)
        {
            int id = instanceIds[i];
            if (id == 0) continue;
            if (id < 0 || id > instanceClasses.Count)
                throw new ArgumentException($"Pixel ({i % width}, {i / width}) of '{imagePath}' has instance id {id}, but {instanceClasses.Count} instances were listed.", nameof(instanceIds));
            (pixelsOf[id - 1] ??= new List<int>()).Add(i);
        }
        for (int k = 0; k < instanceClasses.Count; k++)
        {
            if (pixelsOf[k] is null) continue;
            if (instanceClasses[k] < 0 || instanceClasses[k] >= map.Count)
                throw new ArgumentException($"Instance {k + 1} of '{imagePath}' has train id {instanceClasses[k]}, which is not a Cityscapes train id.", nameof(instanceClasses));
            if (!float.IsFinite(instanceScores[k])) throw new ArgumentException($"Instance {k + 1} of '{imagePath}' has score {instanceScores[k]}.", nameof(instanceScores));
        }
        string pixelPath = Path.Combine(PixelDirectory, name + ".png");
        LabelPng.WriteGray8(pixelPath, new Raster<byte>(width, height, labelIds));

        // Instance level: masks first, then the list that names them.
        var text = new StringBuilder();
        var masks = new List<string>();
        for (int k = 0; k < instanceClasses.Count; k++)
        {
            int cls = instanceClasses[k];
            if (pixelsOf[k] is not { Count: > 0 } pixels) continue; // an empty mask carries nothing to evaluate
            float score = instanceScores[k];
            string relative = $"{MaskFolder}/{name}_{k:000}.png";
            var mask = new byte[n];
            foreach (int p in pixels) mask[p] = 255;
            string maskPath = Path.Combine(InstanceDirectory, MaskFolder, $"{name}_{k:000}.png");
            LabelPng.WriteGray8(maskPath, new Raster<byte>(width, height, mask));
            masks.Add(maskPath);
            text.Append(relative).Append(' ').Append(map[cls].ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(score.ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
        }
        string listPath = Path.Combine(InstanceDirectory, name + ".txt");
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        AtomicFile.Write(listPath, s => s.Write(bytes));
        return new CityscapesResultFiles(pixelPath, listPath, masks);
    }
}
