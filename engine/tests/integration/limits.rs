//! The time limit, the plan cache and concurrent use.

use crate::common::*;
use healthchain_engine::{EngineConfig, InferenceEngine, InferenceFailure::*};
use std::{sync::Arc, time::Duration};

#[test]
fn a_zero_time_limit_is_time_limit_exceeded_for_every_entry_point() {
	let engine =
		engine_with(EngineConfig { time_limit: Duration::ZERO, ..EngineConfig::default() });
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	for _ in 0..20 {
		assert_eq!(engine.run(&model, &commitment), Err(TimeLimitExceeded));
		assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(TimeLimitExceeded));
		assert_eq!(engine.infer_features(&model, &[1.0; 30]), Err(TimeLimitExceeded));
	}
	// Without the limit the same model and record run.
	assert!(engine.plan(&model).is_ok());
}

#[test]
fn a_time_limit_shorter_than_the_first_load_is_exceeded_then_the_cached_plan_runs() {
	// One nanosecond: no inference (thread hand-off alone takes microseconds) fits.
	let engine = engine_with(EngineConfig {
		time_limit: Duration::from_nanos(1),
		..EngineConfig::default()
	});
	let model = import_shipped(&engine, BREAST);
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(TimeLimitExceeded));
	let generous =
		healthchain_engine::Engine::open(engine.dir.path(), EngineConfig::default()).unwrap();
	assert!(generous.infer_bundle(&model, &bundle(1)).is_ok());
}

#[test]
fn the_plan_cache_keeps_at_most_its_size_least_recently_used_out() {
	let engine = engine_with(EngineConfig { plan_cache_size: 2, ..EngineConfig::default() });
	let breast = import_shipped(&engine, BREAST);
	let diabetes = import_shipped(&engine, DIABETES);
	let batch = import_with_card_of(&engine, BREAST, &fixture("symbolic-batch.onnx"));
	engine.infer_bundle(&breast, &bundle(1)).unwrap();
	engine.infer_bundle(&diabetes, &bundle(1)).unwrap();
	engine.infer_bundle(&breast, &bundle(2)).unwrap();
	assert_eq!(engine.cached_plans(), 2);
	engine.infer_bundle(&batch, &bundle(1)).unwrap();
	assert_eq!(engine.cached_plans(), 2);
	assert!(engine.is_cached(&breast) && engine.is_cached(&batch) && !engine.is_cached(&diabetes));
	// An evicted plan is rebuilt on demand.
	assert!(engine.infer_bundle(&diabetes, &bundle(1)).is_ok());
	assert!(engine.is_cached(&diabetes) && !engine.is_cached(&breast));
}

#[test]
fn a_zero_size_plan_cache_caches_nothing_and_still_runs() {
	let engine = engine_with(EngineConfig { plan_cache_size: 0, ..EngineConfig::default() });
	let model = import_shipped(&engine, BREAST);
	let first = engine.infer_bundle(&model, &bundle(1)).unwrap();
	assert_eq!(engine.infer_bundle(&model, &bundle(1)).unwrap(), first);
	assert_eq!(engine.cached_plans(), 0);
}

#[test]
fn removing_a_model_through_the_engine_drops_its_plan() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	engine.infer_bundle(&model, &bundle(1)).unwrap();
	assert!(engine.remove_model(&model).unwrap());
	assert_eq!(engine.cached_plans(), 0);
	assert_eq!(engine.infer_bundle(&model, &bundle(1)), Err(UnknownModel));
}

#[test]
fn concurrent_inferences_agree_with_sequential_ones() {
	let engine = Arc::new(engine());
	let breast = import_shipped(&engine, BREAST);
	let diabetes = import_shipped(&engine, DIABETES);
	let commitments: Vec<_> =
		(1..=5).map(|n| engine.records().import(ALICE, &bundle(n)).unwrap()).collect();
	let sequential: Vec<_> = commitments
		.iter()
		.flat_map(|c| [engine.run(&breast, c), engine.run(&diabetes, c)])
		.collect();
	let threads: Vec<_> = (0..6)
		.map(|_| {
			let (engine, commitments) = (engine.clone(), commitments.clone());
			std::thread::spawn(move || {
				let mut all = Vec::new();
				for _ in 0..20 {
					all = commitments
						.iter()
						.flat_map(|c| [engine.run(&breast, c), engine.run(&diabetes, c)])
						.collect::<Vec<_>>();
				}
				all
			})
		})
		.collect();
	for thread in threads {
		assert_eq!(thread.join().unwrap(), sequential);
	}
}

#[test]
fn the_engine_is_usable_as_a_shared_inference_engine() {
	let engine = engine();
	let model = import_shipped(&engine, DIABETES);
	let commitment = engine.records().import(ALICE, &bundle(2)).unwrap();
	let shared: Arc<dyn InferenceEngine> = Arc::new(engine.engine);
	// onnxruntime: 1 799 582 (models/examples/expected-outputs.json); tolerance 1000.
	let value = shared.run(&model, &commitment).unwrap().values[0];
	assert!((value - 1_799_582).abs() <= 1000, "{value}");
}
