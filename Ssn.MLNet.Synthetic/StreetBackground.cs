namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// Renders the static street: sky gradient, the ground plane in perspective (road with lane markings and
/// crosswalks, paved sidewalks with curbs, terrain), the two street sides as vertical planes (façades with windows,
/// walls, see-through fences, hedges) and the far façade that closes the street. Every pixel is ray-cast against the
/// planes and depth-tested, so the geometry is consistent with one vanishing point.
/// </summary>
internal static class StreetBackground
{
    internal static void Render(SceneCanvas canvas, StreetLayout s)
    {
        Camera cam = s.Camera;
        for (int y = 0; y < canvas.Height; y++)
        {
            float py = y + 0.5f;
            float t = Math.Clamp(py / Math.Max(cam.HorizonY, 1f), 0f, 1f);
            var sky = new Material(Lerp(s.SkyTop.R, s.SkyHorizon.R, t), Lerp(s.SkyTop.G, s.SkyHorizon.G, t),
                Lerp(s.SkyTop.B, s.SkyHorizon.B, t), 23, Noise: 0.02f, Seed: s.Seed + 9);
            float groundZ = py > cam.HorizonY ? cam.GroundDepth(py) : float.PositiveInfinity;
            for (int x = 0; x < canvas.Width; x++)
            {
                float px = x + 0.5f;
                canvas.Put(x, y, 1e9f, sky);
                if (float.IsFinite(groundZ)) Ground(canvas, s, x, y, (px - cam.VanishX) * groundZ / cam.Focal, groundZ);
                if (px < cam.VanishX) SidePlane(canvas, s, s.Left, x, y, px, py);
                else if (px > cam.VanishX) SidePlane(canvas, s, s.Right, x, y, px, py);
                if (s.FarZ < 1e5f) Far(canvas, s, x, y, px, py);
            }
        }
    }

    private static void Ground(SceneCanvas c, StreetLayout s, int x, int y, float wx, float z)
    {
        float shade = 1f;
        if (wx < s.RoadLeft + s.ShadowLeft || wx > s.RoadRight - s.ShadowRight) shade = 0.62f;
        if (wx >= s.RoadLeft && wx <= s.RoadRight)
        {
            float tex = 0.85f + 0.3f * Noise.Fbm(wx * 0.6f, z * 0.25f, s.Seed);
            float laneX = s.RoadLeft + s.LaneWidth;
            bool marking =
                (MathF.Abs(wx - laneX) < 0.08f && Frac(z / 9f) < 0.45f) ||
                (MathF.Abs(wx - (s.RoadLeft + 0.35f)) < 0.07f) || (MathF.Abs(wx - (s.RoadRight - 0.35f)) < 0.07f) ||
                (s.CrosswalkZ > 0 && z > s.CrosswalkZ && z < s.CrosswalkZ + 4f && Frac(wx / 1.1f) < 0.5f);
            var m = marking ? s.Road.WithColor(225, 225, 215) : s.Road;
            c.Put(x, y, z, m, shade * (marking ? 1f : tex));
        }
        else if (wx >= s.SidewalkLeft && wx <= s.SidewalkRight)
        {
            float edge = wx < 0 ? s.RoadLeft - wx : wx - s.RoadRight;
            bool joint = Frac(wx / 0.6f) < 0.07f || Frac(z / 0.6f) < 0.05f;
            float f = edge < 0.2f ? 1.15f : joint ? 0.8f : 0.95f + 0.1f * Noise.Value(wx * 3f, z * 1.5f, s.Seed + 5);
            c.Put(x, y, z, s.Sidewalk, shade * f);
        }
        else
        {
            c.Put(x, y, z, s.Terrain, shade * (0.7f + 0.6f * Noise.Fbm(wx * 1.5f, z * 0.8f, s.Seed + 6)));
        }
    }

