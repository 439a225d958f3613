#!/usr/bin/env python3
"""Write the small ONNX models that healthchain-engine's tests use as bad (and odd) inputs.

    .venv/bin/python scripts/models/engine_fixtures.py   # the virtualenv of requirements.txt

Writes engine/tests/fixtures/*.onnx, each a tiny graph built with onnx.helper (opset 17,
IR version 8) that takes a float32 input of 30 values, like breast-cancer-mlp, so the tests
can pair it with that model's card (with `model_hash` replaced):

- unsupported-operator.onnx: the ai.onnx.ml `Scaler` (what skl2onnx exports for a
  StandardScaler), which tract-onnx 0.23.9 does not implement -> UnsupportedOperator
- foreign-domain.onnx: a `Relu` node of domain `com.example.custom` -> UnsupportedOperator
  (tract matches operators by name only; the engine refuses unknown domains)
- two-inputs.onnx: a second graph input -> WrongInputShape
- wide-output.onnx: 30 outputs where the card declares 2 -> UnsupportedOutput
- int-output.onnx: an int64 output -> UnsupportedOutput
- non-finite-output.onnx: log(x . 0) = -inf -> NonFiniteOutput
- huge-intermediate.onnx: a 551-byte file whose graph expands the input to a [10,000,000, 30]
  float32 tensor (1.2 GB) before reducing it to [1, 2] -> InputTooLarge at load time,
  without allocating it (tract would abort the node on allocation failure)
- constant-blowup.onnx: expands a [1, 30] *constant* to [10,000,000, 30] (1.2 GB); tract
  folds constants while analysing the graph, before the engine's checks, so only the
  memory limit of an inference process (healthchain_engine::isolated) stops it
- data-dependent-shape.onnx: ConstantOfShape with a shape computed from the record's values,
  so tensor sizes are unknown until it runs -> UnsupportedOperator at load time
- symbolic-batch.onnx: input shape [N, 30] with a symbolic batch size; runs (the card's
  [1, 30] is set as the input fact) and gives the same output as breast-cancer-mlp would
  for a simple linear layer; checked against onnxruntime below.

Every file is checked with onnx.checker; the deterministic weights make reruns byte-identical.
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parents[2] / "engine" / "tests" / "fixtures"
N = 30
OPSET = [helper.make_opsetid("", 17)]
WEIGHTS = numpy_helper.from_array(
    np.linspace(-0.05, 0.05, N * 2, dtype=np.float32).reshape(N, 2), name="W"
)
ZEROS = numpy_helper.from_array(np.zeros((N, 2), dtype=np.float32), name="Z")


def tensor(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def model(name, nodes, inputs, outputs, initializers=(), opsets=OPSET):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    m = helper.make_model(graph, opset_imports=opsets, producer_name="healthchain-engine-fixtures")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def fixtures():
    x = tensor("input", [1, N])
    yield "unsupported-operator", model(
        "unsupported-operator",
        [
            helper.make_node(
                "Scaler", ["input"], ["scaled"], domain="ai.onnx.ml",
                offset=[0.0] * N, scale=[1.0] * N,
            ),
            helper.make_node("MatMul", ["scaled", "W"], ["logits"]),
            helper.make_node("Sigmoid", ["logits"], ["probabilities"]),
        ],
        [x], [tensor("probabilities", [1, 2])], [WEIGHTS],
        OPSET + [helper.make_opsetid("ai.onnx.ml", 3)],
    )
    yield "foreign-domain", model(
        "foreign-domain",
        [
            helper.make_node("MatMul", ["input", "W"], ["logits"]),
            helper.make_node("Relu", ["logits"], ["probabilities"], domain="com.example.custom"),
        ],
        [x], [tensor("probabilities", [1, 2])], [WEIGHTS],
        OPSET + [helper.make_opsetid("com.example.custom", 1)],
    )
    yield "two-inputs", model(
        "two-inputs",
        [
            helper.make_node("Add", ["input", "other"], ["sum"]),
            helper.make_node("MatMul", ["sum", "W"], ["probabilities"]),
        ],
        [x, tensor("other", [1, N])], [tensor("probabilities", [1, 2])], [WEIGHTS],
    )
    yield "wide-output", model(
        "wide-output",
        [helper.make_node("Relu", ["input"], ["probabilities"])],
        [x], [tensor("probabilities", [1, N])],
    )
    yield "int-output", model(
        "int-output",
        [
            helper.make_node("MatMul", ["input", "W"], ["logits"]),
            helper.make_node("Cast", ["logits"], ["probabilities"], to=TensorProto.INT64),
        ],
        [x], [tensor("probabilities", [1, 2], TensorProto.INT64)], [WEIGHTS],
    )
    yield "non-finite-output", model(
        "non-finite-output",
        [
            helper.make_node("MatMul", ["input", "Z"], ["zero"]),
            helper.make_node("Log", ["zero"], ["probabilities"]),
        ],
        [x], [tensor("probabilities", [1, 2])], [ZEROS],
    )
    yield "huge-intermediate", model(
        "huge-intermediate",
        [
            helper.make_node("Expand", ["input", "S"], ["wide"]),
            helper.make_node("ReduceMean", ["wide", "A"], ["mean"], keepdims=1),
            helper.make_node("MatMul", ["mean", "W"], ["logits"]),
            helper.make_node("Sigmoid", ["logits"], ["probabilities"]),
        ],
        [x], [tensor("probabilities", [1, 2])],
        [
            WEIGHTS,
            numpy_helper.from_array(np.array([10_000_000, N], dtype=np.int64), name="S"),
            numpy_helper.from_array(np.array([0], dtype=np.int64), name="A"),
        ],
        [helper.make_opsetid("", 18)],
    )
    yield "constant-blowup", model(
        "constant-blowup",
        [
            helper.make_node("Expand", ["C", "S"], ["wide"]),
            helper.make_node("ReduceMean", ["wide", "A"], ["mean"], keepdims=1),
            helper.make_node("Add", ["input", "mean"], ["shifted"]),
            helper.make_node("MatMul", ["shifted", "W"], ["logits"]),
            helper.make_node("Sigmoid", ["logits"], ["probabilities"]),
        ],
        [x], [tensor("probabilities", [1, 2])],
        [
            WEIGHTS,
            numpy_helper.from_array(np.ones((1, N), dtype=np.float32), name="C"),
            numpy_helper.from_array(np.array([10_000_000, N], dtype=np.int64), name="S"),
            numpy_helper.from_array(np.array([0], dtype=np.int64), name="A"),
        ],
        [helper.make_opsetid("", 18)],
    )
    yield "data-dependent-shape", model(
        "data-dependent-shape",
        [
            helper.make_node("Cast", ["input"], ["ints"], to=TensorProto.INT64),
            helper.make_node("Slice", ["ints", "B", "E", "X"], ["first"]),
            helper.make_node("Reshape", ["first", "R"], ["dims"]),
            helper.make_node("ConstantOfShape", ["dims"], ["filled"]),
            helper.make_node("ReduceSum", ["filled"], ["total"], keepdims=0),
            helper.make_node("Add", ["input", "total"], ["shifted"]),
            helper.make_node("MatMul", ["shifted", "W"], ["probabilities"]),
        ],
        [x], [tensor("probabilities", [1, 2])],
        [
            WEIGHTS,
            numpy_helper.from_array(np.array([0], dtype=np.int64), name="B"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), name="E"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), name="X"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), name="R"),
        ],
    )
    yield "symbolic-batch", model(
        "symbolic-batch",
        [
            helper.make_node("MatMul", ["input", "W"], ["logits"]),
            helper.make_node("Sigmoid", ["logits"], ["probabilities"]),
        ],
        [tensor("input", ["N", N])], [tensor("probabilities", ["N", 2])], [WEIGHTS],
    )


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, m in fixtures():
        data = m.SerializeToString()
        (OUT / f"{name}.onnx").write_bytes(data)
        print(f"{name}.onnx: {len(data)} bytes")
    # The one fixture that runs: record onnxruntime's output for the tests.
    import onnxruntime as ort

    session = ort.InferenceSession(str(OUT / "symbolic-batch.onnx"))
    x = np.linspace(0.0, 2.9, N, dtype=np.float32).reshape(1, N)
    y = session.run(None, {"input": x})[0]
    print("symbolic-batch on linspace(0, 2.9, 30):", [float(v) for v in y[0]])


if __name__ == "__main__":
    main()
