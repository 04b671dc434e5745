"""The bench's steps in PyTorch, written the way a researcher would: FA for a two-layer net.

Long-lived: builds the steps once, warms them up, prints "ready", then answers one line per
request on stdin, `TASK SECONDS`, by running TASK for SECONDS of wall time and printing
{"count": steps, "seconds": elapsed}. Tasks:

  mnist            784 -> 1000 relu -> 10, batch 600 shuffled, FA, cross-entropy   (a step is 600 samples)
  mnist-products   the five matrix products of that step alone, into preallocated outputs
  synthetic        n = 50, d = 150, p = 3200, full batch, FA, mse
  mnist-inplace,   the same steps written for speed, as FA Lab's fused step is: the update
  synthetic-inplace  accumulated into W by the product (W.addmm_(x.T, delta, alpha=-lr)), so dW is
                   never formed, and the elementwise work in place. The bench takes PyTorch's best.

The thread layout comes from the environment: BENCH_TORCH_THREADS (torch.set_num_threads) and
OPENBLAS_NUM_THREADS (read by OpenBLAS when torch loads it).
"""
import json
import math
import os
import sys
import time

import torch

torch.set_num_threads(int(os.environ.get("BENCH_TORCH_THREADS", "1")))
torch.manual_seed(0)


def same_update(step, step_inplace, state, cursor=None):
    """Checks that both ways of writing a step make the same update from the same state."""
    initial = [t.clone() for t in state]
    start = list(cursor) if cursor else None
    step()
    after = [t.clone() for t in state]
    for t, v in zip(state, initial):
        t.copy_(v)
    if cursor:
        cursor[:] = start
    step_inplace()
    for t, v in zip(state, after):
        if not torch.allclose(t, v, rtol=1e-4, atol=1e-6):
            raise SystemExit("torch_steps.py: the in-place step does not make the plain step's update")


def mnist_steps():
    n, d, p, k, batch, lr = 6000, 784, 1000, 10, 600, 0.01
    X = torch.rand(n, d)
    Y = torch.nn.functional.one_hot(torch.randint(0, k, (n,)), k).float()
    W = torch.randn(d, p) * math.sqrt(2 / d)
    beta = torch.randn(p, k) / math.sqrt(p)
    B = torch.randn(p, k) / math.sqrt(p)
    cursor = [0]

    order = [torch.randperm(n)]

    def next_batch():
        """Shuffled mini-batches, a new permutation every epoch, gathered as FA Lab gathers them."""
        i = cursor[0]
        rows = order[0][i : i + batch]
        cursor[0] = i + batch
        if cursor[0] >= n:
            cursor[0] = 0
            order[0] = torch.randperm(n)
        return X[rows], Y[rows]

    def step():
        x, y = next_batch()
        a = x @ W
        h = a.relu()
        f = h @ beta
        e = (f.softmax(1) - y) / batch
        delta = (e @ B.T) * (a > 0)
        W.sub_(lr * (x.T @ delta))
        beta.sub_(lr * (h.T @ e))

    x = X[:batch].contiguous()
    outs = [torch.empty(batch, p), torch.empty(batch, k), torch.empty(batch, p), torch.empty(d, p), torch.empty(p, k)]
    e = torch.randn(batch, k)

    def step_inplace():
        x, y = next_batch()
        h = (x @ W).relu_()
        f = h @ beta
        e = f.softmax(1).sub_(y).div_(batch)
        delta = torch.mm(e, B.T).mul_(h > 0)  # h > 0 exactly where a > 0
        W.addmm_(x.T, delta, alpha=-lr)
        beta.addmm_(h.T, e, alpha=-lr)

    def products():
        torch.mm(x, W, out=outs[0])
        torch.mm(outs[0], beta, out=outs[1])
        torch.mm(e, B.T, out=outs[2])
        torch.mm(x.T, outs[2], out=outs[3])
        torch.mm(outs[0].T, e, out=outs[4])

    same_update(step, step_inplace, [W, beta], cursor)
    return step, step_inplace, products


def synthetic_steps():
    n, d, p, lr = 50, 150, 3200, 0.01
    X = torch.randn(n, d)
    y = torch.randn(n, 1)
    W = torch.randn(d, p)
    beta = torch.randn(p, 1)
    B = torch.randn(p, 1)
    s = 1 / math.sqrt(p)

    def step():
        a = X @ W
        h = a.relu()
        f = (h @ beta) * s
        e = 2 * (f - y) / n
        delta = (e @ B.T) * s * (a > 0)
        W.sub_(lr * (X.T @ delta))
        beta.sub_(lr * ((h.T @ e) * s))

    def step_inplace():
        h = (X @ W).relu_()
        f = (h @ beta).mul_(s)
        e = f.sub_(y).mul_(2 / n)
        delta = torch.mm(e, B.T).mul_(h > 0).mul_(s)
        W.addmm_(X.T, delta, alpha=-lr)
        beta.addmm_(h.T, e, alpha=-lr * s)

    same_update(step, step_inplace, [W, beta])
    return step, step_inplace


mnist, mnist_inplace, mnist_products = mnist_steps()
synthetic, synthetic_inplace = synthetic_steps()
tasks = {
    "mnist": mnist,
    "mnist-inplace": mnist_inplace,
    "mnist-products": mnist_products,
    "synthetic": synthetic,
    "synthetic-inplace": synthetic_inplace,
}
for run in tasks.values():
    for _ in range(5):
        run()
print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)

for line in sys.stdin:
    name, seconds = line.split()
    run = tasks[name]
    started = time.perf_counter()
    count = 0
    while time.perf_counter() - started < float(seconds):
        run()
        count += 1
    print(json.dumps({"count": count, "seconds": time.perf_counter() - started}), flush=True)
