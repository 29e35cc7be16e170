namespace Ssn.MLNet.Data.Synthetic;

/// <summary>
/// A level pinhole camera <see cref="Height"/> metres above a flat ground plane, looking along the street (+Z).
/// World X is lateral (metres, right positive), Y is height above ground, Z is depth. The horizon row is
/// <see cref="HorizonY"/>, the vanishing point's column <see cref="VanishX"/>.
/// </summary>
internal readonly record struct Camera(float Focal, float Height, float VanishX, float HorizonY)
{
    /// <summary>Image column of world point (X, ·, Z).</summary>
    internal float ColumnOf(float x, float z) => VanishX + Focal * x / z;

    /// <summary>Image row of world point (·, Y, Z).</summary>
    internal float RowOf(float y, float z) => HorizonY + Focal * (Height - y) / z;

    /// <summary>Pixels per metre at depth <paramref name="z"/>.</summary>
    internal float Scale(float z) => Focal / z;

    /// <summary>Depth of the ground point seen at (pixel-centre) row <paramref name="row"/> (below the horizon).</summary>
    internal float GroundDepth(float row) => Focal * Height / (row - HorizonY);
}
