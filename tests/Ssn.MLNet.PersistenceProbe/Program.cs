// Usage: dotnet exec --depsfile <tests>.deps.json --runtimeconfig <tests>.runtimeconfig.json
//        Ssn.MLNet.PersistenceProbe.dll <model.zip> <output column>
//        Ssn.MLNet.PersistenceProbe.dll <model.zip> --segment <image.png>...
// Prints "type=<loaded transformer type>" then one transformed value per line (or, with --segment, the SHA-256 of
// each image's PredictedLabel and PredictedInstanceIds); exit code 1 on failure.

using Microsoft.ML;
using Ssn.MLNet.PersistenceProbe;

if (args.Length < 2 || (args[1] == "--segment" && args.Length < 3))
{
    Console.Error.WriteLine("usage: Ssn.MLNet.PersistenceProbe <model.zip> <output column> | <model.zip> --segment <image.png>...");
    return 2;
}
try
{
    var mlContext = new MLContext(seed: 0);
    var model = mlContext.Model.Load(args[0], out _);
    Console.WriteLine($"type={model.GetType().FullName}");
    var lines = args[1] == "--segment"
        ? SegmentationProbe.Hashes(mlContext, model, args[2..])
        : ProbeData.Format(model.Transform(ProbeData.Create(mlContext)), args[1]);
    foreach (string value in lines)
        Console.WriteLine(value);
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex);
    return 1;
}
