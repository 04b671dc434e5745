"""The bench's two steps in PyTorch, written the way a researcher would: FA for a two-layer net.

Prints one JSON object: {"mnist": samples/s, "synthetic": steps/s, "threads": n, "torch": version}.
Each figure is the median of REPS timed repetitions after warm-up.
"""
import json
import math
import os
import sys
import time

import torch

REPS = int(os.environ.get("BENCH_REPS", "7"))
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", str(os.cpu_count() or 1))))
torch.manual_seed(0)


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def mnist_step_rate():
    n, d, p, k, batch, lr = 6000, 784, 1000, 10, 600, 0.01
    X = torch.rand(n, d)
    Y = torch.nn.functional.one_hot(torch.randint(0, k, (n,)), k).float()
    W = torch.randn(d, p) * math.sqrt(2 / d)
    beta = torch.randn(p, k) / math.sqrt(p)
    B = torch.randn(p, k) / math.sqrt(p)
    cursor = [0]

    def step():
        i = cursor[0]
        cursor[0] = (i + batch) % n
        x, y = X[i : i + batch], Y[i : i + batch]
        a = x @ W
        h = a.relu()
        f = h @ beta
        e = (f.softmax(1) - y) / batch
        delta = (e @ B.T) * (a > 0)
        W.sub_(lr * (x.T @ delta))
        beta.sub_(lr * (h.T @ e))

    return rate(step, batch)


def synthetic_step_rate():
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

    return rate(step, 1)


def rate(step, per_step):
    for _ in range(5):
        step()
    timings = []
    for _ in range(REPS):
        t = time.perf_counter()
        count = 0
        while time.perf_counter() - t < 0.3:
            step()
            count += 1
        timings.append(per_step * count / (time.perf_counter() - t))
    return median(timings)


print(json.dumps({"mnist": mnist_step_rate(), "synthetic": synthetic_step_rate(), "threads": torch.get_num_threads(), "torch": torch.__version__}))
sys.stdout.flush()
