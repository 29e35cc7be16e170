// Writes what crosscheck.py compares: the network's weights as safetensors (NetworkWeights.SaveSafetensors), one
// normalised image and the C# outputs for it (stride-8 logits, guidance, iGUM-upsampled logits), as raw float32.
//   dotnet build -c Release
//   dotnet fsi tools/pytorch-crosscheck/dump.fsx <model.zip or "random"> <image.png> <out folder>
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/TorchSharp.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Microsoft.ML.Core.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Microsoft.ML.Data.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Microsoft.ML.DataView.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Microsoft.ML.ImageAnalytics.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Ssn.MLNet.dll"
#r "../../Ssn.MLNet.Samples/bin/Release/net10.0/Ssn.MLNet.Trainers.dll"
open System.IO
open Ssn.MLNet
open Ssn.MLNet.Trainers
open TorchSharp

Runtime.TorchRuntime.EnsureLoaded()
let args = fsi.CommandLineArgs |> Array.skip 1
let modelArg, imagePath, outDir = args.[0], args.[1], args.[2]
Directory.CreateDirectory outDir |> ignore

let sc (v: float) : Scalar = Scalar.op_Implicit v

let network, normalization =
    if modelArg = "random" then
        // The paper network with random weights and random BatchNorm statistics (so that eval mode is not trivial).
        torch.manual_seed 7L |> ignore
        let n = Modeling.SegmentationModels.Create(Modeling.SsnNetworkOptions(NumClasses = 11))
        use _ = torch.no_grad()
        for (_, m) in n.named_modules() do
            match m with
            | :? Modules.BatchNorm2d as bn ->
                bn.running_mean.copy_(torch.rand_like(bn.running_mean).mul(sc 0.4).sub(sc 0.2)) |> ignore
                bn.running_var.copy_(torch.rand_like(bn.running_var).add(sc 0.5)) |> ignore
                bn.weight.copy_(torch.rand_like(bn.weight).add(sc 0.5)) |> ignore
                bn.bias.copy_(torch.rand_like(bn.bias).mul(sc 0.2).sub(sc 0.1)) |> ignore
            | _ -> ()
        // The zero-initialised guidance head would make iGUM plain bilinear: give it weights too.
        n.GuidedDecoder.GuidanceHead.weight.copy_(torch.randn_like(n.GuidedDecoder.GuidanceHead.weight).mul(sc 0.05)) |> ignore
        n, Transforms.ImageNormalization.ImageNet
    else
        let ml = Microsoft.ML.MLContext(1)
        let t = MLNetInterop.SsnModelFile.LoadTransformer<Transforms.SpatialSamplingTransformer>(ml, modelArg, ref null)
        t.Model, t.Normalization

network.eval()
Modeling.NetworkWeights.SaveSafetensors(network, Path.Combine(outDir, "weights.safetensors"))
let image = Imaging.ImageFile.ReadRgb imagePath
let chw = Array.zeroCreate<float32> (3 * image.Width * image.Height)
normalization.ToChw(image, System.Span chw)
let write (name: string) (t: torch.Tensor) =
    let data = t.contiguous().data<float32>().ToArray()
    let bytes = Array.zeroCreate<byte> (data.Length * 4)
    System.Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length)
    File.WriteAllBytes(Path.Combine(outDir, name + ".f32"), bytes)
    File.WriteAllText(Path.Combine(outDir, name + ".shape"), System.String.Join(",", t.shape))
let x = torch.tensor(chw, System.ReadOnlySpan<int64>([| 1L; 3L; int64 image.Height; int64 image.Width |]))
write "input" x
let noGrad = torch.no_grad()
let output = network.ForwardHeads(x)
write "logits" output.Logits
write "guidance" output.Guidance
write "upsampled" (network.Decode(output, torch.GridSampleMode.Nearest).Logits)
printfn "wrote %s: weights.safetensors, input, logits %A, guidance, upsampled" outDir output.Logits.shape
