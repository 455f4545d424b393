"""Time ``scatkit.analysis.layer_metrics`` on 10,000 samples x 6 layers of up to 4,096 dims.

The layers are synthetic stand-ins for a network's representations of a 10-class data set:
each is ``relu(latent @ W_l)`` plus noise, where the latent point mixes a class mean (weight
growing with depth) and a 32-dim Gaussian, so deeper layers separate the classes better, as a
trained network's would. Only the timing matters here; the goal is under 60 s in all on the
2-core development machine.

Also times, on one 4,096-dim layer, the nearest-neighbour search that dominates the cost:
scikit-learn brute force on the full layer (what ``search_dim=None`` does), on its 512-dim
projection (the default), and faiss-cpu's ``IndexFlatL2`` on both when faiss is installed.

Writes ``bench/results/analysis-speed-latest.json`` (and a time-stamped copy).

Usage: ``python bench/analysis_speed.py [--n 10000] [--no-search-compare]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Widths of the six layers (input-like, two wide conv blocks, narrower blocks, logits).
DIMS = (784, 4096, 4096, 2048, 512, 10)
CLASSES = 10


def make_layers(n: int, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Six float32 layers ``(n, d)`` of growing class separation, and the labels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % CLASSES
    means = rng.standard_normal((CLASSES, 32)).astype(np.float32)
    noise = rng.standard_normal((n, 32)).astype(np.float32)
    layers = {}
    for depth, d in enumerate(DIMS):
        latent = noise + (0.4 + 0.5 * depth) * means[y]
        W = rng.standard_normal((32, d)).astype(np.float32) / np.sqrt(32)
        Z = np.maximum(latent @ W, 0) + 0.3 * rng.standard_normal((n, d)).astype(np.float32)
        layers[f"layer{depth}"] = Z.astype(np.float32)
    return layers, y


def time_searches(Z: np.ndarray, k: int = 32) -> dict[str, float]:
    """Wall and CPU seconds of a k-NN graph of ``Z`` by sklearn and faiss, full and projected."""
    from scatkit.analysis.projection import project
    from sklearn.neighbors import NearestNeighbors

    def knn_sklearn(data: np.ndarray) -> None:
        NearestNeighbors(n_neighbors=k, algorithm="brute").fit(data).kneighbors(data)

    def knn_faiss(data: np.ndarray) -> None:
        import faiss

        index = faiss.IndexFlatL2(data.shape[1])
        index.add(np.ascontiguousarray(data))
        index.search(np.ascontiguousarray(data), k)

    engines = {"sklearn": knn_sklearn}
    try:
        import faiss  # noqa: F401

        engines["faiss"] = knn_faiss
    except ImportError:
        pass
    out: dict[str, float] = {}
    for label, data in (("projected512", project(Z, 512)), ("full", Z)):
        for engine, run in engines.items():
            t0, c0 = time.perf_counter(), time.process_time()
            run(data)
            out[f"{engine}_{label}_s"] = time.perf_counter() - t0
            out[f"{engine}_{label}_cpu_s"] = time.process_time() - c0
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="samples (default 10,000)")
    parser.add_argument(
        "--no-search-compare", action="store_true", help="skip the sklearn/faiss search timings"
    )
    args = parser.parse_args(argv)

    from scatkit.analysis import layer_metrics

    layers, y = make_layers(args.n)
    load_start = list(os.getloadavg())
    t0, c0 = time.perf_counter(), time.process_time()
    df = layer_metrics(layers, y)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    load_end = list(os.getloadavg())
    cols = ["layer", "dim", "nn1_accuracy", "linear_accuracy", "boundary_points"]
    cols += ["intrinsic_dim", "search_recall", "seconds"]
    print(df[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        f"layer_metrics: {args.n} samples x {len(DIMS)} layers: {total:.1f} s wall "
        f"(goal < 60 s), {cpu:.1f} s CPU over all threads"
    )
    print(f"load average at start {load_start[0]:.1f}, at end {load_end[0]:.1f}")
    result = {
        "benchmark": "analysis_speed",
        "n": args.n,
        "dims": list(DIMS),
        "params": df.attrs["params"],
        "total_s": total,
        "cpu_s": cpu,
        "goal_s": 60.0,
        "per_layer": df[cols].to_dict(orient="records"),
        "loadavg_start": load_start,
        "loadavg_end": load_end,
    }
    if not args.no_search_compare:
        searches = time_searches(layers["layer1"])
        result["knn_graph_one_4096_dim_layer"] = searches
        for key, value in searches.items():
            print(f"  k-NN graph (k=32) of one {args.n} x 4096 layer, {key}: {value:.1f}")
    try:
        from bench.machine import machine_info
        from bench.store import write_results

        result["machine"] = machine_info()
        path = write_results(result, "analysis-speed")
    except ImportError:  # run outside the repository: write next to this file
        import json

        path = Path(__file__).resolve().parent / "results" / "analysis-speed-latest.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
