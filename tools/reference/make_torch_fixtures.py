"""Writes the torch.save fixtures of the worker's torch reader tests (services/npu-worker/Worker.Tests/Fixtures/torch):
one tensor saved by real PyTorch the way vLLM's clients send prompt_embeds (torch.save(tensor, buffer)), in each
float type the reader converts, a 3-D one, and a transposed view (non-row-major strides) the reader refuses.

    /usr/bin/python3 tools/reference/make_torch_fixtures.py   (Debian's python3-torch; from the repository root)
"""
import io
import os

import torch

OUT = "services/npu-worker/Worker.Tests/Fixtures/torch"


def save(name, tensor):
    buffer = io.BytesIO()
    torch.save(tensor, buffer)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(buffer.getvalue())
    print(f"wrote {OUT}/{name} ({tuple(tensor.shape)}, {tensor.dtype})")


def main():
    os.makedirs(OUT, exist_ok=True)
    # i * 0.25 - 1.5 for i in 0..11: exact in float32, float16 and bfloat16.
    values = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.25 - 1.5
    for dtype, name in [(torch.float32, "float32"), (torch.float16, "float16"), (torch.bfloat16, "bfloat16")]:
        save(f"tensor_{name}.pt", values.to(dtype))
    save("tensor_batch.pt", values[:2].reshape(1, 2, 4).clone())
    save("tensor_transposed.pt", values.t())


if __name__ == "__main__":
    main()
