namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// How a painted shape looks and what it is labelled: base colour, per-pixel texture noise, a horizontal shading
/// ramp (e.g. a lit cylinder), the Cityscapes label id and the full instance id (0 = not an instance).
/// </summary>
internal readonly record struct Material(float R, float G, float B, byte LabelId, int InstanceId = 0,
    float Noise = 0.06f, float Ramp = 0f, uint Seed = 0)
{
    /// <summary>The same material with another colour.</summary>
    internal Material WithColor(float r, float g, float b) => this with { R = r, G = g, B = b };

    /// <summary>The same material scaled in brightness.</summary>
    internal Material Shaded(float f) => this with { R = R * f, G = G * f, B = B * f };
}
