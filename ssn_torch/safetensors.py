"""Reads and writes `.safetensors` files (Hugging Face's format) with torch alone.

Debian's python3-torch has no `safetensors` package, so this is the format itself, as `NetworkWeights.cs` writes it:
8-byte little-endian header length, a JSON header (name -> dtype, shape, data_offsets; `__metadata__` -> str -> str),
padded with spaces to a multiple of 8, then the raw little-endian tensor bytes in header order.
"""
import json
import os
import struct

import numpy as np
import torch

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
           "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}
_NAMES = {v: k for k, v in _DTYPES.items()}


def load(path):
    """Returns ({name: tensor}, metadata dict) in the file's order. Raises ValueError naming the file when it is not one."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: not a safetensors file ({len(data)} bytes)")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise ValueError(f"{path}: not a safetensors file, or truncated (its header claims {length} bytes)")
    try:
        header = json.loads(data[8:8 + length])
    except ValueError as e:
        raise ValueError(f"{path}: the header is not JSON ({e})") from None
    base = 8 + length
    tensors = {}
    for name, entry in sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0]):
        dtype = _DTYPES.get(entry["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}' has dtype {entry['dtype']}, not one of {', '.join(_DTYPES)}")
        begin, end = entry["data_offsets"]
        raw = bytearray(data[base + begin:base + end])
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if len(raw) != count * torch.empty((), dtype=dtype).element_size() or base + end > len(data):
            raise ValueError(f"{path}: tensor '{name}' holds {len(raw)} bytes for shape {entry['shape']} of {entry['dtype']}")
        flat = torch.frombuffer(raw, dtype=dtype) if count else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, header.get("__metadata__", {}) or {}


def save(tensors, path, metadata=None):
    """Writes {name: tensor} (contiguous CPU copies, in the dict's order) atomically: a temporary file, then a rename."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        if t.dtype not in _NAMES:
            raise ValueError(f"tensor '{name}' has dtype {t.dtype}; safetensors here covers {', '.join(map(str, _NAMES))}")
        blob = t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)
