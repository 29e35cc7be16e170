// Usage: dotnet exec --depsfile <tests>.deps.json --runtimeconfig <tests>.runtimeconfig.json
//        Ssn.MLNet.PersistenceProbe.dll <model.zip> <output column>
// Prints "type=<loaded transformer type>" then one transformed value per line; exit code 1 on failure.
using Microsoft.ML;
using Ssn.MLNet.PersistenceProbe;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Ssn.MLNet.PersistenceProbe <model.zip> <output column>");
    return 2;
}
try
{
    var mlContext = new MLContext(seed: 0);
    var model = mlContext.Model.Load(args[0], out _);
    Console.WriteLine($"type={model.GetType().FullName}");
    foreach (string value in ProbeData.Format(model.Transform(ProbeData.Create(mlContext)), args[1]))
        Console.WriteLine(value);
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex);
    return 1;
}
