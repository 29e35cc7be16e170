#!/usr/bin/env bash
# Disk size of what a consumer app deploys, from the packed packages on a local feed (README "Packages, platforms,
# CPU or CUDA" and "A libtorch-free ML.NET transformer"). Writes JSON to the path given (default package-sizes.json):
#   packages_mib        each packed .nupkg (the ssn tool: one package per platform behind a pointer package)
#   onnx_only_publish   `dotnet publish -r linux-x64` of an app referencing Ssn.MLNet + Microsoft.ML.OnnxRuntime (CPU)
#   torch_with_libtorch build output of an app referencing Ssn.MLNet.Trainers + libtorch-cpu-linux-x64 (train, predict, export;
#                       no ONNX Runtime native since Ssn.MLNet depends on the managed package only)
#   torch_without_libtorch the same app without the libtorch package
# Usage (from the repository root): tools/package-sizes/measure.sh [out.json]     (needs the NuGet registry)
set -euo pipefail
out=$(realpath -m "${1:-package-sizes.json}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)
libtorch=$(sed -n 's:.*Include="libtorch-cpu-linux-x64" Version="\([^"]*\)".*:\1:p' "$repo/Directory.Packages.props" | head -1)

for project in Ssn.MLNet Ssn.MLNet.Trainers Ssn.MLNet.Models Ssn.MLNet.Samples; do
  dotnet pack "$repo/$project/$project.csproj" -c Release -o "$work/feed" -v q -nologo
done
cat > "$work/nuget.config" <<XML
<configuration><packageSources><add key="local" value="$work/feed" /></packageSources></configuration>
XML
# The feed's packages must come from this build, not from an earlier pack of the same version in the global cache.
cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
rm -rf "$cache/ssn.mlnet" "$cache/ssn.mlnet.trainers" "$cache/ssn.mlnet.models"

app() { # name, package references (Include=Version pairs), C# body
  local dir="$work/$1"; mkdir -p "$dir"; shift
  local refs=""; for r in $1; do refs+="<PackageReference Include=\"${r%%=*}\" Version=\"${r#*=}\" />"; done
  cat > "$dir/app.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>
<Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup><ItemGroup>$refs</ItemGroup></Project>
XML
  echo "$2" > "$dir/Program.cs"
  cp "$work/nuget.config" "$dir/"
}
mib() { du -sb "$1" | awk '{printf "%.1f", $1 / 1048576}'; }
largest() { find "$1" -type f -printf '%s %P\n' | sort -rn | head -5 | awk '{printf "%s{\"file\": \"%s\", \"mib\": %.1f}", (NR > 1 ? ", " : ""), $2, $1 / 1048576}'; }

ort=$(sed -n 's:.*Include="Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*:\1:p' "$repo/Directory.Packages.props" | head -1)
app onnx "Ssn.MLNet=$version Microsoft.ML.OnnxRuntime=$ort" 'Console.WriteLine(typeof(Ssn.MLNet.OnnxRuntime.SsnOnnxTransformer).FullName);'
dotnet publish "$work/onnx" -c Release -r linux-x64 --self-contained false -o "$work/onnx/publish" -v q -nologo
app torch "Ssn.MLNet.Trainers=$version libtorch-cpu-linux-x64=$libtorch" 'Console.WriteLine(typeof(Ssn.MLNet.Trainers.Modeling.SegmentationModels).FullName);'
dotnet build "$work/torch" -c Release -o "$work/torch/bin-out" -v q -nologo
app bare "Ssn.MLNet.Trainers=$version" 'Console.WriteLine(typeof(Ssn.MLNet.Trainers.Modeling.SegmentationModels).FullName);'
dotnet build "$work/bare" -c Release -o "$work/bare/bin-out" -v q -nologo

load=$(cut -d' ' -f1 /proc/loadavg)
cat > "$out.tmp" <<JSON
{
 "what": "tools/package-sizes/measure.sh: disk size of consumer apps built from the packed packages ($version) on a local feed",
 "provenance": {"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "commit": "$(git -C "$repo" rev-parse --short=7 HEAD 2>/dev/null || echo unknown)",
   "machine": "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) logical CPUs, $(uname -m)", "dotnet": "$(dotnet --version)", "loadAverageEnd": $load},
 "packages_mib": {$(for f in "$work"/feed/*.nupkg; do printf '%s"%s": %s' "${sep:-}" "$(basename "$f" .nupkg)" "$(mib "$f")"; sep=", "; done)},
 "onnx_only_publish": {"mib": $(mib "$work/onnx/publish"), "command": "dotnet publish -r linux-x64 --self-contained false", "largest": [$(largest "$work/onnx/publish")],
   "torch_files": $(find "$work/onnx/publish" -iname '*torch*' | wc -l)},
 "torch_with_libtorch": {"mib": $(mib "$work/torch/bin-out"), "command": "dotnet build (libtorch-cpu-linux-x64 $libtorch)", "largest": [$(largest "$work/torch/bin-out")]},
 "torch_without_libtorch": {"mib": $(mib "$work/bare/bin-out"), "command": "dotnet build", "largest": [$(largest "$work/bare/bin-out")]}
}
JSON
mv "$out.tmp" "$out"
cat "$out"
