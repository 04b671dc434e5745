"""The bench's sweep in PyTorch, as a researcher would run it: one process trains its share of the
runs one after another and logs the measures FA Lab logs.

  python3 torch_sweep.py SEED [SEED ...]

Each run: n = 50, d = 150, Gaussian inputs, a random two-layer relu teacher of width 200; the
two-layer relu student f = beta . relu(W x) / sqrt(p), p = 200, trained with FA (fixed b in
place of beta), mse, full batch, learning rate 0.01, lambda = 0.1 on beta, 5,000 steps; every
200 steps (and at step 0) the training loss, cos(beta, b), the signal and gradient alignments
and the weight norms. Prints {"runs": count, "seconds": wall time after import} as JSON.
"""
import json
import math
import os
import sys
import time

import torch

torch.set_num_threads(int(os.environ.get("BENCH_TORCH_THREADS", "1")))
N, D, P, TEACHER, LR, LAMBDA, STEPS, EVAL_EVERY = 50, 150, 200, 200, 0.01, 0.1, 5000, 200


def cosine(a, b):
    a, b = a.flatten(), b.flatten()
    return float(a @ b / (a.norm() * b.norm()))


def train(seed):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(N, D, generator=g)
    teacher_W = torch.randn(D, TEACHER, generator=g)
    teacher_beta = torch.randn(TEACHER, 1, generator=g)
    y = (X @ teacher_W).relu() @ teacher_beta / math.sqrt(TEACHER)
    W = torch.randn(D, P, generator=g)
    beta = torch.randn(P, 1, generator=g)
    b = torch.randn(P, 1, generator=g)
    s = 1 / math.sqrt(P)
    log = []

    def measure(step):
        a = X @ W
        h = a.relu()
        e = 2 * ((h @ beta) * s - y) / N
        signal_fa, signal_bp = (e @ b.T) * s, (e @ beta.T) * s
        mask = (a > 0).float()
        grad_fa, grad_bp = X.T @ (signal_fa * mask), X.T @ (signal_bp * mask)
        rows = torch.nn.functional.cosine_similarity(signal_fa, signal_bp, dim=1)
        log.append({
            "step": step,
            "trainLoss": float(((h @ beta) * s - y).pow(2).mean()),
            "weightAlignment": cosine(beta, b),
            "signalAlignment": float(rows.mean()),
            "gradientAlignment.1": cosine(grad_fa, grad_bp),
            "gradientAlignment.2": 1.0,
            "norm.W1": float(W.norm()),
            "norm.W2": float(beta.norm()),
        })

    measure(0)
    for step in range(1, STEPS + 1):
        a = X @ W
        h = a.relu()
        e = 2 * ((h @ beta) * s - y) / N
        delta = (e @ b.T) * s * (a > 0)
        W.sub_(LR * (X.T @ delta))
        beta.sub_(LR * ((h.T @ e) * s + LAMBDA * beta))
        if step % EVAL_EVERY == 0:
            measure(step)
    return log


started = time.perf_counter()
logs = [train(int(seed)) for seed in sys.argv[1:]]
print(json.dumps({"runs": len(logs), "seconds": time.perf_counter() - started}))
