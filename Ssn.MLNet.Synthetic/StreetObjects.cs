namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// Places and draws the objects of a street scene: Cityscapes "thing" instances (cars, trucks, buses, persons,
/// riders on bicycles or motorcycles, parked bicycles), thin structures (poles, street lights, traffic signs and
/// lights) and trees and bins. Sizes are in metres, so perspective scales them with depth; overlapping objects
/// occlude each other through the canvas depth test. Instance ids follow Cityscapes: <c>labelId * 1000 + k</c>.
/// </summary>
internal sealed class StreetObjects(SceneCanvas canvas, StreetLayout s, Random rng)
{
    private readonly Dictionary<int, int> next = new();
    private Camera Cam => s.Camera;

    private int NewInstance(byte labelId)
    {
        next.TryGetValue(labelId, out int k);
        next[labelId] = k + 1;
        return labelId * CityscapesLabels.InstanceIdDivisor + k;
    }

    private Material Mat((float R, float G, float B) c, byte label, float noise = 0.06f, int instance = 0, float ramp = 0) =>
        new(c.R, c.G, c.B, label, instance, noise, ramp, (uint)rng.Next());

    private Material RandomColor(byte label, int instance, float noise = 0.06f)
    {
        var c = StreetLayout.Pick(rng, [(200, 200, 205), (30, 30, 35), (150, 20, 25), (40, 60, 120), (120, 125, 130),
            (220, 215, 200), (60, 90, 60), (180, 150, 40), (90, 60, 40), (250, 250, 250)]);
        return StreetLayout.Jitter(rng, c, label, noise, (uint)rng.Next(), instance);
    }

    /// <summary>Draws every object of the scene.</summary>
    internal void DrawAll()
    {
        // Street furniture along both curbs.
        foreach (float side in new[] { -1f, 1f })
        {
            float curb = side < 0 ? s.RoadLeft - 0.45f : s.RoadRight + 0.45f;
            for (float z = rng.Uniform(3f, 15f); z < Math.Min(s.FarZ, 120f); z += rng.Uniform(8f, 26f))
            {
                double p = rng.NextDouble();
                if (p < 0.55) PoleWithSomething(curb, z, side);
                else if (p < 0.8) Tree(side < 0 ? MidX(s.SidewalkLeft, s.FacadeLeft, curb - 0.8f) : MidX(s.SidewalkRight, s.FacadeRight, curb + 0.8f), z);
                else if (p < 0.9) Bin(curb - side * rng.Uniform(0.3f, 1.2f), z);
            }
        }
        int cars = rng.Next(0, 9);
        for (int i = 0; i < cars; i++) Car();
        if (rng.NextDouble() < 0.2) Car(large: true);
        int persons = rng.Next(0, 10);
        for (int i = 0; i < persons; i++)
        {
            bool crossing = rng.NextDouble() < 0.12;
            float x = crossing ? rng.Uniform(s.RoadLeft, s.RoadRight) : SidewalkX();
            Person(x, rng.Uniform(4f, 55f), rng.NextDouble() < 0.5, -1);
        }
        if (rng.NextDouble() < 0.3) Group();
        int riders = rng.Next(0, 4);
        for (int i = 0; i < riders; i++)
        {
            float x = rng.NextDouble() < 0.5 ? s.RoadRight - rng.Uniform(0.8f, 1.6f) : s.RoadLeft + rng.Uniform(0.8f, 1.6f);
            Cycle(x, rng.Uniform(5f, 45f), rider: true, motor: rng.NextDouble() < 0.25);
        }
        if (rng.NextDouble() < 0.35)
        {
            float x = SidewalkX(), z = rng.Uniform(5f, 30f);
            int n = rng.Next(1, 5);
            for (int i = 0; i < n; i++) Cycle(x + i * 0.12f, z + i * 0.45f, rider: false, motor: false);
        }
        if (rng.NextDouble() < 0.5) EgoHood();
    }

    private static float MidX(float sidewalkEdge, float facade, float fallback) =>
        MathF.Abs(facade - sidewalkEdge) > 1.2f ? 0.5f * (sidewalkEdge + facade) : fallback;

    private float SidewalkX() => rng.NextDouble() < 0.5
        ? rng.Uniform(s.SidewalkLeft + 0.3f, s.RoadLeft - 0.3f)
        : rng.Uniform(s.RoadRight + 0.3f, s.SidewalkRight - 0.3f);

