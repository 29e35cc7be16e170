namespace Ssn.MLNet.Data.Synthetic;

/// <summary>What occupies a stretch of one street side.</summary>
internal enum SideKind
{
    /// <summary>Building façade with windows (label building).</summary>
    Building,
    /// <summary>Low wall (label wall).</summary>
    Wall,
    /// <summary>See-through slatted fence (label fence) with a hedge behind.</summary>
    Fence,
    /// <summary>Hedge or row of trees (label vegetation).</summary>
    Vegetation,
    /// <summary>Nothing: open terrain.</summary>
    Gap,
}

/// <summary>One stretch [<see cref="Z0"/>, <see cref="Z1"/>) of a street side at lateral position <see cref="X"/>.</summary>
internal sealed record SideSegment(float Z0, float Z1, float X, SideKind Kind, float Height, Material Look,
    float FloorHeight, float WindowSpacing, float WindowWidth, Material Glass);

/// <summary>
/// The random layout of one street scene: camera, street cross-section (road, sidewalks, terrain strips),
/// the two street sides, an optional far façade closing the street, and the look of each surface.
/// </summary>
internal sealed class StreetLayout
{
    internal required Camera Camera { get; init; }
    internal required float RoadLeft { get; init; }
    internal required float RoadRight { get; init; }
    internal required float SidewalkLeft { get; init; }
    internal required float SidewalkRight { get; init; }
    internal required float FacadeLeft { get; init; }
    internal required float FacadeRight { get; init; }
    internal required IReadOnlyList<SideSegment> Left { get; init; }
    internal required IReadOnlyList<SideSegment> Right { get; init; }
    internal required float FarZ { get; init; }
    internal required float FarHeight { get; init; }
    internal required Material Road { get; init; }
    internal required Material Sidewalk { get; init; }
    internal required Material Terrain { get; init; }
    internal required Material FarBuilding { get; init; }
    internal required (float R, float G, float B) SkyTop { get; init; }
    internal required (float R, float G, float B) SkyHorizon { get; init; }
    internal required float LaneWidth { get; init; }
    internal required float CrosswalkZ { get; init; }
    internal required float ShadowLeft { get; init; }
    internal required float ShadowRight { get; init; }
    internal required uint Seed { get; init; }

    /// <summary>Draws a layout for an image of the given size.</summary>
    internal static StreetLayout Create(Random rng, int width, int height)
    {
        var cam = new Camera(width * rng.Uniform(0.95f, 1.25f), rng.Uniform(1.2f, 1.6f),
            width * rng.Uniform(0.4f, 0.6f), height * rng.Uniform(0.36f, 0.48f));
        float roadL = -rng.Uniform(2.5f, 7f), roadR = rng.Uniform(2.5f, 8f);
        float swL = rng.Uniform(1.5f, 4.5f), swR = rng.Uniform(1.5f, 4.5f);
        float facL = roadL - swL - (rng.NextDouble() < 0.35 ? rng.Uniform(0.5f, 4f) : 0f);
        float facR = roadR + swR + (rng.NextDouble() < 0.35 ? rng.Uniform(0.5f, 4f) : 0f);
        bool closed = rng.NextDouble() < 0.7;
        float farZ = closed ? rng.Uniform(60f, 220f) : 1e6f;
        uint seed = (uint)rng.Next();
        float g = rng.Uniform(60f, 115f);
        var sw = Pick(rng, [(175, 170, 160), (190, 180, 170), (160, 140, 130), (150, 150, 155)]);
        float skyB = rng.Uniform(0.6f, 1f);
        return new StreetLayout
        {
            Camera = cam,
            RoadLeft = roadL, RoadRight = roadR, SidewalkLeft = roadL - swL, SidewalkRight = roadR + swR,
            FacadeLeft = facL, FacadeRight = facR,
            Left = Side(rng, facL, farZ), Right = Side(rng, facR, farZ),
            FarZ = farZ, FarHeight = rng.Uniform(8f, 30f),
            Road = new Material(g, g * rng.Uniform(0.97f, 1.03f), g * rng.Uniform(0.98f, 1.08f), 7, Noise: 0.18f, Seed: seed + 1),
            Sidewalk = new Material(sw.R, sw.G, sw.B, 8, Noise: 0.1f, Seed: seed + 2),
            Terrain = Jitter(rng, Pick(rng, [(110, 140, 60), (140, 130, 80), (95, 125, 55)]), 22, 0.25f, seed + 3),
            FarBuilding = Jitter(rng, Pick(rng, [(150, 140, 130), (120, 120, 125), (170, 160, 140)]), 11, 0.1f, seed + 4),
            SkyTop = (rng.Uniform(40f, 110f), rng.Uniform(90f, 150f), 230f * skyB),
            SkyHorizon = (rng.Uniform(190f, 235f), rng.Uniform(200f, 235f), rng.Uniform(215f, 250f)),
            LaneWidth = rng.Uniform(2.8f, 3.6f),
            CrosswalkZ = rng.NextDouble() < 0.3 ? rng.Uniform(8f, 30f) : -1f,
            ShadowLeft = rng.NextDouble() < 0.6 ? rng.Uniform(0f, 6f) : 0f,
            ShadowRight = rng.NextDouble() < 0.3 ? rng.Uniform(0f, 4f) : 0f,
            Seed = seed,
        };
    }

