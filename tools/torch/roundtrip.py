"""The files of the save -> load round trips (language.md "Files that PyTorch reads"): float64
.safetensors written and read by hand (the format: u64 little-endian header length, JSON header,
raw data), and models that rnn-kernel itself makes and saves with `rnn-kernel run`.

RNN_KERNEL names the rnn-kernel binary; by default the repository's .build/debug/rnn-kernel.
"""
import json
import os
import struct
import subprocess
import tempfile

import numpy as np
import torch

from twin import ROOT

KERNEL = os.environ.get("RNN_KERNEL", os.path.join(ROOT, ".build", "debug", "rnn-kernel"))


def write_safetensors(path, tensors):
    """Writes {name: tensor} as float64 safetensors, in the dict's order, without metadata."""
    header, blobs, offset = {}, [], 0
    for k, v in tensors.items():
        b = v.detach().contiguous().to(torch.float64).numpy().astype("<f8").tobytes()
        header[k] = {"dtype": "F64", "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_safetensors(path):
    """Reads a float64 safetensors file: ({name: tensor}, the __metadata__ dict or {})."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for k, info in header.items():
        if k == "__metadata__":
            continue
        assert info["dtype"] == "F64", info
        a, b = info["data_offsets"]
        out[k] = torch.tensor(np.frombuffer(data[8 + n + a:8 + n + b], dtype="<f8").reshape(info["shape"]).copy())
    return out, header.get("__metadata__", {})


def kernel_save(cell, path):
    """Has rnn-kernel make `cell m = <cell>` and `save m to "<path>"`, through a temporary script."""
    script = f"cell m = {cell}\nsave m to \"{path}\"\n"
    with tempfile.NamedTemporaryFile("w", suffix=".rnn", delete=False) as f:
        f.write(script)
    try:
        subprocess.run([KERNEL, "run", f.name], check=True, stdout=subprocess.DEVNULL)
    finally:
        os.unlink(f.name)
