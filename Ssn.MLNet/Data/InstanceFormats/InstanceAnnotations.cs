namespace Ssn.MLNet.Data.InstanceFormats;

/// <summary>One labelled instance of an image, rasterised (see <see cref="Imaging.PolygonRaster"/>, <see cref="CocoRle"/>).</summary>
/// <param name="CategoryIndex">Index of its category in <see cref="InstanceDataset.CategoryNames"/>.</param>
/// <param name="Pixels">Its mask: pixel indices <c>y * width + x</c>, ascending.</param>
/// <param name="IsCrowd">A crowd region (COCO <c>iscrowd</c>), to be ignored in evaluation.</param>
/// <param name="Area">The annotation's area (COCO <c>area</c>), else the pixel count.</param>
/// <param name="Source">Where it was read ("file.txt line 3", "annotation 1768"), for messages.</param>
public sealed record InstanceAnnotation(int CategoryIndex, int[] Pixels, bool IsCrowd, double Area, string Source);

/// <summary>An image and its instances.</summary>
/// <param name="ImagePath">The image file.</param>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
/// <param name="Instances">Its instances, in file order.</param>
public sealed record AnnotatedImage(string ImagePath, int Width, int Height, IReadOnlyList<InstanceAnnotation> Instances)
{
    /// <summary>The image's id for COCO results files: COCO's <c>id</c>; for YOLO the file name when it is a number (as in
    /// COCO-derived sets), else null.</summary>
    public long? ImageId { get; init; }
}

/// <summary>Instance annotations read from a labelling tool's export (<see cref="YoloSegmentation"/>, <see cref="CocoInstances"/>).</summary>
/// <param name="CategoryNames">Category names by index (YOLO class ids; COCO categories in id order).</param>
/// <param name="Images">Images in file-name order.</param>
/// <param name="Warnings">What was skipped and why (e.g. a label file without its image), each naming the file.</param>
public sealed record InstanceDataset(IReadOnlyList<string> CategoryNames, IReadOnlyList<AnnotatedImage> Images, IReadOnlyList<string> Warnings)
{
    /// <summary>The dataset's own id of each category (COCO's <c>category_id</c>), by index; null when the ids are the
    /// indices (YOLO class ids).</summary>
    public IReadOnlyList<int>? CategoryIds { get; init; }

    /// <summary>
    /// A seeded split by image (opt-in, for datasets that ship one split): the images are shuffled with
    /// <paramref name="seed"/> (the same order on every machine) and the first <c>round(fraction · count)</c> (at least one)
    /// form the held-out part; both parts keep file-name order.
    /// </summary>
    /// <param name="heldOutFraction">The share of images held out, in (0, 1).</param>
    /// <param name="seed">The shuffle's seed.</param>
    /// <exception cref="ArgumentOutOfRangeException">The fraction leaves one part empty.</exception>
    public (InstanceDataset Kept, InstanceDataset HeldOut) SplitByImage(double heldOutFraction, int seed)
    {
        int held = Math.Max(1, (int)Math.Round(heldOutFraction * Images.Count, MidpointRounding.AwayFromZero));
        if (!(heldOutFraction > 0 && heldOutFraction < 1) || held >= Images.Count)
            throw new ArgumentOutOfRangeException(nameof(heldOutFraction), heldOutFraction, $"The held-out share must leave images on both sides of the split ({Images.Count} images).");
        var order = Enumerable.Range(0, Images.Count).ToArray();
        new Random(seed).Shuffle(order);
        var heldOut = order.Take(held).ToHashSet();
        return (this with { Images = Images.Where((_, i) => !heldOut.Contains(i)).ToArray() },
                this with { Images = Images.Where((_, i) => heldOut.Contains(i)).ToArray() });
    }
}
