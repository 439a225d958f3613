//! A corpus of bad inputs, each giving its named failure (and never a panic).

use crate::common::*;
use healthchain_engine::{
	model_hash, EngineConfig, InferenceEngine, InferenceFailure::*, StoreError,
};
use serde_json::{json, Value};

/// An edit of a JSON document (a card or an Observation).
type Edit = Box<dyn Fn(&mut Value)>;

fn breast_engine() -> (TestEngine, [u8; 32]) {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	(engine, model)
}

// ---- models ----

#[test]
fn truncated_onnx_is_unparsable_model() {
	let engine = engine();
	let full = onnx(BREAST);
	for len in [0, 1, 10, full.len() / 2, full.len() - 1] {
		let model = import_with_card_of(&engine, BREAST, &full[..len]);
		assert_eq!(engine.plan(&model).unwrap_err(), UnparsableModel, "{len} bytes");
		assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(UnparsableModel));
	}
}

#[test]
fn random_bytes_are_unparsable_model() {
	let engine = engine();
	let mut state = 0x9e37_79b9_7f4a_7c15u64;
	for len in [16, 1000, 100_000] {
		let bytes: Vec<u8> = (0..len)
			.map(|_| {
				state ^= state << 13;
				state ^= state >> 7;
				state ^= state << 17;
				state as u8
			})
			.collect();
		let model = import_with_card_of(&engine, BREAST, &bytes);
		assert_eq!(engine.infer_features(&model, &[0.0; 30]), Err(UnparsableModel), "{len}");
	}
}

#[test]
fn an_operator_tract_does_not_implement_is_unsupported_operator() {
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("unsupported-operator.onnx"));
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(UnsupportedOperator));
}

#[test]
fn an_operator_of_a_foreign_domain_is_unsupported_operator() {
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("foreign-domain.onnx"));
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(UnsupportedOperator));
}

#[test]
fn a_model_whose_input_size_differs_from_its_card_is_wrong_input_shape() {
	let engine = engine();
	// The diabetes model takes 10 values; the breast cancer card declares 30.
	let model = import_with_card_of(&engine, BREAST, &onnx(DIABETES));
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(WrongInputShape));
	assert_eq!(engine.infer_features(&model, &[0.0; 30]), Err(WrongInputShape));
}

#[test]
fn a_model_with_two_inputs_is_wrong_input_shape() {
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("two-inputs.onnx"));
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(WrongInputShape));
}

#[test]
fn an_input_vector_of_the_wrong_length_is_wrong_input_shape() {
	let (engine, model) = breast_engine();
	assert_eq!(engine.infer_features(&model, &[0.0; 29]), Err(WrongInputShape));
}

#[test]
fn an_output_wider_than_the_card_is_unsupported_output() {
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("wide-output.onnx"));
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(UnsupportedOutput));
}

#[test]
fn an_integer_output_is_unsupported_output() {
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("int-output.onnx"));
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(UnsupportedOutput));
}

#[test]
fn an_infinite_output_is_non_finite_output() {
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("non-finite-output.onnx"));
	let raw = engine.infer_features(&model, &[1.0; 30]).unwrap();
	assert!(raw.iter().all(|v| v.is_infinite()), "{raw:?}");
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(NonFiniteOutput));
}

#[test]
fn an_unknown_model_is_unknown_model() {
	let engine = engine();
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	assert_eq!(engine.run(&[7; 32], &commitment), Err(UnknownModel));
	assert_eq!(engine.infer_bundle(&[7; 32], &bundle(1)), Err(UnknownModel));
}

#[test]
fn a_removed_model_is_unknown_even_when_its_plan_was_cached() {
	let (engine, model) = breast_engine();
	engine.infer_bundle(&model, &bundle(1)).unwrap();
	assert!(engine.is_cached(&model));
	// Removed behind the engine's back, through the store directly.
	assert!(engine.models().remove(&model).unwrap());
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(UnknownModel));
	assert!(!engine.is_cached(&model));
}

