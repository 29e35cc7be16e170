using System.Runtime.CompilerServices;

namespace Ssn.MLNet.Data.Synthetic;

/// <summary>Stateless hash noise and smooth value noise for procedural textures (deterministic, allocation-free).</summary>
internal static class Noise
{
    /// <summary>A well-mixed 32-bit hash of two integer coordinates and a seed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Hash(int x, int y, uint seed)
    {
        uint h = seed ^ ((uint)x * 0x8DA6B343u) ^ ((uint)y * 0xD8163841u);
        h ^= h >> 15; h *= 0x2C1B3C6Du;
        h ^= h >> 12; h *= 0x297A2D39u;
        h ^= h >> 15;
        return h;
    }

    /// <summary>Uniform value in [0, 1) for an integer lattice point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float White(int x, int y, uint seed) => (Hash(x, y, seed) >> 8) * (1f / 16777216f);

    /// <summary>Smoothly interpolated lattice noise in [0, 1); <paramref name="x"/>, <paramref name="y"/> in lattice units.</summary>
    internal static float Value(float x, float y, uint seed)
    {
        int ix = (int)MathF.Floor(x), iy = (int)MathF.Floor(y);
        float fx = x - ix, fy = y - iy;
        fx = fx * fx * (3 - 2 * fx);
        fy = fy * fy * (3 - 2 * fy);
        float a = White(ix, iy, seed), b = White(ix + 1, iy, seed);
        float c = White(ix, iy + 1, seed), d = White(ix + 1, iy + 1, seed);
        return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
    }

    /// <summary>Two-octave value noise in [0, 1).</summary>
    internal static float Fbm(float x, float y, uint seed) =>
        0.65f * Value(x, y, seed) + 0.35f * Value(2.03f * x + 17.1f, 2.03f * y - 5.3f, seed + 101);

    /// <summary>Standard normal sample from a <see cref="Random"/>, Box–Muller.</summary>
    internal static float Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>Uniform value in [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    internal static float Uniform(this Random rng, float lo, float hi) => lo + (float)rng.NextDouble() * (hi - lo);
}
