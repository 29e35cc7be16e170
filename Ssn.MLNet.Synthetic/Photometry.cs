namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// Turns the rendered radiance into 8-bit camera pixels: per-image exposure (brightness), contrast, colour cast
/// (white balance), vignetting and Gaussian sensor noise.
/// </summary>
internal static class Photometry
{
    internal static byte[] Develop(SceneCanvas c, Random rng, float noiseStdDev)
    {
        float exposure = rng.Uniform(0.6f, 1.3f), contrast = rng.Uniform(0.75f, 1.2f);
        float cr = rng.Uniform(0.88f, 1.12f), cg = rng.Uniform(0.92f, 1.08f), cb = rng.Uniform(0.85f, 1.15f);
        float vignette = rng.Uniform(0f, 0.35f);
        float sigma = noiseStdDev * rng.Uniform(0.5f, 1.5f);
        var noiseRng = new Random(rng.Next());
        var rgb = new byte[c.Rgb.Length];
        float cx = c.Width * 0.5f, cy = c.Height * 0.5f, norm = 1f / (cx * cx + cy * cy);
        Span<float> cast = [cr, cg, cb];
        for (int y = 0; y < c.Height; y++)
            for (int x = 0; x < c.Width; x++)
            {
                float dx = x - cx, dy = y - cy;
                float v = exposure * (1f - vignette * (dx * dx + dy * dy) * norm);
                int i = 3 * (y * c.Width + x);
                for (int ch = 0; ch < 3; ch++)
                {
                    float p = ((c.Rgb[i + ch] - 128f) * contrast + 128f) * v * cast[ch];
                    if (sigma > 0) p += sigma * Noise.Gaussian(noiseRng);
                    rgb[i + ch] = (byte)Math.Clamp(MathF.Round(p), 0f, 255f);
                }
            }
        return rgb;
    }
}
