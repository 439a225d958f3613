#!/usr/bin/env bash
# Benchmarks healthchain's inference engine (tract-onnx 0.23.9) against onnxruntime on the
# same model and inputs, in one run, and prints the latency ratios.
#
#   scripts/bench_inference.sh
#
# 1. `cargo bench -p healthchain-engine --bench inference` (criterion): the shipped
#    breast-cancer-mlp model, (i) one inference with a cached plan, cycling through the 114
#    held-out inputs (the tract plan alone, and through the engine with its time-limited inference
#    thread), (ii) model load + optimize (`Plan::build`).
# 2. onnxruntime (Python, the versions in scripts/models/requirements.txt) on the same file and
#    the same 114 inputs: `InferenceSession.run` per input, and session creation. Both engines
#    run single-threaded (onnxruntime: intra_op_num_threads = inter_op_num_threads = 1).
# 3. Prints medians and the tract / onnxruntime ratios as a Markdown table.
#
# Run it on an otherwise idle machine: a build competing for the CPU skews both measurements.
#
# Environment:
#   BENCH_VENV   the Python virtualenv with onnxruntime (default: .venv at the repository root,
#                which git ignores); created from scripts/models/requirements.txt if missing.
#   BENCH_LOCK   optional: a lock file to hold (flock) during the measurements, for machines
#                whose builds take the same lock; unset, no lock is taken.
#   CARGO_TARGET_DIR  as for cargo; criterion's results are read from the target directory
#                cargo reports.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')}"

VENV="${BENCH_VENV:-$ROOT/.venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
	echo "creating the virtualenv $VENV from scripts/models/requirements.txt" >&2
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install --quiet -r "$ROOT/scripts/models/requirements.txt"
fi
"$VENV/bin/python" -c "import onnxruntime, numpy" || {
	echo "onnxruntime is not installed in $VENV (see scripts/models/requirements.txt)" >&2
	exit 1
}

# Runs "$@", holding BENCH_LOCK if one is set.
locked() {
	if [[ -n "${BENCH_LOCK:-}" ]]; then
		flock "$BENCH_LOCK" "$@"
	else
		"$@"
	fi
}

# Build first, then measure (the build is not part of any measurement).
locked cargo bench -p healthchain-engine --bench inference --no-run

ORT_JSON="$(mktemp)"
trap 'rm -f "$ORT_JSON"' EXIT
export ROOT ORT_JSON VENV TARGET_DIR
locked bash -c '
	set -euo pipefail
	cd "$ROOT"
	cargo bench -p healthchain-engine --bench inference -- \
		--warm-up-time 2 --measurement-time 5 --noplot
	"$VENV/bin/python" - <<"PY"
import json, os, statistics, time
import numpy as np
import onnxruntime as ort

root = os.environ["ROOT"]
model = os.path.join(root, "models", "breast-cancer-mlp.onnx")
cases = json.load(open(os.path.join(root, "models", "testdata", "breast-cancer-heldout.json")))
inputs = [np.array([c["inputs"]], dtype=np.float32) for c in cases]

def session():
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

sess = session()
name = sess.get_inputs()[0].name
for x in inputs * 20:  # warm up
    sess.run(None, {name: x})

def per_call_ns():
    start = time.perf_counter_ns()
    for x in inputs:
        sess.run(None, {name: x})
    return (time.perf_counter_ns() - start) / len(inputs)

# About as long as criterion measures: rounds of 114 inferences.
run_samples, deadline = [], time.monotonic() + 5
while time.monotonic() < deadline:
    run_samples.append(per_call_ns())

load_samples, deadline = [], time.monotonic() + 5
while time.monotonic() < deadline or len(load_samples) < 20:
    start = time.perf_counter_ns()
    session()
    load_samples.append(time.perf_counter_ns() - start)

json.dump({
    "onnxruntime": ort.__version__,
    "run_ns": statistics.median(run_samples),
    "run_rounds": len(run_samples),
    "load_ns": statistics.median(load_samples),
    "load_samples": len(load_samples),
}, open(os.environ["ORT_JSON"], "w"))
PY
'

"$VENV/bin/python" - <<'PY'
import json, os, platform

target = os.environ["TARGET_DIR"]
ort = json.load(open(os.environ["ORT_JSON"]))

def criterion(bench):
    path = os.path.join(target, "criterion", "breast-cancer-mlp", bench, "new", "estimates.json")
    return json.load(open(path))["median"]["point_estimate"]

def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns < 1e6 else f"{ns / 1e6:.2f} ms"

plan_run = criterion("plan_run_cached")
engine_run = criterion("engine_infer_features_cached")
bundle_run = criterion("engine_infer_bundle_cached")
build = criterion("plan_build")
cpu = "unknown CPU"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass

print()
print(f"machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}; "
      f"tract-onnx 0.23.9, onnxruntime {ort['onnxruntime']} (1 thread), breast-cancer-mlp, "
      "medians")
print()
print("| measurement | tract (healthchain-engine) | onnxruntime | tract / onnxruntime |")
print("|---|---|---|---|")
print(f"| one inference, cached plan (`Plan::run` vs `InferenceSession.run`) | {fmt(plan_run)} | "
      f"{fmt(ort['run_ns'])} | {plan_run / ort['run_ns']:.2f} |")
print(f"| one inference through the engine (`Engine::infer_features`: cache check, "
      f"inference thread, time limit) | {fmt(engine_run)} | {fmt(ort['run_ns'])} | "
      f"{engine_run / ort['run_ns']:.2f} |")
print(f"| one FHIR Bundle end to end (`Engine::infer_bundle`: JSON, mapping, tract, quantize) | "
      f"{fmt(bundle_run)} | – | – |")
print(f"| model load + optimize (`Plan::build` vs `InferenceSession(...)`) | {fmt(build)} | "
      f"{fmt(ort['load_ns'])} | {build / ort['load_ns']:.2f} |")
PY
