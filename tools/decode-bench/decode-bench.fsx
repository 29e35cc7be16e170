// Decode time of the CamVid val images (101 RGB PNGs + 101 8-bit annotations) with the decoder the project used until
// 2026-12-07 (SixLabors.ImageSharp 2.1.13, flagged for crafted files) and the one it uses since (SkiaSharp 3.119.4, the
// version ML.NET 6 brings). Not a project: ImageSharp is referenced here only, for the "before" figure.
// Usage: dotnet fsi tools/decode-bench/decode-bench.fsx <camvid root> <out.json>   (idle machine; 5 alternating rounds)
#r "nuget: SixLabors.ImageSharp, 2.1.13"
#r "nuget: SkiaSharp, 3.119.4"
#r "nuget: SkiaSharp.NativeAssets.Linux.NoDependencies, 3.119.4"
open System
open System.IO
open System.Diagnostics
open SixLabors.ImageSharp
open SixLabors.ImageSharp.PixelFormats
open SkiaSharp

let root, outPath = fsi.CommandLineArgs.[1], fsi.CommandLineArgs.[2]
let images = Directory.GetFiles(Path.Combine(root, "val"), "*.png") |> Array.sort |> Array.map File.ReadAllBytes
let labels = Directory.GetFiles(Path.Combine(root, "valannot"), "*.png") |> Array.sort |> Array.map File.ReadAllBytes

let imageSharp (rgb: bool) (bytes: byte[]) =
    if rgb then (use i = Image.Load<Rgb24>(bytes) in i.Width) else (use i = Image.Load<L8>(bytes) in i.Width)

let skia (rgb: bool) (bytes: byte[]) =
    use data = SKData.CreateCopy bytes
    use codec = SKCodec.Create data
    let info = SKImageInfo(codec.Info.Width, codec.Info.Height, (if rgb then SKColorType.Rgba8888 else SKColorType.Gray8),
                           (if rgb then SKAlphaType.Unpremul else SKAlphaType.Opaque))
    let pixels = Array.zeroCreate<byte> info.BytesSize
    let handle = Runtime.InteropServices.GCHandle.Alloc(pixels, Runtime.InteropServices.GCHandleType.Pinned)
    try (if codec.GetPixels(info, handle.AddrOfPinnedObject()) <> SKCodecResult.Success then failwith "decode failed")
    finally handle.Free()
    info.Width

let time (decode: bool -> byte[] -> int) (files: byte[][]) rgb =
    let clock = Stopwatch.StartNew()
    for f in files do decode rgb f |> ignore
    clock.Elapsed.TotalMilliseconds / float files.Length

for d in [ imageSharp; skia ] do time d images true |> ignore; time d labels false |> ignore   // warm-up
let rounds = [ for _ in 1 .. 5 -> [ time imageSharp images true; time skia images true; time imageSharp labels false; time skia labels false ] ]
let median (xs: float list) = let s = List.sort xs in s.[s.Length / 2]
let col i = rounds |> List.map (fun r -> r.[i]) |> median
let load () = File.ReadAllText("/proc/loadavg").Split(' ').[0]
let json =
    sprintf """{ "what": "median ms per CamVid val image decode, 5 alternating rounds after a warm-up", "date": "%s", "cpu": "%s", "load_average_end": %s,
  "images": %d, "rgb_png_480x360": { "imagesharp_2_1_13": %.3f, "skiasharp_3_119_4": %.3f },
  "gray8_png_480x360": { "imagesharp_2_1_13": %.3f, "skiasharp_3_119_4": %.3f } }"""
        (DateTime.UtcNow.ToString "o") ((File.ReadAllLines "/proc/cpuinfo" |> Array.find (fun l -> l.StartsWith "model name")).Split(':').[1].Trim())
        (load ()) images.Length (col 0) (col 1) (col 2) (col 3)
File.WriteAllText(outPath, json)
printfn "%s" json