#[test]
fn a_model_file_altered_on_disk_is_model_hash_mismatch_cached_or_not() {
	let (engine, model) = breast_engine();
	engine.infer_bundle(&model, &bundle(1)).unwrap();
	let path = engine.models().onnx_path(&model);
	let mut bytes = read(&path);
	bytes.push(0);
	std::fs::write(&path, &bytes).unwrap();
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(ModelHashMismatch));

	// A fresh engine (no cache) on the same directory says the same.
	let other =
		healthchain_engine::Engine::open(engine.dir.path(), EngineConfig::default()).unwrap();
	assert_eq!(other.infer_bundle(&model, &bundle(1)), Err(ModelHashMismatch));
	assert!(matches!(other.models().get(&model), Err(StoreError::ModelHashMismatch { .. })));
}

#[test]
fn a_missing_or_garbled_card_is_invalid_model_card() {
	let (engine, model) = breast_engine();
	let card_path = engine.models().card_path(&model);
	std::fs::write(&card_path, b"{\"schema\": \"healthchain-model-card/1\"").unwrap();
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(InvalidModelCard));
	std::fs::remove_file(&card_path).unwrap();
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(InvalidModelCard));
}

#[test]
fn malformed_cards_are_refused_at_import() {
	let engine = engine();
	let onnx = onnx(BREAST);
	let cases: Vec<(&str, Edit)> = vec![
		("other schema", Box::new(|c| c["schema"] = json!("healthchain-model-card/2"))),
		("other tract", Box::new(|c| c["runtime"]["version"] = json!("0.21.0"))),
		("no features", Box::new(|c| c["input_features"] = json!([]))),
		("shape mismatch", Box::new(|c| c["input"]["shape"] = json!([1, 29]))),
		("int input", Box::new(|c| c["input"]["dtype"] = json!("int64"))),
		("index out of order", Box::new(|c| c["input_features"][3]["index"] = json!(4))),
		(
			"not an Observation",
			Box::new(|c| c["input_features"][0]["fhir"]["resourceType"] = json!("Condition")),
		),
		(
			"other value element",
			Box::new(|c| c["input_features"][0]["fhir"]["value"] = json!("valueString")),
		),
		(
			"duplicate coding",
			Box::new(|c| {
				c["input_features"][1]["fhir"]["code"] =
					c["input_features"][0]["fhir"]["code"].clone()
			}),
		),
		("17 outputs", Box::new(|c| c["output"]["shape"] = json!([1, 17]))),
		("labels mismatch", Box::new(|c| c["output"]["class_labels"] = json!(["a"]))),
		("other scale", Box::new(|c| c["fixed_point"]["scale"] = json!(1000))),
		(
			"missing tolerance",
			Box::new(|c| {
				c.as_object_mut().unwrap().remove("tolerance_ppm");
			}),
		),
		("bad hash", Box::new(|c| c["model_hash"] = json!("XYZ"))),
		("wrong type", Box::new(|c| c["input_features"] = json!("all of them"))),
	];
	for (what, edit) in cases {
		let card = card_for(BREAST, &onnx, |c| edit(c));
		match engine.models().import(&onnx, &card) {
			Err(StoreError::InvalidModelCard(why)) => println!("{what}: {why}"),
			other => panic!("{what}: {other:?}"),
		}
	}
	for garbage in [&b""[..], b"null", b"[1,2]", b"{", &[0xff, 0xfe]] {
		assert!(matches!(
			engine.models().import(&onnx, garbage),
			Err(StoreError::InvalidModelCard(_))
		));
	}
	assert!(engine.models().list().unwrap().is_empty());
}

#[test]
fn a_card_naming_another_model_is_refused_at_import() {
	let engine = engine();
	let err = engine.models().import(&onnx(DIABETES), &card(BREAST)).unwrap_err();
	assert!(matches!(err, StoreError::CardHashMismatch { .. }), "{err:?}");
	assert_eq!(err.as_failure(), InvalidModelCard);
}

#[test]
fn an_oversized_model_is_refused_at_import_and_at_run() {
	let small = EngineConfig { max_model_bytes: 2000, ..EngineConfig::default() };
	let engine = engine_with(small.clone());
	let err = engine.models().import(&onnx(BREAST), &card(BREAST)).unwrap_err();
	assert!(matches!(err, StoreError::TooLarge { size: 2847, limit: 2000 }), "{err:?}");
	// Imported by a node with a larger limit, run by one with a smaller one.
	let big = healthchain_engine::Engine::open(engine.dir.path(), EngineConfig::default()).unwrap();
	let model = import_shipped(&big, BREAST);
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(InputTooLarge));
}