    private static void SidePlane(SceneCanvas c, StreetLayout s, IReadOnlyList<SideSegment> side, int x, int y, float px, float py)
    {
        if (side.Count == 0) return;
        Camera cam = s.Camera;
        float dx = px - cam.VanishX;
        float planeX = side[0].X;
        float z = cam.Focal * planeX / dx;
        SideSegment? seg = Find(side, z);
        if (seg is not null && z < s.FarZ)
        {
            float h = cam.Height - (py - cam.HorizonY) * z / cam.Focal;
            float u = z - seg.Z0;
            switch (seg.Kind)
            {
                case SideKind.Building: Building(c, x, y, z, u, h, seg); break;
                case SideKind.Wall:
                    if (h >= 0 && h <= seg.Height)
                        c.Put(x, y, z, seg.Look, (Frac(h / 0.25f) < 0.08f ? 0.8f : 1f) * (0.85f + 0.3f * Noise.Fbm(u, h * 2, seg.Look.Seed)));
                    break;
                case SideKind.Fence:
                    bool rail = h >= 0 && (MathF.Abs(h - 0.25f) < 0.05f || MathF.Abs(h - (seg.Height - 0.08f)) < 0.05f);
                    bool slat = h >= 0 && h <= seg.Height && Frac(u / 0.16f) < 0.4f;
                    if (rail || slat) c.Put(x, y, z, seg.Look, 0.9f + 0.2f * Frac(u / 0.16f));
                    break;
                case SideKind.Vegetation: Hedge(c, x, y, z, u, h, seg.Height, seg.Look); break;
            }
        }
        // Fences have a hedge 1.5 m behind them, visible through the slats.
        float zb = cam.Focal * (planeX + MathF.Sign(planeX) * 1.5f) / dx;
        SideSegment? back = Find(side, zb);
        if (back is { Kind: SideKind.Fence } && zb < s.FarZ)
        {
            float h = cam.Height - (py - cam.HorizonY) * zb / cam.Focal;
            Hedge(c, x, y, zb, zb - back.Z0, h, back.Height + 1.5f, back.Look with { LabelId = 21, R = 70, G = 100, B = 45, Noise = 0.3f });
        }
    }

    private static SideSegment? Find(IReadOnlyList<SideSegment> side, float z)
    {
        if (!(z > 0)) return null;
        foreach (SideSegment seg in side)
            if (z >= seg.Z0 && z < seg.Z1) return seg.Kind == SideKind.Gap ? null : seg;
        return null;
    }

    private static void Building(SceneCanvas c, int x, int y, float z, float u, float h, SideSegment seg)
    {
        float top = seg.Height + 1.5f * (Noise.Value(u * 0.05f, 0, seg.Look.Seed) - 0.5f);
        if (h < 0 || h > top) return;
        float fu = Frac(u / seg.WindowSpacing), fv = Frac(h / seg.FloorHeight);
        bool window = h > seg.FloorHeight && h < top - 1f && MathF.Abs(fu - 0.5f) < seg.WindowWidth * 0.5f && fv > 0.3f && fv < 0.8f;
        bool shop = h < seg.FloorHeight && h > 0.4f && h < seg.FloorHeight * 0.8f && Frac(u / 6f) < 0.7f;
        if (window || shop)
        {
            float refl = 0.8f + 0.5f * Noise.Value(u * 0.4f, h * 0.4f, seg.Glass.Seed);
            c.Put(x, y, z, seg.Glass, refl);
        }
        else
        {
            float cornice = top - h < 0.4f || MathF.Abs(h - seg.FloorHeight) < 0.15f ? 0.75f : 1f;
            c.Put(x, y, z, seg.Look, cornice * (0.85f + 0.3f * Noise.Fbm(u * 0.7f, h * 0.7f, seg.Look.Seed)));
        }
    }

    private static void Hedge(SceneCanvas c, int x, int y, float z, float u, float h, float height, in Material look)
    {
        float top = height * (0.75f + 0.5f * Noise.Fbm(u * 0.35f, 0.5f, look.Seed));
        if (h < 0 || h > top) return;
        float n = Noise.Fbm(u * 2.5f, h * 2.5f, look.Seed + 3);
        c.Put(x, y, z, look, 0.5f + 0.9f * n);
    }

    private static void Far(SceneCanvas c, StreetLayout s, int x, int y, float px, float py)
    {
        Camera cam = s.Camera;
        float z = s.FarZ;
        float wx = (px - cam.VanishX) * z / cam.Focal;
        float h = cam.Height - (py - cam.HorizonY) * z / cam.Focal;
        float top = s.FarHeight * (0.5f + 0.8f * Noise.White((int)MathF.Floor(wx / 14f), 0, s.FarBuilding.Seed)); // blocks 14 m wide
        if (h < 0 || h > top) return;
        bool window = h > 3 && Frac(wx / 2.5f) < 0.45f && Frac(h / 3.2f) is > 0.3f and < 0.75f;
        c.Put(x, y, z, s.FarBuilding, window ? 0.55f : 0.9f + 0.2f * Noise.Value(wx, h, s.Seed + 11));
    }

    private static float Lerp(float a, float b, float t) => a + (b - a) * t;

    internal static float Frac(float v) => v - MathF.Floor(v);
}
