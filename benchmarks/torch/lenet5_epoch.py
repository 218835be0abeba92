#!/usr/bin/env python3
"""One LeNet-5 training epoch on Fashion-MNIST with PyTorch on the CPU: the peer of
org.quantlens.bench.peer.TrainEpochBench. Same model as study's zoo LeNet.lenet5 (conv 6@5x5 pad 2,
ReLU, maxpool 2, conv 16@5x5, ReLU, maxpool 2, dense 120, ReLU, dense 84, ReLU, dense 10), Adam at
1e-3, batch 128, seeded shuffle, inputs scaled to [0, 1] as ImageDataset.toModelInput does.
Reads the IDX files itself (gzip + numpy; no torchvision, no download). Prints one JSON line:
seconds (the epoch's training loop only), images/s, final test accuracy, threads, torch version.

usage: lenet5_epoch.py [--threads N] [--data DIR] [--seed S] [--limit N]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn


def read_idx(path, header_ints):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    head = 4 * header_ints
    dims = np.frombuffer(raw[4:head], dtype=">i4")
    return np.frombuffer(raw[head:], dtype=np.uint8).reshape(dims)


def load(data_dir, prefix, limit):
    images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte.gz"), 4)
    labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte.gz"), 2)
    if limit:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1).contiguous()
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--limit", type=int, default=0, help="train on the first N images only")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    x, y = load(a.data, "train", a.limit)
    tx, ty = load(a.data, "t10k", 0)
    model = lenet5()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(a.seed))

    model.train()
    start = time.perf_counter()
    for i in range(0, len(x), a.batch):
        idx = order[i:i + a.batch]
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start

    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(tx), 1000):
            correct += (model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item()
    print(json.dumps({
        "engine": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "images": len(x), "batch": a.batch, "seconds": seconds, "imagesPerSecond": len(x) / seconds,
        "testAccuracy": correct / len(tx), "finalLoss": loss.item()}))


if __name__ == "__main__":
    main()
