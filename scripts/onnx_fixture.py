#!/usr/bin/python3
"""Build a small ONNX fraud model and its expected outputs for riskgate's ONNX import tests.

Run with Debian's python3-onnx:  /usr/bin/python3 scripts/onnx_fixture.py
The graph is a logistic model, P(fraud) = sigmoid(x . w + b), on three inputs, with a second output
holding the margin, so both of riskgate's output kinds are exercised. Deterministic: rerunning
reproduces the files byte for byte.
"""
import json
import math
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'onnx')
WEIGHTS = [0.8, -1.5, 0.25]
BIAS = -2.0
INPUTS = ['amount_vs_user_mean', 'account_age_days', 'user_failed_payments_10m']

x = helper.make_tensor_value_info('features', TensorProto.FLOAT, [1, len(WEIGHTS)])
probability = helper.make_tensor_value_info('probability', TensorProto.FLOAT, [1, 1])
margin = helper.make_tensor_value_info('margin', TensorProto.FLOAT, [1, 1])
w = helper.make_tensor('w', TensorProto.FLOAT, [len(WEIGHTS), 1], WEIGHTS)
b = helper.make_tensor('b', TensorProto.FLOAT, [1], [BIAS])
graph = helper.make_graph(
    [
        helper.make_node('MatMul', ['features', 'w'], ['xw']),
        helper.make_node('Add', ['xw', 'b'], ['margin']),
        helper.make_node('Sigmoid', ['margin'], ['probability']),
    ],
    'riskgate_fixture_logistic',
    [x],
    [margin, probability],
    initializer=[w, b],
)
model = helper.make_model(graph, producer_name='riskgate-fixture', opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'logistic.onnx'), 'wb') as f:
    f.write(model.SerializeToString())

rows = [[1.0, 0.0, 0.0], [3.5, 0.1, 4.0], [0.2, 12.0, 0.0], [10.0, 0.0, 7.0]]
expected = []
for row in rows:
    m = sum(wi * xi for wi, xi in zip(WEIGHTS, row)) + BIAS
    expected.append({'row': row, 'margin': m, 'probability': 1 / (1 + math.exp(-m))})
with open(os.path.join(OUT, 'logistic.json'), 'w') as f:
    json.dump({'inputs': INPUTS, 'cases': expected}, f, indent=1)
    f.write('\n')
