namespace Ssn.MLNet.Data;

/// <summary>
/// File names of the Cityscapes layout (<c>cityscapesScripts</c> README): images in
/// <c>leftImg8bit/{split}/{city}/{city}_{seq:000000}_{frame:000019}_leftImg8bit.png</c>, fine annotations in
/// <c>gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_{labelIds|instanceIds|color}.png</c>.
/// </summary>
public static class CityscapesPaths
{
    /// <summary>Suffix of the camera images.</summary>
    public const string ImageSuffix = "_leftImg8bit.png";

    /// <summary>Suffix of the 8-bit label-id maps.</summary>
    public const string LabelIdsSuffix = "_gtFine_labelIds.png";

    /// <summary>Suffix of the 16-bit instance-id maps.</summary>
    public const string InstanceIdsSuffix = "_gtFine_instanceIds.png";

    /// <summary>Suffix of the colour visualisations.</summary>
    public const string ColorSuffix = "_gtFine_color.png";

    /// <summary>The image stem <c>{city}_{seq:000000}_{frame:000000}</c>.</summary>
    /// <param name="city">City name (no underscores).</param>
    /// <param name="sequence">Sequence number.</param>
    /// <param name="frame">Frame number (19 for the annotated frames).</param>
    public static string Stem(string city, int sequence, int frame) => $"{city}_{sequence:000000}_{frame:000000}";

    /// <summary>Path of the image with the given stem.</summary>
    /// <param name="root">Dataset root (holding <c>leftImg8bit/</c> and <c>gtFine/</c>).</param>
    /// <param name="split">Split (<c>train</c>, <c>val</c>, <c>test</c>).</param>
    /// <param name="stem">See <see cref="Stem"/>.</param>
    public static string Image(string root, string split, string stem) =>
        Path.Combine(root, "leftImg8bit", split, CityOf(stem), stem + ImageSuffix);

    /// <summary>Path of a <c>gtFine</c> file with the given stem and suffix (e.g. <see cref="LabelIdsSuffix"/>).</summary>
    /// <param name="root">Dataset root.</param>
    /// <param name="split">Split.</param>
    /// <param name="stem">See <see cref="Stem"/>.</param>
    /// <param name="suffix">One of the <c>gtFine</c> suffixes.</param>
    public static string GtFine(string root, string split, string stem, string suffix) =>
        Path.Combine(root, "gtFine", split, CityOf(stem), stem + suffix);

    /// <summary>The city part of a stem (text before the first underscore).</summary>
    /// <param name="stem">A stem or file name.</param>
    public static string CityOf(string stem)
    {
        int i = stem.IndexOf('_');
        return i > 0 ? stem[..i] : throw new ArgumentException($"'{stem}' is not a Cityscapes file stem (city_seq_frame).", nameof(stem));
    }
}
