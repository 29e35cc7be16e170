using Ssn.MLNet.Samples.Cli;

// dotnet run -c Release --project Ssn.MLNet.Samples            → the main job (see README)
// dotnet run -c Release --project Ssn.MLNet.Samples -- --help  → the verbs: generate, train, evaluate, predict, bench
return await SsnCommandLine.InvokeAsync(args);
