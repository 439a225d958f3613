//! tract (through the engine) against onnxruntime's recorded outputs: every held-out case of
//! both shipped models, and the example patients.

use crate::common::*;
use healthchain_engine::{quantize, InferenceEngine, InferenceOutput};
use serde_json::Value;

fn as_f32s(value: &Value) -> Vec<f32> {
	value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect()
}

fn fixed(values: &[f32]) -> Vec<i64> {
	values.iter().map(|v| quantize(*v).unwrap()).collect()
}

fn tolerance(name: &str) -> i64 {
	json(models_dir().join(format!("{name}.card.json")))["tolerance_ppm"].as_i64().unwrap()
}

fn argmax(values: &[f32]) -> usize {
	let mut best = 0;
	for (i, v) in values.iter().enumerate() {
		if *v > values[best] {
			best = i;
		}
	}
	best
}

/// Runs every held-out case; returns (max |float diff|, max fixed-point diff).
fn heldout_agreement(
	name: &str,
	file: &str,
	key: &str,
	check: impl Fn(&[f32], &[f32]),
) -> (f64, i64) {
	let engine = engine();
	let model = import_shipped(&engine, name);
	let cases = json(models_dir().join("testdata").join(file));
	let cases = cases.as_array().unwrap();
	assert!(!cases.is_empty());
	let (mut max_diff, mut max_fixed) = (0f64, 0i64);
	for (i, case) in cases.iter().enumerate() {
		let inputs = as_f32s(&case["inputs"]);
		let want = as_f32s(&case[key]);
		let got = engine.infer_features(&model, &inputs).unwrap();
		assert_eq!(got.len(), want.len(), "case {i}");
		for (g, w) in got.iter().zip(&want) {
			max_diff = max_diff.max((*g as f64 - *w as f64).abs());
		}
		for (g, w) in fixed(&got).iter().zip(fixed(&want)) {
			max_fixed = max_fixed.max((g - w).abs());
		}
		check(&got, &want);
	}
	println!(
		"{name}: {} held-out cases, max |tract - onnxruntime| {max_diff:.3e}, max fixed-point diff {max_fixed}",
		cases.len()
	);
	(max_diff, max_fixed)
}

#[test]
fn breast_cancer_heldout_outputs_agree_with_onnxruntime_within_tolerance_and_same_labels() {
	let (_, max_fixed) =
		heldout_agreement(BREAST, "breast-cancer-heldout.json", "probabilities", |got, want| {
			assert_eq!(argmax(got), argmax(want), "argmax label differs: {got:?} vs {want:?}");
			assert_eq!(got[1] > 0.5, want[1] > 0.5, "threshold label differs: {got:?} vs {want:?}");
		});
	assert!(max_fixed <= tolerance(BREAST), "max fixed-point diff {max_fixed}");
}

#[test]
fn diabetes_heldout_outputs_agree_with_onnxruntime_within_tolerance() {
	let (_, max_fixed) =
		heldout_agreement(DIABETES, "diabetes-heldout.json", "prediction", |_, _| {});
	assert!(max_fixed <= tolerance(DIABETES), "max fixed-point diff {max_fixed}");
}

#[test]
fn example_bundles_give_the_expected_outputs_directly_and_from_the_record_store() {
	let engine = engine();
	let breast = import_shipped(&engine, BREAST);
	let diabetes = import_shipped(&engine, DIABETES);
	let expected = json(models_dir().join("examples/expected-outputs.json"));
	let expected = expected.as_array().unwrap();
	assert_eq!(expected.len(), 5);
	for case in expected {
		let name = case["bundle"].as_str().unwrap();
		let bundle = read(models_dir().join("examples").join(name));
		let commitment = engine.records().import(ALICE, &bundle).unwrap();
		for (model_name, model) in [(BREAST, breast), (DIABETES, diabetes)] {
			let want = &case["outputs"][model_name];
			assert_eq!(want["model_hash"].as_str().unwrap(), hex(&model));
			let want_fixed: Vec<i64> = want["fixed_point"]
				.as_array()
				.unwrap()
				.iter()
				.map(|v| v.as_i64().unwrap())
				.collect();
			assert_eq!(fixed(&as_f32s(&want["output"])), want_fixed, "{name}: quantize disagrees");

			let direct = engine.infer_bundle(&model, &bundle).unwrap();
			let stored = engine.run(&model, &commitment).unwrap();
			assert_eq!(direct, stored, "{name} {model_name}");
			assert_eq!(direct.values.len(), want_fixed.len());
			for (got, want) in direct.values.iter().zip(&want_fixed) {
				assert!(
					(got - want).abs() <= tolerance(model_name),
					"{name} {model_name}: {:?} vs {want_fixed:?}",
					direct.values
				);
			}
			println!("{name} {model_name}: {:?} (onnxruntime {want_fixed:?})", direct.values);
			if model_name == BREAST {
				let label = want["heldout_label"].as_u64().unwrap() as usize;
				let InferenceOutput { values } = direct;
				let predicted = if values[0] >= values[1] { 0 } else { 1 };
				// The model's own answer; it is right for these five patients.
				assert_eq!(predicted, label, "{name}");
			}
		}
	}
}

#[test]
fn a_symbolic_batch_dimension_takes_the_card_input_and_matches_onnxruntime() {
	let engine = engine();
	let onnx = fixture("symbolic-batch.onnx");
	let model = import_with_card_of(&engine, BREAST, &onnx);
	let x: Vec<f32> = (0..30).map(|i| (i as f64 * 0.1) as f32).collect();
	let got = engine.infer_features(&model, &x).unwrap();
	// onnxruntime 1.32.0, printed by scripts/models/engine_fixtures.py.
	let want = [0.673707127571106f64, 0.6897025108337402];
	for (g, w) in got.iter().zip(want) {
		assert!((*g as f64 - w).abs() < 1e-6, "{got:?} vs {want:?}");
	}
}