    private void PoleWithSomething(float x, float z, float side)
    {
        var b = new Billboard(canvas, Cam, x, z);
        var metal = Mat(StreetLayout.Pick(rng, [(120, 120, 125), (80, 85, 80), (160, 160, 160), (60, 60, 65)]), 17, 0.05f, ramp: 0.6f);
        float r = rng.Uniform(0.04f, 0.1f), h = rng.Uniform(2.6f, 8f);
        double kind = rng.NextDouble();
        if (kind < 0.3) h = rng.Uniform(2.2f, 3.2f);
        b.Rect(-r, 0, r, h, metal);
        if (kind < 0.3) Sign(b, h);
        else if (kind < 0.55)
        {
            // Street light: thin arm reaching over the road and a lamp head (all pole).
            float reach = -side * rng.Uniform(0.8f, 2.2f);
            b.Line(0, h - 0.05f, reach, h + 0.25f, 0.07f, metal);
            b.Rect(reach - 0.25f, h + 0.1f, reach + 0.25f, h + 0.28f, metal);
        }
        else if (kind < 0.75)
        {
            h = Math.Min(h, 4.5f);
            var housing = Mat((25, 25, 25), 19, 0.05f);
            float u = -side * 0.2f;
            b.Rect(u - 0.17f, h - 1.0f, u + 0.17f, h, housing, -0.02f);
            int lit = rng.Next(3);
            for (int i = 0; i < 3; i++)
            {
                var lamp = i == lit ? Mat(i == 0 ? (255, 60, 40) : i == 1 ? (255, 200, 40) : (60, 255, 120), 19, 0.03f)
                                    : Mat((50, 45, 40), 19, 0.03f);
                b.Ellipse(u, h - 0.18f - i * 0.31f, 0.1f, 0.1f, lamp, -0.03f);
            }
        }
        else if (kind < 0.9) Sign(b, h * rng.Uniform(0.6f, 1f));
    }

    private void Sign(Billboard b, float h)
    {
        var sign = Mat((220, 220, 220), 20, 0.04f);
        float size = rng.Uniform(0.25f, 0.45f);
        float c = h - size;
        switch (rng.Next(4))
        {
            case 0: // prohibitory: red ring on white
                b.Ellipse(0, c, size, size, sign.WithColor(200, 30, 30), -0.02f);
                b.Ellipse(0, c, size * 0.75f, size * 0.75f, sign.WithColor(235, 235, 235), -0.03f);
                break;
            case 1: // mandatory: blue disc with a white arrow
                b.Ellipse(0, c, size, size, sign.WithColor(30, 70, 170), -0.02f);
                b.Line(-size * 0.5f, c - size * 0.3f, size * 0.5f, c + size * 0.3f, size * 0.18f, sign.WithColor(240, 240, 240), -0.03f);
                break;
            case 2: // warning: red-edged triangle
                b.Poly([(-size, c - size * 0.8f), (size, c - size * 0.8f), (0, c + size)], sign.WithColor(200, 30, 30), -0.02f);
                b.Poly([(-size * 0.65f, c - size * 0.6f), (size * 0.65f, c - size * 0.6f), (0, c + size * 0.55f)], sign.WithColor(240, 240, 230), -0.03f);
                break;
            default: // information: rectangle
                var col = StreetLayout.Pick(rng, [(30, 70, 170), (20, 120, 60), (235, 200, 30), (240, 240, 240)]);
                b.Rect(-size * 1.3f, c - size * 0.7f, size * 1.3f, c + size * 0.7f, sign.WithColor(col.R, col.G, col.B), -0.02f);
                break;
        }
    }

    private void Tree(float x, float z)
    {
        var b = new Billboard(canvas, Cam, x, z);
        float trunkH = rng.Uniform(1.8f, 3.5f), r = rng.Uniform(1.2f, 3f);
        b.Rect(-0.13f, 0, 0.13f, trunkH + r * 0.5f, Mat((90, 70, 50), 21, 0.15f, ramp: 0.5f));
        var leaves = Mat(StreetLayout.Pick(rng, [(60, 95, 35), (80, 110, 40), (50, 80, 45)]), 21, 0.45f);
        int blobs = rng.Next(3, 7);
        for (int i = 0; i < blobs; i++)
            b.Ellipse(rng.Uniform(-0.6f, 0.6f) * r, trunkH + r + rng.Uniform(-0.5f, 0.5f) * r, r * rng.Uniform(0.5f, 0.85f),
                r * rng.Uniform(0.45f, 0.8f), leaves.Shaded(rng.Uniform(0.75f, 1.2f)) with { Seed = (uint)rng.Next() }, -0.1f);
    }

