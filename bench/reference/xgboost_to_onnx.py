"""Convert an XGBoost JSON model into an ONNX graph, for bench/inference.bench.ts.

    /usr/bin/python3 bench/reference/xgboost_to_onnx.py model.json model.onnx

Needs only Debian's python3-onnx (no onnxmltools or skl2onnx). Reads a model saved with
`bst.save_model('m.json')` (XGBoost 1.x JSON, gbtree, binary:logistic, numeric splits) and writes

    features float32 [N, num_feature]
      -> ai.onnx.ml TreeEnsembleRegressor (the same trees, aggregate SUM, base value = the margin base)
      -> margin float32 [N, 1]
      -> Sigmoid
      -> probability float32 [N, 1]

with `probability` as the first output and `margin` as the second. XGBoost sends a row to the left
child when x < threshold (mode BRANCH_LT, left child = "true" node) and a missing value (NaN) to
its default side (nodes_missing_value_tracks_true = default_left). Thresholds and leaf values are
stored as float32, as XGBoost keeps them. XGBoost 1.7's JSON holds base_score as a probability for
binary:logistic, so the margin base is logit(base_score).

Exit status: 0 on success (one JSON summary line on stdout), 3 when the onnx module is missing
(so the bench can skip its ONNX part with a message), 1 for a model it cannot convert.
"""
import argparse
import json
import math
import sys

try:
    import onnx
    from onnx import TensorProto, helper
except ImportError as err:  # pragma: no cover - depends on the machine
    print(f"xgboost_to_onnx: the onnx module is not available ({err}); install Debian's python3-onnx", file=sys.stderr)
    sys.exit(3)


def refuse(message: str) -> None:
    print(f"xgboost_to_onnx: {message}", file=sys.stderr)
    sys.exit(1)


def convert(model: dict) -> tuple:
    learner = model["learner"]
    objective = learner["objective"]["name"]
    if objective != "binary:logistic":
        refuse(f'objective "{objective}" is not supported; only binary:logistic')
    params = learner["learner_model_param"]
    if int(params.get("num_class", "0")) > 1:
        refuse("multi-class models are not supported")
    n_features = int(params["num_feature"])
    base_score = float(params["base_score"])
    if not 0 < base_score < 1:
        refuse(f"base_score must be in (0, 1) for binary:logistic, got {base_score}")
    booster = learner["gradient_booster"]
    if booster["name"] != "gbtree":
        refuse(f'booster "{booster["name"]}" is not supported; only gbtree')
    trees = booster["model"]["trees"]

    a = {k: [] for k in ("treeids", "nodeids", "featureids", "modes", "values", "true", "false", "missing_true")}
    t_tree, t_node, t_weight = [], [], []
    for tree_id, tree in enumerate(trees):
        if any(s != 0 for s in tree.get("split_type", [])) or tree.get("categories"):
            refuse(f"tree {tree_id} has categorical splits, which are not supported")
        left, right = tree["left_children"], tree["right_children"]
        feature, condition, default_left = tree["split_indices"], tree["split_conditions"], tree["default_left"]
        # Breadth-first from the root, numbering nodes 0, 1, … (XGBoost may leave ids of pruned nodes).
        order, new_id = [0], {0: 0}
        i = 0
        while i < len(order):
            old = order[i]
            node = i
            i += 1
            a["treeids"].append(tree_id)
            a["nodeids"].append(node)
            if left[old] == -1:  # leaf: its value is in split_conditions
                a["featureids"].append(0)
                a["modes"].append("LEAF")
                a["values"].append(0.0)
                a["true"].append(0)
                a["false"].append(0)
                a["missing_true"].append(0)
                t_tree.append(tree_id)
                t_node.append(node)
                t_weight.append(float(condition[old]))
                continue
            f = int(feature[old])
            if not 0 <= f < n_features:
                refuse(f"tree {tree_id} node {old} splits on feature {f}, the model has {n_features}")
            for child in (left[old], right[old]):
                if child in new_id:
                    refuse(f"tree {tree_id} node {child} is reached twice")
                new_id[child] = len(order)
                order.append(child)
            a["featureids"].append(f)
            a["modes"].append("BRANCH_LT")
            a["values"].append(float(condition[old]))
            a["true"].append(new_id[left[old]])
            a["false"].append(new_id[right[old]])
            a["missing_true"].append(1 if default_left[old] else 0)

    base_margin = math.log(base_score / (1 - base_score))
    ensemble = helper.make_node(
        "TreeEnsembleRegressor",
        ["features"],
        ["margin"],
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[base_margin],
        nodes_treeids=a["treeids"],
        nodes_nodeids=a["nodeids"],
        nodes_featureids=a["featureids"],
        nodes_modes=a["modes"],
        nodes_values=a["values"],
        nodes_truenodeids=a["true"],
        nodes_falsenodeids=a["false"],
        nodes_missing_value_tracks_true=a["missing_true"],
        target_treeids=t_tree,
        target_nodeids=t_node,
        target_ids=[0] * len(t_tree),
        target_weights=t_weight,
    )
    graph = helper.make_graph(
        [ensemble, helper.make_node("Sigmoid", ["margin"], ["probability"])],
        "riskgate_xgboost_trees",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n_features])],
        [
            helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["N", 1]),
            helper.make_tensor_value_info("margin", TensorProto.FLOAT, ["N", 1]),
        ],
    )
    onnx_model = helper.make_model(
        graph,
        producer_name="riskgate-bench-xgboost_to_onnx",
        opset_imports=[helper.make_opsetid("", 15), helper.make_opsetid("ai.onnx.ml", 3)],
    )
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    summary = {"onnx": onnx.__version__, "trees": len(trees), "nodes": len(a["nodeids"]), "leaves": len(t_tree), "features": n_features, "base_margin": base_margin}
    return onnx_model, summary


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model_json")
    p.add_argument("output_onnx")
    a = p.parse_args()
    with open(a.model_json, encoding="utf8") as f:
        model, summary = convert(json.load(f))
    with open(a.output_onnx, "wb") as f:
        f.write(model.SerializeToString())
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
