using Ssn.MLNet.Catalog;

namespace Ssn.MLNet.Data.Synthetic;

/// <summary><c>mlContext.Segmentation().Data.LoadSyntheticCityscapes(...)</c>: the synthetic street scenes as a data source.</summary>
public static class SyntheticDataCatalog
{
    /// <summary>
    /// Writes (or reuses, when a complete one with the same options is there) a synthetic street-scene dataset in the
    /// exact Cityscapes layout under <paramref name="root"/>, then returns the <paramref name="split"/> split.
    /// </summary>
    public static CityscapesDataSource LoadSyntheticCityscapes(this SegmentationDataCatalog catalog, string root,
        SyntheticCityscapesOptions? options = null, string split = "train")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var generator = new SyntheticCityscapesGenerator(options);
        generator.EnsureGenerated(root);
        return new CityscapesDataSource(root, split, (generator.Options.Width, generator.Options.Height));
    }
}
