namespace Ssn.MLNet.Data;

/// <summary>One entry of the Cityscapes label definition (<c>cityscapesscripts/helpers/labels.py</c>).</summary>
/// <param name="Name">Class name, e.g. <c>"car"</c>.</param>
/// <param name="Id">Label id as stored in <c>*_gtFine_labelIds.png</c>.</param>
/// <param name="TrainId">Train id (0–18) used for training and evaluation; 255 = ignored.</param>
/// <param name="Category">Category name, e.g. <c>"vehicle"</c>.</param>
/// <param name="CategoryId">Category id.</param>
/// <param name="HasInstances">Whether the class has instance annotations (a "thing" class).</param>
/// <param name="IgnoreInEval">Whether the class is ignored in evaluation.</param>
/// <param name="Color">Display colour (R, G, B).</param>
public sealed record CityscapesLabel(string Name, int Id, int TrainId, string Category, int CategoryId,
    bool HasInstances, bool IgnoreInEval, (byte R, byte G, byte B) Color);

/// <summary>
/// The Cityscapes label table, the label id ↔ train id mappings and the palette. The paper (§6.1) trains and
/// evaluates on the 19 train-id classes.
/// </summary>
public static class CityscapesLabels
{
    /// <summary>The train id of pixels that are ignored by training and evaluation.</summary>
    public const byte IgnoreTrainId = 255;

    /// <summary>Instance ids in <c>*_instanceIds.png</c> are <c>labelId * 1000 + k</c> for annotated instances.</summary>
    public const int InstanceIdDivisor = 1000;

    /// <summary>All labels, in the order of the official table.</summary>
    public static IReadOnlyList<CityscapesLabel> All { get; } = new CityscapesLabel[]
    {
        new("unlabeled", 0, 255, "void", 0, false, true, (0, 0, 0)),
        new("ego vehicle", 1, 255, "void", 0, false, true, (0, 0, 0)),
        new("rectification border", 2, 255, "void", 0, false, true, (0, 0, 0)),
        new("out of roi", 3, 255, "void", 0, false, true, (0, 0, 0)),
        new("static", 4, 255, "void", 0, false, true, (0, 0, 0)),
        new("dynamic", 5, 255, "void", 0, false, true, (111, 74, 0)),
        new("ground", 6, 255, "void", 0, false, true, (81, 0, 81)),
        new("road", 7, 0, "flat", 1, false, false, (128, 64, 128)),
        new("sidewalk", 8, 1, "flat", 1, false, false, (244, 35, 232)),
        new("parking", 9, 255, "flat", 1, false, true, (250, 170, 160)),
        new("rail track", 10, 255, "flat", 1, false, true, (230, 150, 140)),
        new("building", 11, 2, "construction", 2, false, false, (70, 70, 70)),
        new("wall", 12, 3, "construction", 2, false, false, (102, 102, 156)),
        new("fence", 13, 4, "construction", 2, false, false, (190, 153, 153)),
        new("guard rail", 14, 255, "construction", 2, false, true, (180, 165, 180)),
        new("bridge", 15, 255, "construction", 2, false, true, (150, 100, 100)),
        new("tunnel", 16, 255, "construction", 2, false, true, (150, 120, 90)),
        new("pole", 17, 5, "object", 3, false, false, (153, 153, 153)),
        new("polegroup", 18, 255, "object", 3, false, true, (153, 153, 153)),
        new("traffic light", 19, 6, "object", 3, false, false, (250, 170, 30)),
        new("traffic sign", 20, 7, "object", 3, false, false, (220, 220, 0)),
        new("vegetation", 21, 8, "nature", 4, false, false, (107, 142, 35)),
        new("terrain", 22, 9, "nature", 4, false, false, (152, 251, 152)),
        new("sky", 23, 10, "sky", 5, false, false, (70, 130, 180)),
        new("person", 24, 11, "human", 6, true, false, (220, 20, 60)),
        new("rider", 25, 12, "human", 6, true, false, (255, 0, 0)),
        new("car", 26, 13, "vehicle", 7, true, false, (0, 0, 142)),
        new("truck", 27, 14, "vehicle", 7, true, false, (0, 0, 70)),
        new("bus", 28, 15, "vehicle", 7, true, false, (0, 60, 100)),
        new("caravan", 29, 255, "vehicle", 7, true, true, (0, 0, 90)),
        new("trailer", 30, 255, "vehicle", 7, true, true, (0, 0, 110)),
        new("train", 31, 16, "vehicle", 7, true, false, (0, 80, 100)),
        new("motorcycle", 32, 17, "vehicle", 7, true, false, (0, 0, 230)),
        new("bicycle", 33, 18, "vehicle", 7, true, false, (119, 11, 32)),
        new("license plate", -1, -1, "vehicle", 7, false, true, (0, 0, 142)),
    };

    /// <summary>Number of train-id classes (19).</summary>
    public const int NumTrainClasses = 19;

    /// <summary>The 19 train-id classes, indexed by train id.</summary>
    public static IReadOnlyList<CityscapesLabel> TrainClasses { get; } =
        All.Where(l => l.TrainId is >= 0 and < 255).OrderBy(l => l.TrainId).ToArray();

    /// <summary>Class names indexed by train id.</summary>
    public static IReadOnlyList<string> TrainClassNames { get; } = TrainClasses.Select(l => l.Name).ToArray();

    /// <summary>Label id (0–255) → train id lookup; unknown ids map to 255.</summary>
    public static IReadOnlyList<byte> LabelIdToTrainId { get; } = BuildLabelToTrain();

    /// <summary>Train id → label id lookup (19 entries), used when writing Cityscapes result files.</summary>
    public static IReadOnlyList<int> TrainIdToLabelId { get; } = TrainClasses.Select(l => l.Id).ToArray();

    /// <summary>Train ids of the eight instance ("thing") classes that enter instance evaluation.</summary>
    public static IReadOnlyList<int> InstanceTrainIds { get; } =
        TrainClasses.Where(l => l.HasInstances).Select(l => l.TrainId).ToArray();

    /// <summary>The largest label id Cityscapes defines (33, bicycle); a label map holding a larger id is not Cityscapes'.</summary>
    public static int MaxLabelId { get; } = All.Max(l => l.Id);

    /// <summary>Look up a label by label id; <c>null</c> when the id is not in the table.</summary>
    public static CityscapesLabel? FromId(int id) => All.FirstOrDefault(l => l.Id == id);

    private static byte[] BuildLabelToTrain()
    {
        var map = Enumerable.Repeat(IgnoreTrainId, 256).ToArray();
        foreach (var l in All)
            if (l.Id >= 0 && l.TrainId is >= 0 and < 255) map[l.Id] = (byte)l.TrainId;
        return map;
    }
}