    private void Bin(float x, float z)
    {
        var b = new Billboard(canvas, Cam, x, z);
        b.Rect(-0.3f, 0, 0.3f, rng.Uniform(0.8f, 1.3f), Mat(StreetLayout.Pick(rng, [(40, 90, 50), (150, 150, 150), (200, 120, 30)]), 4, 0.08f, ramp: 0.4f));
    }

    private void Car(bool large = false)
    {
        float laneCenter = rng.NextDouble() < 0.3
            ? (rng.NextDouble() < 0.5 ? s.RoadLeft + 1.1f : s.RoadRight - 1.1f) // parked at the curb
            : rng.Uniform(s.RoadLeft + 1f, s.RoadRight - 1f);
        float z = rng.Uniform(large ? 10f : 5f, 70f);
        byte label = large ? (byte)(rng.NextDouble() < 0.5 ? 27 : 28) : (byte)26;
        float w = large ? rng.Uniform(2.3f, 2.6f) : rng.Uniform(1.6f, 1.95f);
        float h = large ? rng.Uniform(2.8f, 3.4f) : rng.Uniform(1.35f, 1.65f);
        float len = large ? rng.Uniform(7f, 12f) : rng.Uniform(3.8f, 4.8f);
        int id = NewInstance(label);
        Material body = RandomColor(label, id, 0.05f);
        Material dark = Mat((25, 25, 28), label, 0.1f, id), glass = Mat((45, 55, 65), label, 0.08f, id);
        bool front = laneCenter < (s.RoadLeft + s.RoadRight) * 0.5f - 1f && rng.NextDouble() < 0.6; // oncoming
        var b = new Billboard(canvas, Cam, laneCenter, z);
        float hw = w * 0.5f;
        // Back (or front) face.
        b.Rect(-hw, 0.28f, hw, large ? h - 0.2f : 0.95f, body);
        if (large) b.Rect(-hw + 0.1f, h * 0.55f, hw - 0.1f, h - 0.35f, glass, -0.01f);
        else
        {
            b.Poly([(-hw * 0.92f, 0.95f), (hw * 0.92f, 0.95f), (hw * 0.7f, h), (-hw * 0.7f, h)], body);
            b.Poly([(-hw * 0.8f, 1.0f), (hw * 0.8f, 1.0f), (hw * 0.66f, h - 0.07f), (-hw * 0.66f, h - 0.07f)], glass, -0.01f);
        }
        b.Rect(-hw + 0.02f, 0, -hw + 0.32f, 0.4f, dark, 0.02f);
        b.Rect(hw - 0.32f, 0, hw - 0.02f, 0.4f, dark, 0.02f);
        b.Rect(-hw, 0.25f, hw, 0.4f, dark.Shaded(1.6f), -0.005f);
        var lamp = front ? Mat((250, 245, 220), label, 0.03f, id) : Mat((200, 20, 20), label, 0.05f, id);
        b.Rect(-hw + 0.05f, 0.65f, -hw + 0.3f, 0.82f, lamp, -0.01f);
        b.Rect(hw - 0.3f, 0.65f, hw - 0.05f, 0.82f, lamp, -0.01f);
        b.Rect(-0.26f, 0.45f, 0.26f, 0.57f, Mat((235, 235, 235), label, 0.03f, id), -0.01f);
        // Visible side: the plane facing the camera's axis, from z to z + len.
        if (MathF.Abs(laneCenter) > hw) SideFace(laneCenter > 0 ? laneCenter - hw : laneCenter + hw, z, len, h, large, body, dark, glass);
    }

