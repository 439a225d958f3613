//! Inference in a separate, memory-limited process (`healthchain_engine::isolated`), with the
//! `healthchain-inference-worker` binary as the child.

mod common;

use common::*;
use healthchain_engine::{InferenceEngine, InferenceFailure, IsolatedEngine, WorkerCommand};
use std::{ffi::OsString, path::Path, time::Duration};

const WORKER: &str = env!("CARGO_BIN_EXE_healthchain-inference-worker");

fn isolated(dir: &Path, memory_limit: u64, time_limit: Duration) -> IsolatedEngine {
	let args = vec![
		OsString::from(dir),
		OsString::from(memory_limit.to_string()),
		OsString::from(time_limit.as_millis().to_string()),
	];
	IsolatedEngine::new(WorkerCommand { program: WORKER.into(), args }, time_limit)
}

const MIB: u64 = 1024 * 1024;

#[test]
fn an_isolated_engine_answers_as_the_engine_in_process_does() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let isolated = isolated(engine.dir.path(), 1024 * MIB, Duration::from_secs(5));
	for n in 1..=5 {
		let commitment = engine.records().import(ALICE, &bundle(n)).unwrap();
		assert_eq!(isolated.run(&model, &commitment), engine.run(&model, &commitment));
		assert!(isolated.run(&model, &commitment).is_ok());
	}
	// Named failures come back as they are, from the same process.
	let pid = isolated.worker_pid();
	assert_eq!(isolated.run(&model, &[7; 32]), Err(InferenceFailure::RecordNotHeld));
	let commitment = engine.records().list().unwrap()[0];
	assert_eq!(isolated.run(&[9; 32], &commitment), Err(InferenceFailure::UnknownModel));
	assert_eq!(isolated.worker_pid(), pid);
}

#[test]
fn a_model_that_exceeds_the_memory_limit_fails_in_its_process_only() {
	let engine = engine();
	let good = import_shipped(&engine, BREAST);
	// Tract folds this graph's constants while analysing it: 1.2 GB before any check runs.
	let blowup = import_with_card_of(&engine, BREAST, &fixture("constant-blowup.onnx"));
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	let isolated = isolated(engine.dir.path(), 768 * MIB, Duration::from_secs(20));

	assert!(isolated.run(&good, &commitment).is_ok());
	// Under the limit the allocation fails in the child: tract reports it as a panic, which
	// the child's engine catches (an allocation failure elsewhere would abort the child,
	// which the parent reports the same way and replaces).
	assert_eq!(isolated.run(&blowup, &commitment), Err(InferenceFailure::EngineError));
	// This process never allocated the 1.2 GB, and the next inference is served.
	assert_eq!(isolated.run(&good, &commitment), engine.run(&good, &commitment));
}

#[test]
fn a_time_limit_answer_recycles_the_process() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	// A zero time limit in the child refuses every inference as over time.
	let args = vec![OsString::from(engine.dir.path()), "1073741824".into(), "0".into()];
	let isolated =
		IsolatedEngine::new(WorkerCommand { program: WORKER.into(), args }, Duration::from_secs(5));
	assert_eq!(isolated.run(&model, &commitment), Err(InferenceFailure::TimeLimitExceeded));
	assert_eq!(isolated.worker_pid(), None, "a child that overran is not reused");
}

#[test]
fn a_process_that_never_answers_is_killed_at_the_time_limit() {
	let command = WorkerCommand { program: "sleep".into(), args: vec!["600".into()] };
	let isolated = IsolatedEngine::new(command, Duration::from_millis(100));
	let started = std::time::Instant::now();
	assert_eq!(isolated.run(&[1; 32], &[2; 32]), Err(InferenceFailure::TimeLimitExceeded));
	assert!(started.elapsed() < Duration::from_secs(60));
	assert_eq!(isolated.worker_pid(), None);
}

#[test]
fn a_process_that_dies_or_cannot_start_is_an_engine_error() {
	let exits = WorkerCommand { program: "true".into(), args: vec![] };
	let isolated = IsolatedEngine::new(exits, Duration::from_secs(5));
	assert_eq!(isolated.run(&[1; 32], &[2; 32]), Err(InferenceFailure::EngineError));
	assert_eq!(isolated.worker_pid(), None);

	let missing = WorkerCommand { program: "/nonexistent/healthchain-node".into(), args: vec![] };
	let isolated = IsolatedEngine::new(missing, Duration::from_secs(5));
	assert_eq!(isolated.run(&[1; 32], &[2; 32]), Err(InferenceFailure::EngineError));
}

#[test]
fn an_unusable_engine_directory_ends_the_process_with_a_reason() {
	let file = tempfile::NamedTempFile::new().unwrap();
	let isolated = isolated(file.path(), 1024 * MIB, Duration::from_secs(5));
	assert_eq!(isolated.run(&[1; 32], &[2; 32]), Err(InferenceFailure::EngineError));
}
