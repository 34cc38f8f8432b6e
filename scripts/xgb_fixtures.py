"""Generate the XGBoost / scikit-learn parity fixtures in test/fixtures/xgb/.

Run with Debian's Python, which has xgboost 1.7 and scikit-learn 1.2:

    /usr/bin/python3 scripts/xgb_fixtures.py

Deterministic (fixed seeds, single thread). The outputs are committed so the TypeScript tests
need no Python. Arrays are stored as base64 of little-endian float32 / uint8: exact and small.

Files:
- mixed.data.json     2,000 rows × 8 fraud-like features with missing values; rows 0..1499
                      train, 1500..1999 test
- mixed.model.json    XGBoost (hist) model saved by bst.save_model, with feature names
- mixed.expected.json XGBoost margins, probabilities, pred_contribs and AUC on the test rows
- xor.data.json / xor.model.json / xor.expected.json
                      label = (x0 > 0) xor (x1 > 0) with 5% noise, plus a noise feature; depth 2,
                      no feature names
- logistic.expected.json
                      scikit-learn LogisticRegression (C=1) after StandardScaler and zero
                      imputation with missing indicators, on the mixed training rows
"""
import base64
import json
import os

import numpy as np
import sklearn
import xgboost as xgb
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "xgb")


def b64(array: np.ndarray, dtype) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def write(name: str, value: dict) -> None:
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")


def mixed_dataset(rng: np.random.Generator, n: int):
    amount = np.exp(3.5 + 1.0 * rng.standard_normal(n))
    account_age = np.floor(rng.exponential(300, n))
    payments_24h = rng.poisson(1.2, n).astype(float)
    ip_distance = np.exp(2 + 1.5 * rng.standard_normal(n))
    ip_distance[rng.random(n) < 0.2] = np.nan  # missing 20%
    new_device = (rng.random(n) < 0.15).astype(float)
    email_age = np.floor(rng.exponential(700, n))
    email_missing = rng.random(n) < 0.15
    email_age[email_missing] = np.nan  # missing is itself a fraud signal below
    noise = rng.standard_normal(n)
    hour = rng.integers(0, 24, n).astype(float)
    logit = (
        -1.6
        + 0.6 * np.log(amount / 30)
        + 1.2 * np.exp(-account_age / 30)
        + 0.35 * np.minimum(payments_24h, 5)
        + np.where(np.isnan(ip_distance), 0.2, 0.3 * np.log1p(np.nan_to_num(ip_distance) / 50))
        + 1.0 * new_device * (account_age < 30)
        + np.where(email_missing, 1.2, -0.3 * np.minimum(np.nan_to_num(email_age) / 365, 2))
        + np.where(hour < 6, 0.6, 0.0)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.uint8)
    x = np.column_stack([amount, account_age, payments_24h, ip_distance, new_device, email_age, noise, hour]).astype(np.float32)
    names = ["amount", "account_age_days", "payments_24h", "ip_distance_km", "new_device", "email_age_days", "noise", "hour"]
    return x, y, names


def xor_dataset(rng: np.random.Generator, n: int):
    x = rng.uniform(-1, 1, (n, 3)).astype(np.float32)
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.uint8)
    flip = rng.random(n) < 0.05
    y[flip] = 1 - y[flip]
    return x, y


def xgb_fixture(name: str, x, y, train_rows: int, params: dict, rounds: int, feature_names=None) -> None:
    dtrain = xgb.DMatrix(x[:train_rows], label=y[:train_rows], feature_names=feature_names, nthread=1)
    dtest = xgb.DMatrix(x[train_rows:], feature_names=feature_names, nthread=1)
    booster = xgb.train({**params, "nthread": 1, "seed": 0}, dtrain, num_boost_round=rounds)
    booster.save_model(os.path.join(OUT, f"{name}.model.json"))
    proba = booster.predict(dtest)
    margin = booster.predict(dtest, output_margin=True)
    contribs = booster.predict(dtest, pred_contribs=True)
    write(
        f"{name}.data.json",
        {"nRows": int(x.shape[0]), "nCols": int(x.shape[1]), "trainRows": train_rows, "featureNames": feature_names, "x": b64(x, "<f4"), "y": b64(y, "u1")},
    )
    write(
        f"{name}.expected.json",
        {
            "xgboostVersion": xgb.__version__,
            "params": params,
            "rounds": rounds,
            "margin": b64(margin, "<f4"),
            "probability": b64(proba, "<f4"),
            "contribs": b64(contribs, "<f4"),
            "auc": float(roc_auc_score(y[train_rows:], proba)),
        },
    )


def logistic_fixture(x, y, train_rows: int) -> None:
    scaler = StandardScaler()
    imputer = SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True)
    model = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000)
    pipeline = make_pipeline(scaler, imputer, model).fit(x[:train_rows].astype(np.float64), y[:train_rows])
    n_features = x.shape[1]
    coef = model.coef_[0]
    write(
        "logistic.expected.json",
        {
            "sklearnVersion": sklearn.__version__,
            "C": 1.0,
            "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(),
            "coef": coef[:n_features].tolist(),
            "indicatorFeatures": imputer.indicator_.features_.tolist(),
            "indicatorCoef": coef[n_features:].tolist(),
            "intercept": float(model.intercept_[0]),
            "testProbability": pipeline.predict_proba(x[train_rows:].astype(np.float64))[:, 1].tolist(),
        },
    )


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240601)
    x, y, names = mixed_dataset(rng, 2000)
    hist = {"objective": "binary:logistic", "tree_method": "hist", "max_bin": 256}
    xgb_fixture("mixed", x, y, 1500, {**hist, "max_depth": 4, "eta": 0.3}, 15, names)
    logistic_fixture(x, y, 1500)
    xx, xy = xor_dataset(rng, 600)
    xgb_fixture("xor", xx, xy, 400, {**hist, "max_depth": 2, "eta": 0.5}, 10)


if __name__ == "__main__":
    main()
