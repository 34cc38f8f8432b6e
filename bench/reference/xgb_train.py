"""XGBoost reference for bench/train.bench.ts: same data files, same parameters, hist, nthread=2.

Prints progress to stderr and one JSON line on stdout: train_seconds per run (DMatrix
construction + training, data already in memory), AUC on the held-out rows, version.
"""
import argparse
import json
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--cols", type=int, required=True)
    p.add_argument("--train-rows", type=int, required=True)
    p.add_argument("--trees", type=int, default=200)
    p.add_argument("--depth", type=int, default=6)
    p.add_argument("--eta", type=float, default=0.1)
    p.add_argument("--max-bin", type=int, default=256)
    p.add_argument("--base-score", type=float, default=0.5)
    p.add_argument("--runs", type=int, default=1)
    a = p.parse_args()

    x = np.fromfile(f"{a.dir}/x.f32", dtype=np.float32).reshape(a.rows, a.cols)
    y = np.fromfile(f"{a.dir}/y.u8", dtype=np.uint8).astype(np.float32)
    x_train, y_train = x[: a.train_rows], y[: a.train_rows]
    x_test, y_test = x[a.train_rows :], y[a.train_rows :]
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "nthread": 2,
        "max_depth": a.depth,
        "eta": a.eta,
        "max_bin": a.max_bin,
        "base_score": a.base_score,
    }
    seconds = []
    booster = None
    for run in range(a.runs):
        t0 = time.perf_counter()
        dtrain = xgb.DMatrix(x_train, label=y_train, nthread=2)
        booster = xgb.train(params, dtrain, num_boost_round=a.trees)
        seconds.append(time.perf_counter() - t0)
        print(f"xgboost run {run + 1}/{a.runs}: {seconds[-1]:.2f}s", file=sys.stderr, flush=True)
    scores = booster.predict(xgb.DMatrix(x_test, nthread=2))
    print(json.dumps({"train_seconds": seconds, "auc": float(roc_auc_score(y_test, scores)), "version": xgb.__version__}))


if __name__ == "__main__":
    main()
