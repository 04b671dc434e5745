"""The bench's LeNet step in PyTorch, as a researcher writes FA for conv layers (BioTorch's way):
LeNet-5 (5x5 convolutions to 6, 16 and 120 maps, the first padded by 2, 2x2 max pools after the
first two, dense 84 and 10, relu), each layer an autograd Function whose backward sends the
gradient to its input through the fixed random B (torch.nn.grad.conv2d_input with B for a
convolution) and to its weight as usual; cross-entropy on batches of 128 shuffled digits; plain SGD
in place. Inputs are random pixels: dense convolutions cost the same whatever the pixels.

Long-lived, as torch_steps.py: prints "ready", then answers `lenet SECONDS` with
{"count": steps, "seconds": elapsed}. Threads: BENCH_TORCH_THREADS (torch.set_num_threads).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("BENCH_TORCH_THREADS", "1")))
torch.manual_seed(0)
BATCH = int(os.environ.get("BENCH_LENET_BATCH", "128"))


class FAConv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, W, b, B, padding):
        ctx.save_for_backward(x, W, B)
        ctx.padding = padding
        return F.conv2d(x, W, b, padding=padding)

    @staticmethod
    def backward(ctx, grad):
        x, W, B = ctx.saved_tensors
        grad_x = torch.nn.grad.conv2d_input(x.shape, B, grad, padding=ctx.padding) if ctx.needs_input_grad[0] else None
        grad_W = torch.nn.grad.conv2d_weight(x, W.shape, grad, padding=ctx.padding)
        return grad_x, grad_W, grad.sum((0, 2, 3)), None, None


class FALinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, W, b, B):
        ctx.save_for_backward(x, B)
        return torch.addmm(b, x, W.t())

    @staticmethod
    def backward(ctx, grad):
        x, B = ctx.saved_tensors
        return grad.mm(B), grad.t().mm(x), grad.sum(0), None


def he(*shape, fan_in):
    return torch.randn(*shape) * math.sqrt(2 / fan_in)


# (out, in, k, k) kernels, (out, in) matrices, as torch lays them out
convs = [(6, 1, 5, 2), (16, 6, 5, 0), (120, 16, 5, 0)]
conv_params = [(he(o, i, k, k, fan_in=i * k * k).requires_grad_(), torch.zeros(o, requires_grad=True), he(o, i, k, k, fan_in=i * k * k), p) for o, i, k, p in convs]
dense = [(84, 120), (10, 84)]
dense_params = [(he(o, i, fan_in=i).requires_grad_(), torch.zeros(o, requires_grad=True), he(o, i, fan_in=i)) for o, i in dense]
params = [t for W, b, *_ in conv_params + dense_params for t in (W, b)]

n, lr = 6000, 0.01
X = torch.rand(n, 1, 28, 28)
Y = torch.randint(0, 10, (n,))
cursor = [0, torch.randperm(n)]


def step():
    i, order = cursor
    if i + BATCH > n:
        cursor[1] = order = torch.randperm(n)
        i = 0
    rows = order[i : i + BATCH]
    cursor[0] = i + BATCH
    h = X[rows]
    for layer, (W, b, B, p) in enumerate(conv_params):
        h = FAConv.apply(h, W, b, B, p).relu()
        if layer < 2:
            h = F.max_pool2d(h, 2)
    h = h.flatten(1)
    for layer, (W, b, B) in enumerate(dense_params):
        h = FALinear.apply(h, W, b, B)
        if layer < len(dense_params) - 1:
            h = h.relu()
    loss = F.cross_entropy(h, Y[rows])
    for t in params:
        t.grad = None
    loss.backward()
    with torch.no_grad():
        for t in params:
            t.sub_(t.grad, alpha=lr)


for _ in range(5):
    step()
print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

for line in sys.stdin:
    name, seconds = line.split()
    if name != "lenet":
        raise SystemExit(f"torch_lenet.py: unknown task {name}")
    started = time.perf_counter()
    count = 0
    while time.perf_counter() - started < float(seconds):
        step()
        count += 1
    print(json.dumps({"count": count, "seconds": time.perf_counter() - started}), flush=True)