    private void SideFace(float planeX, float z0, float len, float h, bool large, Material body, Material dark, Material glass)
    {
        Camera cam = Cam;
        float xa = cam.ColumnOf(planeX, z0), xb = cam.ColumnOf(planeX, z0 + len);
        int ix0 = Math.Max(0, (int)MathF.Min(xa, xb) - 1), ix1 = Math.Min(canvas.Width - 1, (int)MathF.Max(xa, xb) + 1);
        int iy0 = Math.Max(0, (int)cam.RowOf(h, z0) - 1), iy1 = Math.Min(canvas.Height - 1, (int)cam.RowOf(0, z0) + 1);
        float r = 0.33f;
        for (int y = iy0; y <= iy1; y++)
            for (int x = ix0; x <= ix1; x++)
            {
                float dx = x + 0.5f - cam.VanishX;
                if (MathF.Abs(dx) < 1e-3f) continue;
                float z = cam.Focal * planeX / dx;
                if (z < z0 || z > z0 + len) continue;
                float v = cam.Height - (y + 0.5f - cam.HorizonY) * z / cam.Focal;
                float u = z - z0;
                float d1 = Dist(u, v, 0.75f, r), d2 = Dist(u, v, len - 0.85f, r);
                if (d1 < r || d2 < r) { canvas.Put(x, y, z, dark, MathF.Min(d1, d2) < r * 0.55f ? 2.5f : 1f); continue; }
                if (v < 0.3f || v > h) continue;
                if (large)
                {
                    bool win = v > h * 0.5f && v < h - 0.3f && BackgroundFrac(u / 1.6f) < 0.85f;
                    canvas.Put(x, y, z, win ? glass : body, win ? 1f : 0.9f);
                }
                else if (v <= 0.95f) canvas.Put(x, y, z, body, 0.85f);
                else
                {
                    float shrink = (v - 0.95f) * 1.2f;
                    if (u < 0.9f + shrink || u > len - 0.9f - shrink * 0.6f) continue;
                    bool win = v > 1.0f && v < h - 0.07f && u > 1.0f + shrink && u < len - 1.0f - shrink * 0.6f && MathF.Abs(u - len * 0.52f) > 0.06f;
                    canvas.Put(x, y, z, win ? glass : body, 0.85f);
                }
            }
    }

    private static float Dist(float u, float v, float cu, float cv) => MathF.Sqrt((u - cu) * (u - cu) + (v - cv) * (v - cv));

    private static float BackgroundFrac(float v) => v - MathF.Floor(v);

    private void Person(float x, float z, bool mirror, int forcedId, float scale = 1f)
    {
        int id = forcedId >= 0 ? forcedId : NewInstance(24);
        float k = rng.Uniform(0.85f, 1.1f) * scale;
        var b = new Billboard(canvas, Cam, x, z, mirror);
        var skin = Mat(StreetLayout.Pick(rng, [(230, 190, 160), (190, 140, 110), (120, 85, 60), (245, 210, 185)]), 24, 0.04f, id);
        var shirt = RandomColor(24, id, 0.08f);
        var legs = RandomColor(24, id, 0.08f);
        float stride = rng.Uniform(-0.22f, 0.22f);
        b.Line(-0.08f, 0.9f * k, -0.08f - stride, 0.03f, 0.14f * k, legs);
        b.Line(0.08f, 0.9f * k, 0.08f + stride, 0.03f, 0.14f * k, legs, 0.01f);
        b.Poly([(-0.17f * k, 0.88f * k), (0.17f * k, 0.88f * k), (0.21f * k, 1.42f * k), (-0.21f * k, 1.42f * k)], shirt);
        b.Line(-0.22f * k, 1.38f * k, -0.26f * k - stride * 0.5f, 0.82f * k, 0.09f * k, shirt, -0.01f);
        b.Line(0.22f * k, 1.38f * k, 0.26f * k + stride * 0.5f, 0.82f * k, 0.09f * k, shirt, -0.01f);
        b.Ellipse(0, 1.58f * k, 0.1f * k, 0.13f * k, skin);
        b.Ellipse(0, 1.65f * k, 0.105f * k, 0.08f * k, Mat((40, 30, 25), 24, 0.1f, id), -0.005f);
        if (rng.NextDouble() < 0.25) b.Rect(0.18f * k, 0.85f * k, 0.42f * k, 1.15f * k, RandomColor(24, id), -0.02f); // bag
    }

    private void Group()
    {
        float x = SidewalkX(), z = rng.Uniform(6f, 30f);
        int n = rng.Next(2, 5);
        for (int i = 0; i < n; i++) Person(x + rng.Uniform(-0.7f, 0.7f), z + rng.Uniform(-0.8f, 0.8f), rng.NextDouble() < 0.5, -1);
    }

