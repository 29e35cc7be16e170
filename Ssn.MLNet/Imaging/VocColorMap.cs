namespace Ssn.MLNet.Imaging;

/// <summary>
/// The PASCAL VOC colour map (the <c>labelcolormap</c>/<c>bitget</c> palette of the VOC development kit): index
/// <c>i</c> spreads its bits over the high bits of R, G and B, so the map is one-to-one over all 256 indices.
/// VOC <c>SegmentationClass</c> and <c>SegmentationObject</c> PNGs use it; index 255 (colour 224, 224, 192) marks
/// object boundaries and "difficult" regions, which are ignored.
/// </summary>
public static class VocColorMap
{
    private static readonly (byte R, byte G, byte B)[] Colors = Build();
    private static readonly Dictionary<int, byte> Inverse =
        Enumerable.Range(0, 256).ToDictionary(i => Pack(Colors[i]), i => (byte)i);

    /// <summary>The index VOC uses for boundaries and ignored regions.</summary>
    public const byte BoundaryIndex = 255;

    /// <summary>The colour of palette index <paramref name="index"/>.</summary>
    /// <param name="index">Palette index 0–255.</param>
    public static (byte R, byte G, byte B) GetColor(byte index) => Colors[index];

    /// <summary>Finds the palette index of a colour.</summary>
    /// <param name="r">Red.</param>
    /// <param name="g">Green.</param>
    /// <param name="b">Blue.</param>
    /// <param name="index">The index when the colour is in the map.</param>
    /// <returns><c>true</c> when the colour is one of the 256 map colours.</returns>
    public static bool TryGetIndex(byte r, byte g, byte b, out byte index) =>
        Inverse.TryGetValue(Pack((r, g, b)), out index);

    private static int Pack((byte R, byte G, byte B) c) => (c.R << 16) | (c.G << 8) | c.B;

    private static (byte, byte, byte)[] Build()
    {
        var map = new (byte, byte, byte)[256];
        for (int i = 0; i < 256; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int j = 0; j < 8; j++)
            {
                r |= (c & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            map[i] = ((byte)r, (byte)g, (byte)b);
        }
        return map;
    }
}
