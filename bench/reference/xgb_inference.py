"""XGBoost reference for bench/inference.bench.ts.

Trains a 300-tree depth-6 binary:logistic model (hist) on synthetic fraud-like data, saves it as
JSON with a set of probe rows and XGBoost's own predictions for them, then times XGBoost's
single-row scoring from Python per call: Booster.inplace_predict on a 1-row numpy array, and
Booster.predict on a 1-row DMatrix. Prints one JSON line on stdout (times in microseconds).
"""
import argparse
import json
import sys
import time

import numpy as np
import xgboost as xgb


def latency(fn, rows: np.ndarray, iterations: int) -> dict:
    for i in range(min(1000, iterations)):  # warm-up
        fn(rows[i % len(rows)])
    times = np.empty(iterations)
    for i in range(iterations):
        row = rows[i % len(rows)]
        t0 = time.perf_counter_ns()
        fn(row)
        times[i] = time.perf_counter_ns() - t0
    return {"median": float(np.median(times) / 1000), "p99": float(np.percentile(times, 99) / 1000), "iterations": iterations}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--trees", type=int, default=300)
    p.add_argument("--depth", type=int, default=6)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--cols", type=int, default=30)
    p.add_argument("--probes", type=int, default=1000)
    p.add_argument("--iterations", type=int, default=20_000)
    a = p.parse_args()

    rng = np.random.default_rng(7)
    x = rng.standard_normal((a.rows, a.cols)).astype(np.float32)
    x[:, 1] = np.exp(x[:, 1] * 1.5)
    x[rng.random((a.rows, a.cols)) < 0.05] = np.nan
    z = np.nan_to_num(x[:, 0]) + 0.5 * np.log1p(np.nan_to_num(x[:, 1])) + np.nan_to_num(x[:, 2] * x[:, 3]) - 3.5 + 0.7 * np.isnan(x[:, 4])
    y = (rng.random(a.rows) < 1 / (1 + np.exp(-z))).astype(np.float32)
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": a.depth, "eta": 0.1, "nthread": 2, "seed": 0}
    print(f"training XGBoost reference model ({a.trees} trees, depth {a.depth}) …", file=sys.stderr, flush=True)
    booster = xgb.train(params, xgb.DMatrix(x, label=y, nthread=2), num_boost_round=a.trees)
    booster.save_model(f"{a.dir}/model.json")
    probes = x[: a.probes].copy()
    probes.tofile(f"{a.dir}/probes.f32")
    booster.predict(xgb.DMatrix(probes), output_margin=True).astype(np.float32).tofile(f"{a.dir}/margins.f32")

    booster.set_param({"nthread": 1})
    single_rows = probes.reshape(len(probes), 1, a.cols)
    print("timing XGBoost single-row scoring …", file=sys.stderr, flush=True)
    inplace = latency(lambda r: booster.inplace_predict(r), single_rows, a.iterations)
    dmatrix = latency(lambda r: booster.predict(xgb.DMatrix(r, nthread=1)), single_rows, a.iterations // 4)
    print(json.dumps({"version": xgb.__version__, "inplace_predict_us": inplace, "predict_dmatrix_us": dmatrix}))


if __name__ == "__main__":
    main()
