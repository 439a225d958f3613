//! Criterion benchmarks of the inference engine on the shipped breast-cancer model:
//! (i) one inference with a cached plan, (ii) loading and optimizing the model.
//!
//! `scripts/bench_inference.sh` runs this together with onnxruntime on the same inputs and
//! prints the ratio.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use healthchain_engine::{Engine, EngineConfig, ModelCard, Plan};
use std::path::Path;

fn models() -> std::path::PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// The held-out inputs of the breast-cancer model, as f32 (as the engine feeds them).
fn heldout_inputs() -> Vec<Vec<f32>> {
	let cases: serde_json::Value = serde_json::from_slice(
		&std::fs::read(models().join("testdata/breast-cancer-heldout.json")).unwrap(),
	)
	.unwrap();
	cases
		.as_array()
		.unwrap()
		.iter()
		.map(|case| {
			case["inputs"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()
		})
		.collect()
}

fn inference(c: &mut Criterion) {
	let onnx = std::fs::read(models().join("breast-cancer-mlp.onnx")).unwrap();
	let card_bytes = std::fs::read(models().join("breast-cancer-mlp.card.json")).unwrap();
	let card = ModelCard::parse(&card_bytes).unwrap();
	let inputs = heldout_inputs();
	let bundle = std::fs::read(models().join("examples/patient-1.bundle.json")).unwrap();

	let dir = tempfile::tempdir().unwrap();
	let engine = Engine::open(dir.path(), EngineConfig::default()).unwrap();
	let model = engine.models().import(&onnx, &card_bytes).unwrap();
	let plan = engine.plan(&model).unwrap();

	let mut group = c.benchmark_group("breast-cancer-mlp");
	// The tract plan alone, cycling through the 114 held-out inputs: the figure compared with
	// onnxruntime's `InferenceSession.run`.
	let mut i = 0;
	group.bench_function("plan_run_cached", |b| {
		b.iter(|| {
			i = (i + 1) % inputs.len();
			black_box(plan.run(black_box(&inputs[i])).unwrap())
		})
	});
	// Through the engine: cache lookup (two stats), inference-thread hand-off with time limit.
	let mut i = 0;
	group.bench_function("engine_infer_features_cached", |b| {
		b.iter(|| {
			i = (i + 1) % inputs.len();
			black_box(engine.infer_features(&model, black_box(&inputs[i])).unwrap())
		})
	});
	// A whole FHIR Bundle: JSON parse, feature mapping, tract, quantization.
	group.bench_function("engine_infer_bundle_cached", |b| {
		b.iter(|| black_box(engine.infer_bundle(&model, black_box(&bundle)).unwrap()))
	});
	// Model load: parse the ONNX protobuf, check it against the card, analyse, optimize.
	group.bench_function("plan_build", |b| {
		b.iter(|| black_box(Plan::build(black_box(&onnx), &card).unwrap()))
	});
	group.finish();
}

criterion_group!(benches, inference);
criterion_main!(benches);
