#!/usr/bin/env python3
"""Run the shipped models with tract (the engine the node uses) and compare with onnxruntime.

    pip install -r scripts/models/requirements.txt
    python scripts/models/check_tract.py

For each model card in models/: checks the ONNX file's blake2-256 against the card, runs
every held-out case through tract-onnx (PyPI package `tract`, the same version as the card's
`runtime.version`), and compares with the onnxruntime outputs recorded in models/testdata/:
the float difference, and the fixed-point outputs against the card's tolerance. Exits 1 on
any mismatch.
"""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import tract

MODELS = Path(__file__).resolve().parents[2] / "models"


def fixed(values, scale):
    return [int(np.sign(v) * np.floor(abs(float(v)) * scale + 0.5)) for v in values]


def check(card_path):
    card = json.loads(card_path.read_text())
    onnx_path = MODELS / card["onnx"]["file"]
    data = onnx_path.read_bytes()
    problems = []
    if hashlib.blake2b(data, digest_size=32).hexdigest() != card["model_hash"]:
        problems.append("blake2-256 of the ONNX file differs from the card's model_hash")
    if tract.version() != card["runtime"]["version"]:
        problems.append(f"tract {tract.version()} installed, the card pins {card['runtime']['version']}")

    runnable = tract.onnx().load(str(onnx_path)).into_model().into_runnable()
    heldout = json.loads((MODELS / card["heldout_file"]).read_text())
    key = "probabilities" if "probabilities" in heldout[0] else "prediction"
    scale, tolerance = card["fixed_point"]["scale"], card["tolerance_ppm"]
    max_diff, max_fixed_diff = 0.0, 0
    for case in heldout:
        x = np.array([case["inputs"]], dtype=np.float32)
        got = runnable.run([x])[0].to_numpy()[0]
        want = np.array(case[key], dtype=np.float32)
        max_diff = max(max_diff, float(np.abs(got.astype(np.float64) - want).max()))
        fixed_diff = max(abs(a - b) for a, b in zip(fixed(got, scale), fixed(want, scale)))
        max_fixed_diff = max(max_fixed_diff, fixed_diff)
    if max_fixed_diff > tolerance:
        problems.append(f"fixed-point outputs differ by {max_fixed_diff} > tolerance {tolerance}")
    print(
        f"{card['name']}: {len(heldout)} held-out cases, tract {tract.version()} vs onnxruntime: "
        f"max |diff| {max_diff:.3g}, max fixed-point diff {max_fixed_diff} (tolerance {tolerance})"
    )
    for problem in problems:
        print(f"  FAIL: {problem}")
    return not problems


def main():
    cards = sorted(MODELS.glob("*.card.json"))
    if not cards:
        sys.exit(f"no model cards in {MODELS}")
    ok = all([check(card) for card in cards])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
