namespace Ssn.MLNet.Serving;

/// <summary>The JSON answer of <c>POST /segment</c>.</summary>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Backend">The engine that predicted (TorchSharp or ONNX Runtime).</param>
/// <param name="Classes">Classes present in the class map, most pixels first.</param>
/// <param name="Instances">Instances of "thing" classes, in id order (id k is value k of the instance map).</param>
/// <param name="Timings">Where the time went, in milliseconds.</param>
public sealed record SegmentResponse(int Width, int Height, string Backend, IReadOnlyList<ClassPresence> Classes,
    IReadOnlyList<InstanceResult> Instances, Timings Timings);

/// <summary>A class present in the class map.</summary>
/// <param name="Id">Class index (the model's output index).</param>
/// <param name="Name">Class name.</param>
/// <param name="Pixels">Pixels predicted as this class.</param>
/// <param name="Fraction">Pixels / all pixels.</param>
public sealed record ClassPresence(int Id, string Name, int Pixels, double Fraction);

/// <summary>One predicted instance.</summary>
/// <param name="Id">Instance id.</param>
/// <param name="ClassId">Class index.</param>
/// <param name="ClassName">Class name.</param>
/// <param name="Score">Confidence in [0, 1].</param>
/// <param name="Area">Pixels.</param>
/// <param name="Box">Bounding box in pixels.</param>
public sealed record InstanceResult(int Id, int ClassId, string ClassName, float Score, int Area, Box Box);

/// <summary>A bounding box in pixels.</summary>
public sealed record Box(int X, int Y, int Width, int Height);

/// <summary>Milliseconds spent decoding the image, waiting for a free prediction slot, predicting, and in total.</summary>
public sealed record Timings(double DecodeMs, double QueueMs, double PredictMs, double TotalMs);

/// <summary>The answer of <c>GET /health</c>.</summary>
public sealed record HealthResponse(string Status, string Backend, string Model, IReadOnlyList<string> Classes,
    long MaxPixels, int MaxConcurrentPredictions);
