using System.Runtime.CompilerServices;

namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// The render target of one synthetic scene: float RGB, Cityscapes label ids, instance ids and a depth buffer.
/// Every write is depth-tested, so shapes may be painted in any order and nearer ones occlude farther ones.
/// Shape primitives take pixel coordinates; a pixel is covered when its centre is inside the shape.
/// </summary>
internal sealed class SceneCanvas
{
    internal SceneCanvas(int width, int height)
    {
        Width = width;
        Height = height;
        Rgb = new float[width * height * 3];
        LabelIds = new byte[width * height];
        InstanceIds = new int[width * height];
        Depth = new float[width * height];
        Array.Fill(Depth, float.PositiveInfinity);
    }

    internal int Width { get; }
    internal int Height { get; }
    internal float[] Rgb { get; }
    internal byte[] LabelIds { get; }
    internal int[] InstanceIds { get; }
    internal float[] Depth { get; }

    /// <summary>Writes one pixel if <paramref name="z"/> is not farther than what is there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Put(int x, int y, float z, in Material m, float shade = 1f)
    {
        int i = y * Width + x;
        if (z > Depth[i]) return;
        Depth[i] = z;
        float t = 1f + m.Noise * (Noise.White(x, y, m.Seed) - 0.5f) * 2f;
        t *= shade;
        Rgb[3 * i] = m.R * t;
        Rgb[3 * i + 1] = m.G * t;
        Rgb[3 * i + 2] = m.B * t;
        LabelIds[i] = m.LabelId;
        InstanceIds[i] = m.InstanceId != 0 ? m.InstanceId : m.LabelId;
    }

    /// <summary>Axis-aligned rectangle [x0, x1) × [y0, y1) with the material's horizontal shading ramp.</summary>
    internal void FillRect(float x0, float y0, float x1, float y1, float z, in Material m)
    {
        if (x1 - x0 < 1f) { float c = 0.5f * (x0 + x1); x0 = c - 0.5f; x1 = c + 0.5f; } // thin things stay ≥ 1 px
        if (y1 - y0 < 1f) { float c = 0.5f * (y0 + y1); y0 = c - 0.5f; y1 = c + 0.5f; }
        int ix0 = Math.Max(0, (int)MathF.Ceiling(x0 - 0.5f)), ix1 = Math.Min(Width - 1, (int)MathF.Ceiling(x1 - 0.5f) - 1);
        int iy0 = Math.Max(0, (int)MathF.Ceiling(y0 - 0.5f)), iy1 = Math.Min(Height - 1, (int)MathF.Ceiling(y1 - 0.5f) - 1);
        float inv = 1f / MathF.Max(x1 - x0, 1f);
        for (int y = iy0; y <= iy1; y++)
            for (int x = ix0; x <= ix1; x++)
                Put(x, y, z, m, m.Ramp == 0 ? 1f : RampAt((x + 0.5f - x0) * inv, m.Ramp));
    }

    /// <summary>Filled ellipse centred at (<paramref name="cx"/>, <paramref name="cy"/>).</summary>
    internal void FillEllipse(float cx, float cy, float rx, float ry, float z, in Material m)
    {
        rx = MathF.Max(rx, 0.5f); ry = MathF.Max(ry, 0.5f);
        int ix0 = Math.Max(0, (int)(cx - rx)), ix1 = Math.Min(Width - 1, (int)(cx + rx) + 1);
        int iy0 = Math.Max(0, (int)(cy - ry)), iy1 = Math.Min(Height - 1, (int)(cy + ry) + 1);
        for (int y = iy0; y <= iy1; y++)
        {
            float dy = (y + 0.5f - cy) / ry;
            for (int x = ix0; x <= ix1; x++)
            {
                float dx = (x + 0.5f - cx) / rx;
                if (dx * dx + dy * dy <= 1f)
                    Put(x, y, z, m, m.Ramp == 0 ? 1f : RampAt(0.5f * (dx + 1f), m.Ramp));
            }
        }
    }

    /// <summary>A ring (annulus) of outer radius <paramref name="r"/> and line width <paramref name="w"/> (≥ 1 px).</summary>
    internal void Ring(float cx, float cy, float r, float w, float z, in Material m)
    {
        w = MathF.Max(w, 1f);
        float ro = r, ri = MathF.Max(0, r - w);
        int ix0 = Math.Max(0, (int)(cx - ro)), ix1 = Math.Min(Width - 1, (int)(cx + ro) + 1);
        int iy0 = Math.Max(0, (int)(cy - ro)), iy1 = Math.Min(Height - 1, (int)(cy + ro) + 1);
        for (int y = iy0; y <= iy1; y++)
            for (int x = ix0; x <= ix1; x++)
            {
                float dx = x + 0.5f - cx, dy = y + 0.5f - cy, d2 = dx * dx + dy * dy;
                if (d2 <= ro * ro && d2 >= ri * ri) Put(x, y, z, m);
            }
    }

    /// <summary>Convex polygon (vertices in either winding order).</summary>
    internal void FillConvex(ReadOnlySpan<(float X, float Y)> p, float z, in Material m)
    {
        float minX = float.MaxValue, maxX = float.MinValue, minY = float.MaxValue, maxY = float.MinValue, area = 0;
        for (int i = 0; i < p.Length; i++)
        {
            var a = p[i]; var b = p[(i + 1) % p.Length];
            minX = MathF.Min(minX, a.X); maxX = MathF.Max(maxX, a.X);
            minY = MathF.Min(minY, a.Y); maxY = MathF.Max(maxY, a.Y);
            area += a.X * b.Y - b.X * a.Y;
        }
        float sign = area >= 0 ? 1f : -1f;
        int ix0 = Math.Max(0, (int)MathF.Floor(minX)), ix1 = Math.Min(Width - 1, (int)MathF.Ceiling(maxX));
        int iy0 = Math.Max(0, (int)MathF.Floor(minY)), iy1 = Math.Min(Height - 1, (int)MathF.Ceiling(maxY));
        for (int y = iy0; y <= iy1; y++)
            for (int x = ix0; x <= ix1; x++)
            {
                float px = x + 0.5f, py = y + 0.5f;
                bool inside = true;
                for (int i = 0; i < p.Length && inside; i++)
                {
                    var a = p[i]; var b = p[(i + 1) % p.Length];
                    inside = sign * ((b.X - a.X) * (py - a.Y) - (b.Y - a.Y) * (px - a.X)) >= 0;
                }
                if (inside) Put(x, y, z, m);
            }
    }

    /// <summary>A straight stroke of width <paramref name="w"/> pixels (at least 1 px, so thin structures survive).</summary>
    internal void Line(float x0, float y0, float x1, float y1, float w, float z, in Material m)
    {
        w = MathF.Max(w, 1.1f) * 0.5f;
        float dx = x1 - x0, dy = y1 - y0, len = MathF.Sqrt(dx * dx + dy * dy);
        if (len < 1e-3f) { FillRect(x0 - w, y0 - w, x0 + w, y0 + w, z, m); return; }
        float nx = -dy / len * w, ny = dx / len * w;
        ReadOnlySpan<(float, float)> quad = [(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)];
        FillConvex(quad, z, m);
    }

    private static float RampAt(float t, float ramp) => 1f + ramp * (0.35f - MathF.Abs(t - 0.35f) * 1.6f);
}