// ---- records ----

#[test]
fn a_record_not_held_is_record_not_held() {
	let (engine, model) = breast_engine();
	assert_eq!(engine.run(&model, &[3; 32]), Err(RecordNotHeld));
}

#[test]
fn a_record_whose_bytes_were_altered_is_record_commitment_mismatch() {
	let (engine, model) = breast_engine();
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	assert!(engine.run(&model, &commitment).is_ok());
	let path = engine.records().record_path(&commitment);
	let mut file = read(&path);
	// Change one digit of a lab value, keeping the JSON valid.
	let at = file.windows(5).position(|w| w == b"20.94").unwrap();
	file[at] = b'3';
	std::fs::write(&path, &file).unwrap();
	assert_eq!(engine.run(&model, &commitment), Err(RecordCommitmentMismatch));
	assert!(matches!(engine.records().read(&commitment), Err(StoreError::CommitmentMismatch)));

	// An altered salt, and a file that is not a record at all, say the same.
	let mut file = read(&path);
	file[21] ^= 1;
	file[at] = b'2';
	std::fs::write(&path, &file).unwrap();
	assert_eq!(engine.run(&model, &commitment), Err(RecordCommitmentMismatch));
	std::fs::write(&path, b"{}").unwrap();
	assert_eq!(engine.run(&model, &commitment), Err(RecordCommitmentMismatch));
}

#[test]
fn an_oversized_record_is_refused_at_import_and_at_run() {
	let small = EngineConfig { max_record_bytes: 10_000, ..EngineConfig::default() };
	let engine = engine_with(small);
	let model = import_shipped(&engine, BREAST);
	let bundle = bundle(1);
	assert!(bundle.len() > 10_000);
	let err = engine.records().import(ALICE, &bundle).unwrap_err();
	assert!(matches!(err, StoreError::TooLarge { limit: 10_000, .. }), "{err:?}");
	assert_eq!(engine.infer_bundle(&model, &bundle), Err(InputTooLarge));
	// Imported by a node with a larger limit, run by one with a smaller one.
	let big = healthchain_engine::Engine::open(engine.dir.path(), EngineConfig::default()).unwrap();
	let commitment = big.records().import(ALICE, &bundle).unwrap();
	assert_eq!(engine.run(&model, &commitment), Err(InputTooLarge));
	assert!(big.run(&model, &commitment).is_ok());
}

#[test]
fn a_bundle_missing_a_feature_is_missing_feature_with_its_index() {
	let (engine, model) = breast_engine();
	let diabetes = import_shipped(&engine, DIABETES);
	let b = remove_observation(&bundle(1), "perimeter-mean");
	assert_eq!(engine.infer_bundle(&model, &b), Err(MissingFeature(2)));
	// The other model does not need that feature.
	assert!(engine.infer_bundle(&diabetes, &b).is_ok());
	// The lowest missing index is reported.
	let b = remove_observation(&remove_observation(&b, "radius-worst"), "texture-mean");
	assert_eq!(engine.infer_bundle(&model, &b), Err(MissingFeature(1)));
	// And from the record store.
	let commitment = engine.records().import(ALICE, &b).unwrap();
	assert_eq!(engine.run(&model, &commitment), Err(MissingFeature(1)));
}

#[test]
fn non_numeric_values_are_non_numeric_feature_with_its_index() {
	let (engine, model) = breast_engine();
	let cases: Vec<Edit> = vec![
		Box::new(|o| o["valueQuantity"]["value"] = json!("20.94")),
		Box::new(|o| o["valueQuantity"]["value"] = Value::Null),
		Box::new(|o| o["valueQuantity"]["value"] = json!(1e300)),
		Box::new(|o| o["valueQuantity"]["comparator"] = json!("<")),
		Box::new(|o| {
			let o = o.as_object_mut().unwrap();
			o.remove("valueQuantity");
			o.insert("valueString".into(), json!("large"));
		}),
	];
	for (i, edit) in cases.into_iter().enumerate() {
		let b = edit_observation(&bundle(1), "area-mean", |o| edit(o));
		assert_eq!(engine.infer_bundle(&model, &b), Err(NonNumericFeature(3)), "case {i}");
	}
}

