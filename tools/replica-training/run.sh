#!/usr/bin/env bash
# Alternates one process per setting (Replicas 1, 2, 1, 2, 1, 2) and leaves their JSON in $1 (default /tmp/replicas).
set -euo pipefail
out=${1:-/tmp/replicas}; mkdir -p "$out"
cd "$(dirname "$0")" && dotnet build -c Release -v q >/dev/null
for i in 1 2 3; do for r in 1 2; do dotnet bin/Release/net10.0/replica-training.dll "$r" 3 "$out/replicas$r-$i.json"; done; done
