// One-off (0.1.0 layout, 2026-12-07): rewrites the zoo's safetensors so that their header's network options use the new
// keys (ArchitectureOptions instead of EspnetAlpha2/3, EspnetLevel1Skip); fails unless every tensor is bit for bit the same.
//   dotnet build -c Release && dotnet fsi tools/migrate-weights/zoo-0.1.0.fsx
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/TorchSharp.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Microsoft.ML.Core.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Microsoft.ML.Data.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Microsoft.ML.DataView.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Ssn.MLNet.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Ssn.MLNet.Trainers.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Ssn.MLNet.Models.dll"
open System.IO
open Ssn.MLNet.Trainers.Modeling
Ssn.MLNet.Trainers.Runtime.TorchRuntime.EnsureLoaded()
let ml = Microsoft.ML.MLContext(1)
for name in ["camvid-ssn"; "camvid-espnet"; "cityscapes-espnet"] do
    let path = (Path.Combine(__SOURCE_DIRECTORY__, "../../Ssn.MLNet.Models/Zoo", name + ".safetensors")) name
    let before = NetworkWeights.ReadTensors(path)
    use t = Ssn.MLNet.Models.PretrainedModels.Get(name).Load(ml)
    let bytes = NetworkWeights.ToSafetensors(t.Model)
    let tmp = Path.GetTempFileName()
    File.WriteAllBytes(tmp, bytes)
    let after = NetworkWeights.ReadTensors(tmp)
    if before.Count <> after.Count then failwithf "%s: %d vs %d tensors" name before.Count after.Count
    for (a, b) in Seq.zip before after do
        if a.Key <> b.Key || not (a.Value.equal(b.Value).all().item<bool>()) then failwithf "%s: %s differs" name a.Key
    File.WriteAllBytes(path, bytes)
    printfn "%s: %d tensors identical, options %s" name after.Count (System.Text.Json.JsonSerializer.Serialize(t.Model.Options))
