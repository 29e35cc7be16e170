namespace Ssn.MLNet.Instances;

/// <summary>One predicted instance.</summary>
/// <param name="Id">Id in the instance-id map (1, 2, …; 0 = no instance).</param>
/// <param name="ClassId">Semantic class (train id): the majority "thing" class among the instance's pixels.</param>
/// <param name="Score">Confidence in [0, 1]: mean predicted probability of <paramref name="ClassId"/> over the pixels predicted as that class.</param>
/// <param name="Area">Number of pixels.</param>
/// <param name="X">Left of the bounding box (pixels).</param>
/// <param name="Y">Top of the bounding box.</param>
/// <param name="Width">Box width.</param>
/// <param name="Height">Box height.</param>
public readonly record struct SegmentedInstance(int Id, int ClassId, float Score, int Area, int X, int Y, int Width, int Height);
