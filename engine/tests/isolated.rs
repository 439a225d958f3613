//! Inference in a separate, memory-limited process (`healthchain_engine::isolated`), with the
//! `healthchain-inference-worker` binary as the child.

mod common;

use common::*;
use healthchain_engine::{InferenceEngine, InferenceFailure, IsolatedEngine, WorkerCommand};
use std::{ffi::OsString, time::Duration};

const WORKER: &str = env!("CARGO_BIN_EXE_healthchain-inference-worker");

fn isolated(engine: &TestEngine, memory_limit: u64, time_limit: Duration) -> IsolatedEngine {
	let args = vec![
		OsString::from(engine.dir.path()),
		OsString::from(memory_limit.to_string()),
		OsString::from(time_limit.as_millis().to_string()),
	];
	let command = WorkerCommand { program: WORKER.into(), args };
	IsolatedEngine::new(command, engine.records().clone(), time_limit)
}

/// An isolated engine running `program args` over `engine`'s records, waiting at most a
/// second for the child to start.
fn running(
	engine: &TestEngine,
	program: &str,
	args: &[&str],
	time_limit: Duration,
) -> IsolatedEngine {
	let args = args.iter().map(OsString::from).collect();
	let command = WorkerCommand { program: program.into(), args };
	IsolatedEngine::new(command, engine.records().clone(), time_limit)
		.with_startup_timeout(Duration::from_secs(1))
}

const MIB: u64 = 1024 * 1024;

#[test]
fn an_isolated_engine_answers_as_the_engine_in_process_does() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let isolated = isolated(&engine, 1024 * MIB, Duration::from_secs(5));
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
	let isolated = isolated(&engine, 768 * MIB, Duration::from_secs(20));

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
	let dir = engine.dir.path().to_str().unwrap().to_owned();
	let isolated = running(&engine, WORKER, &[&dir, "1073741824", "0"], Duration::from_secs(5));
	assert_eq!(isolated.run(&model, &commitment), Err(InferenceFailure::TimeLimitExceeded));
	assert_eq!(isolated.worker_pid(), None, "a child that overran is not reused");
}

#[test]
fn a_process_that_does_not_start_or_never_answers_is_killed() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	// Never writes the handshake: killed at the start-up timeout, before any request.
	let silent = running(&engine, "sleep", &["600"], Duration::from_millis(100));
	assert_eq!(silent.run(&model, &commitment), Err(InferenceFailure::EngineError));
	assert_eq!(silent.worker_pid(), None);
	// Starts, takes the request, never answers: killed at the time limit (plus the grace).
	let script = "printf '\\027\\000\\000\\000healthchain-inference/1'; exec sleep 600";
	let stuck = running(&engine, "sh", &["-c", script], Duration::from_millis(100));
	let started = std::time::Instant::now();
	assert_eq!(stuck.run(&model, &commitment), Err(InferenceFailure::TimeLimitExceeded));
	assert!(started.elapsed() < Duration::from_secs(30));
	assert_eq!(stuck.worker_pid(), None);
}

#[test]
fn a_process_that_dies_or_cannot_start_is_an_engine_error() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	let exits = running(&engine, "true", &[], Duration::from_secs(5));
	assert_eq!(exits.run(&model, &commitment), Err(InferenceFailure::EngineError));
	assert_eq!(exits.worker_pid(), None);
	let missing = running(&engine, "/nonexistent/healthchain-node", &[], Duration::from_secs(5));
	assert_eq!(missing.run(&model, &commitment), Err(InferenceFailure::EngineError));
	// An unusable engine directory: the child says why on stderr and ends.
	let file = tempfile::NamedTempFile::new().unwrap();
	let path = file.path().to_str().unwrap().to_owned();
	let bad_dir = running(&engine, WORKER, &[&path], Duration::from_secs(5));
	assert_eq!(bad_dir.run(&model, &commitment), Err(InferenceFailure::EngineError));
}

#[test]
fn a_broken_inference_process_never_speaks_for_records_not_held_here() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	for broken in [
		running(&engine, "true", &[], Duration::from_secs(5)),
		running(&engine, "/nonexistent/healthchain-node", &[], Duration::from_secs(5)),
	] {
		assert_eq!(broken.run(&model, &[2; 32]), Err(InferenceFailure::RecordNotHeld));
		assert_eq!(broken.worker_pid(), None, "no process was needed");
	}
}

#[test]
fn a_process_that_ended_while_idle_is_replaced_without_failing_the_request() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	let isolated = isolated(&engine, 1024 * MIB, Duration::from_secs(5));
	assert!(isolated.run(&model, &commitment).is_ok());
	let pid = isolated.worker_pid().expect("a process serves");
	std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
	std::thread::sleep(Duration::from_millis(200));
	assert_eq!(isolated.run(&model, &commitment), engine.run(&model, &commitment));
	assert_ne!(isolated.worker_pid(), Some(pid));
}