#[test]
fn a_feature_fed_twice_is_ambiguous_unless_one_was_entered_in_error() {
	let (engine, model) = breast_engine();
	let mut b: Value = serde_json::from_slice(&bundle(1)).unwrap();
	let entries = b["entry"].as_array_mut().unwrap();
	let mut copy = entries
		.iter()
		.find(|e| e["resource"]["code"]["coding"][0]["code"] == "smoothness-mean")
		.unwrap()
		.clone();
	copy["resource"]["valueQuantity"]["value"] = json!(0.5);
	entries.push(copy);
	let twice = serde_json::to_vec(&b).unwrap();
	assert_eq!(engine.infer_bundle(&model, &twice), Err(AmbiguousFeature(4)));

	b["entry"].as_array_mut().unwrap().last_mut().unwrap()["resource"]["status"] =
		json!("entered-in-error");
	let corrected = serde_json::to_vec(&b).unwrap();
	assert_eq!(engine.infer_bundle(&model, &corrected), engine.infer_bundle(&model, &bundle(1)));
}

#[test]
fn a_value_in_another_ucum_unit_is_feature_unit_mismatch() {
	let engine = engine();
	let model = import_shipped(&engine, DIABETES);
	// Glucose (feature 9) in mmol/L rather than the card's mg/dL.
	let b = edit_observation(&bundle(1), "2345-7", |o| {
		o["valueQuantity"] = json!({"value": 5.0, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"});
	});
	assert_eq!(engine.infer_bundle(&model, &b), Err(FeatureUnitMismatch(9)));
	// Without a UCUM code the card's unit is assumed.
	let b = edit_observation(&bundle(1), "2345-7", |o| {
		o["valueQuantity"] = json!({"value": 90.0, "unit": "mg/dL"});
	});
	assert_eq!(engine.infer_bundle(&model, &b), engine.infer_bundle(&model, &bundle(1)));
}

#[test]
fn a_record_that_is_not_a_bundle_is_unparsable_record() {
	let (engine, model) = breast_engine();
	for bad in [
		&b"not json"[..],
		b"[]",
		b"{\"resourceType\":\"Patient\"}",
		b"{\"resourceType\":\"Bundle\",\"entry\":{}}",
	] {
		assert_eq!(engine.infer_bundle(&model, bad), Err(UnparsableRecord), "{bad:?}");
	}
	assert_eq!(
		engine.infer_bundle(&model, b"{\"resourceType\":\"Bundle\"}"),
		Err(MissingFeature(0))
	);
	// The record store refuses them at import.
	assert!(matches!(
		engine.records().import(ALICE, b"not json"),
		Err(StoreError::InvalidRecord(_))
	));
	assert!(matches!(
		engine.records().import(ALICE, b"{\"resourceType\":\"Patient\"}"),
		Err(StoreError::NotABundle)
	));
}

#[test]
fn hostile_json_is_a_failure_not_a_panic() {
	let (engine, model) = breast_engine();
	let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
	assert_eq!(engine.infer_bundle(&model, deep.as_bytes()), Err(UnparsableRecord));
	assert!(engine.records().import(ALICE, deep.as_bytes()).is_err());
	let huge_number = br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","code":{"coding":[{"system":"https://healthchain.example/fhir/CodeSystem/wdbc","code":"radius-mean"}]},"valueQuantity":{"value":1e999}}}]}"#;
	assert!(engine.infer_bundle(&model, huge_number).is_err());
	let hash_of_nothing = model_hash(b"");
	assert_eq!(engine.infer_bundle(&hash_of_nothing, huge_number), Err(UnknownModel));
}

#[test]
fn a_model_whose_tensors_would_not_fit_in_memory_is_refused_before_running() {
	// 551 bytes of ONNX that expand the input to 1.2 GB: refused from the types alone.
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("huge-intermediate.onnx"));
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(InputTooLarge));
}

#[test]
fn a_model_whose_tensor_sizes_depend_on_the_record_is_refused() {
	let engine = engine();
	let model = import_with_card_of(&engine, BREAST, &fixture("data-dependent-shape.onnx"));
	let result = engine.infer_bundle(&model, &bundle(1));
	// tract cannot type a ConstantOfShape whose shape is computed from the input.
	assert_eq!(result, Err(UnparsableModel));
}
