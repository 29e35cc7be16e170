namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// Draws a flat, upright object standing on the ground at world (<see cref="X"/>, 0, <see cref="Z"/>), facing the
/// camera. Shapes are given in local metres: u to the right (mirrored when <see cref="Mirror"/>), v up.
/// </summary>
internal readonly record struct Billboard(SceneCanvas Canvas, Camera Camera, float X, float Z, bool Mirror = false)
{
    private float S => Camera.Scale(Z);
    private float Px(float u) => Camera.ColumnOf(X + (Mirror ? -u : u), Z);
    private float Py(float v) => Camera.RowOf(v, Z);

    /// <summary>Rectangle u ∈ [u0, u1], v ∈ [v0, v1].</summary>
    internal void Rect(float u0, float v0, float u1, float v1, in Material m, float dz = 0)
    {
        float a = Px(u0), b = Px(u1);
        Canvas.FillRect(MathF.Min(a, b), Py(v1), MathF.Max(a, b), Py(v0), Z + dz, m);
    }

    /// <summary>Ellipse centred at (u, v) with radii (ru, rv).</summary>
    internal void Ellipse(float u, float v, float ru, float rv, in Material m, float dz = 0) =>
        Canvas.FillEllipse(Px(u), Py(v), ru * S, rv * S, Z + dz, m);

    /// <summary>Ring of radius r and tyre width w.</summary>
    internal void Ring(float u, float v, float r, float w, in Material m, float dz = 0) =>
        Canvas.Ring(Px(u), Py(v), r * S, w * S, Z + dz, m);

    /// <summary>Stroke from (u0, v0) to (u1, v1), width w metres (at least one pixel).</summary>
    internal void Line(float u0, float v0, float u1, float v1, float w, in Material m, float dz = 0) =>
        Canvas.Line(Px(u0), Py(v0), Px(u1), Py(v1), w * S, Z + dz, m);

    /// <summary>Convex polygon in local metres.</summary>
    internal void Poly(ReadOnlySpan<(float U, float V)> pts, in Material m, float dz = 0)
    {
        Span<(float, float)> p = stackalloc (float, float)[pts.Length];
        for (int i = 0; i < pts.Length; i++) p[i] = (Px(pts[i].U), Py(pts[i].V));
        Canvas.FillConvex(p, Z + dz, m);
    }
}