    private static SideSegment[] Side(Random rng, float x, float farZ)
    {
        var list = new List<SideSegment>();
        float z = 0.5f;
        while (z < farZ && z < 400f)
        {
            float len = rng.Uniform(6f, 28f);
            double p = rng.NextDouble();
            SideKind kind = p < 0.58 ? SideKind.Building : p < 0.68 ? SideKind.Wall : p < 0.8 ? SideKind.Fence
                : p < 0.94 ? SideKind.Vegetation : SideKind.Gap;
            uint seed = (uint)rng.Next();
            (Material look, float h) = kind switch
            {
                SideKind.Building => (Jitter(rng, Pick(rng, [(150, 135, 120), (180, 170, 150), (120, 110, 105), (200, 190, 175),
                    (140, 90, 70), (110, 120, 130), (210, 200, 180), (90, 85, 80)]), 11, 0.12f, seed), rng.Uniform(7f, 28f)),
                SideKind.Wall => (Jitter(rng, Pick(rng, [(150, 150, 145), (170, 160, 150), (120, 115, 110)]), 12, 0.2f, seed), rng.Uniform(0.8f, 3f)),
                SideKind.Fence => (Jitter(rng, Pick(rng, [(90, 90, 95), (140, 110, 80), (170, 170, 170)]), 13, 0.1f, seed), rng.Uniform(1f, 2.2f)),
                SideKind.Vegetation => (Jitter(rng, Pick(rng, [(70, 100, 40), (60, 90, 50), (90, 115, 45)]), 21, 0.3f, seed), rng.Uniform(2f, 9f)),
                _ => (default(Material), 0f),
            };
            var glass = Jitter(rng, Pick(rng, [(40, 50, 60), (70, 80, 95), (30, 30, 35), (90, 110, 130)]), 11, 0.05f, seed + 7);
            list.Add(new SideSegment(z, z + len, x, kind, h, look, rng.Uniform(2.9f, 3.8f), rng.Uniform(1.8f, 3.6f),
                rng.Uniform(0.35f, 0.65f), glass));
            z += len;
        }
        return list.ToArray();
    }

    internal static (float R, float G, float B) Pick(Random rng, (int R, int G, int B)[] colors)
    {
        var c = colors[rng.Next(colors.Length)];
        return (c.R, c.G, c.B);
    }

    internal static Material Jitter(Random rng, (float R, float G, float B) c, byte label, float noise, uint seed, int instance = 0)
    {
        float f = rng.Uniform(0.8f, 1.2f);
        return new Material(Math.Clamp(c.R * f * rng.Uniform(0.92f, 1.08f), 0, 255), Math.Clamp(c.G * f * rng.Uniform(0.92f, 1.08f), 0, 255),
            Math.Clamp(c.B * f * rng.Uniform(0.92f, 1.08f), 0, 255), label, instance, noise, 0f, seed);
    }
}