    private void Cycle(float x, float z, bool rider, bool motor)
    {
        byte label = motor ? (byte)32 : (byte)33;
        int id = NewInstance(label);
        bool mirror = rng.NextDouble() < 0.5;
        var b = new Billboard(canvas, Cam, x, z, mirror);
        var tyre = Mat((20, 20, 20), label, 0.05f, id);
        var frame = RandomColor(label, id, 0.05f);
        float r = motor ? 0.32f : 0.34f, tw = motor ? 0.11f : 0.045f, fw = motor ? 0.08f : 0.035f;
        (float U, float V) rear = (-0.52f, r), front = (0.53f, r), bb = (-0.02f, 0.3f), seat = (-0.17f, 0.92f), head = (0.38f, 0.86f);
        b.Ring(rear.U, rear.V, r, tw, tyre);
        b.Ring(front.U, front.V, r, tw, tyre);
        if (!motor)
        {
            // Spokes: a few very thin lines.
            for (int i = 0; i < 3; i++)
            {
                float a = i * MathF.PI / 3f;
                foreach (var c in new[] { rear, front })
                    b.Line(c.U - MathF.Cos(a) * r, c.V - MathF.Sin(a) * r, c.U + MathF.Cos(a) * r, c.V + MathF.Sin(a) * r, 0.01f, frame.Shaded(0.8f), 0.01f);
            }
        }
        b.Line(rear.U, rear.V, bb.U, bb.V, fw, frame, -0.01f);
        b.Line(rear.U, rear.V, seat.U, seat.V - 0.05f, fw, frame, -0.01f);
        b.Line(bb.U, bb.V, seat.U, seat.V - 0.05f, fw, frame, -0.01f);
        b.Line(bb.U, bb.V, head.U, head.V - 0.1f, fw, frame, -0.01f);
        b.Line(seat.U, seat.V - 0.08f, head.U, head.V - 0.05f, fw, frame, -0.01f);
        b.Line(head.U, head.V, front.U, front.V, fw, frame, -0.01f);
        b.Line(head.U, head.V, head.U - 0.08f, head.V + 0.16f, fw, tyre, -0.01f);
        b.Rect(seat.U - 0.1f, seat.V - 0.04f, seat.U + 0.1f, seat.V + 0.02f, tyre, -0.01f);
        if (motor) b.Ellipse(-0.05f, 0.55f, 0.42f, 0.2f, frame, -0.02f);
        if (!rider) return;
        int rid = NewInstance(25);
        var clothes = RandomColor(25, rid, 0.08f);
        var trousers = RandomColor(25, rid, 0.08f);
        var skin = Mat((220, 180, 150), 25, 0.04f, rid);
        float dz = -0.05f;
        (float U, float V) hip = (seat.U, seat.V + 0.06f), shoulder = (0.12f, 1.48f), knee = (0.18f, 0.72f);
        b.Line(hip.U, hip.V, knee.U, knee.V, 0.15f, trousers, dz);
        b.Line(knee.U, knee.V, bb.U + 0.05f, bb.V - 0.05f, 0.12f, trousers, dz);
        b.Line(hip.U, hip.V, shoulder.U, shoulder.V, 0.34f, clothes, dz);
        b.Line(shoulder.U, shoulder.V, head.U - 0.06f, head.V + 0.14f, 0.09f, clothes, dz - 0.01f);
        b.Ellipse(shoulder.U + 0.06f, shoulder.V + 0.2f, 0.11f, 0.13f, motor ? Mat((30, 30, 30), 25, 0.05f, rid) : skin, dz);
    }

    private void EgoHood()
    {
        var hood = new Material(30, 32, 36, 1, 0, 0.05f, 0f, (uint)rng.Next());
        float hh = canvas.Height * rng.Uniform(0.06f, 0.13f);
        for (int x = 0; x < canvas.Width; x++)
        {
            float t = (x + 0.5f - canvas.Width * 0.5f) / (canvas.Width * 0.5f);
            float top = canvas.Height - hh * (1f - 0.4f * t * t);
            for (int y = Math.Max(0, (int)MathF.Ceiling(top - 0.5f)); y < canvas.Height; y++)
                canvas.Put(x, y, 0f, hood, 1f + 0.8f * MathF.Max(0, 1f - MathF.Abs(t - 0.3f) * 4f));
        }
    }
}
