//! Inference in a separate, memory-limited process (`healthchain_engine::isolated`), with the
//! `healthchain-inference-process` binary as the child: it runs `isolated::process_main`, the
//! entry point the node runs, and is started by the same `IsolatedEngine` code with the same
//! `ProcessArgs`.

use crate::common::*;
use healthchain_engine::{
	card_hash, EngineConfig, InferenceEngine, InferenceFailure, IsolatedEngine, ProcessArgs,
	ProcessCommand,
};
use std::{ffi::OsString, time::Duration};

const PROCESS: &str = env!("CARGO_BIN_EXE_healthchain-inference-process");

const MIB: u64 = 1024 * 1024;

/// An isolated engine over `engine`'s stores and limits, with `PROCESS` as the child.
fn isolated(engine: &TestEngine, memory_limit: u64) -> IsolatedEngine {
	let command = ProcessCommand { program: PROCESS.into(), args: Vec::new() };
	IsolatedEngine::open(command, ProcessArgs::for_engine(engine, memory_limit)).unwrap()
}

/// An isolated engine running `program args` over `engine`'s stores with the time limit
/// `time_limit`, waiting at most a second for the child to start.
fn running(
	engine: &TestEngine,
	program: &str,
	args: &[&str],
	time_limit: Duration,
) -> IsolatedEngine {
	let args = args.iter().map(OsString::from).collect();
	let command = ProcessCommand { program: program.into(), args };
	let mut args = ProcessArgs::for_engine(engine, 1024 * MIB);
	args.config.time_limit = time_limit;
	IsolatedEngine::open(command, args).unwrap().with_startup_timeout(Duration::from_secs(1))
}

#[test]
fn an_isolated_engine_answers_as_the_engine_in_process_does() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let isolated = isolated(&engine, 1024 * MIB);
	for n in 1..=5 {
		let commitment = engine.records().import(ALICE, &bundle(n)).unwrap();
		assert_eq!(isolated.run(&model, &commitment), engine.run(&model, &commitment));
		assert!(isolated.run(&model, &commitment).is_ok());
	}
	// Named failures come back as they are, from the same process.
	let pid = isolated.process_pid();
	assert_eq!(isolated.run(&model, &[7; 32]), Err(InferenceFailure::RecordNotHeld));
	let commitment = engine.records().list().unwrap()[0];
	assert_eq!(isolated.run(&[9; 32], &commitment), Err(InferenceFailure::UnknownModel));
	assert_eq!(isolated.process_pid(), pid);
}

#[test]
fn the_child_applies_the_size_limits_of_its_arguments() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	assert!(engine.run(&model, &commitment).is_ok());
	let command = ProcessCommand { program: PROCESS.into(), args: Vec::new() };
	let mut args = ProcessArgs::for_engine(&engine, 1024 * MIB);
	args.config.max_model_bytes = 100;
	let small = IsolatedEngine::open(command, args).unwrap();
	// The shipped model is larger than 100 bytes: the child refuses to load it.
	assert_eq!(small.run(&model, &commitment), Err(InferenceFailure::InputTooLarge));
}

#[test]
fn a_model_that_exceeds_the_memory_limit_fails_in_its_process_only() {
	let engine = engine_with(EngineConfig {
		time_limit: Duration::from_secs(20),
		..EngineConfig::default()
	});
	let good = import_shipped(&engine, BREAST);
	// Tract folds this graph's constants while analysing it: 1.2 GB before any check runs.
	let blowup = import_with_card_of(&engine, BREAST, &fixture("constant-blowup.onnx"));
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	let isolated = isolated(&engine, 768 * MIB);

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
	// A zero time limit refuses every inference as over time: the child answers so at once,
	// well before the parent's deadline (the same limit plus the grace).
	let isolated = running(&engine, PROCESS, &[], Duration::ZERO);
	assert_eq!(isolated.run(&model, &commitment), Err(InferenceFailure::TimeLimitExceeded));
	assert_eq!(isolated.process_pid(), None, "a child that overran is not reused");
}

#[test]
fn a_process_that_does_not_start_or_never_answers_is_killed() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	// Never writes the handshake: killed at the start-up timeout, before any request.
	let silent = running(&engine, "sleep", &["600"], Duration::from_millis(100));
	assert_eq!(silent.run(&model, &commitment), Err(InferenceFailure::WorkerUnavailable));
	assert_eq!(silent.process_pid(), None);
	// Starts, takes the request, never answers: killed at the time limit (plus the grace).
	let script = "printf '\\027\\000\\000\\000healthchain-inference/2'; exec sleep 600";
	let stuck = running(&engine, "sh", &["-c", script], Duration::from_millis(100));
	let started = std::time::Instant::now();
	assert_eq!(stuck.run(&model, &commitment), Err(InferenceFailure::TimeLimitExceeded));
	assert!(started.elapsed() < Duration::from_secs(30));
	assert_eq!(stuck.process_pid(), None);
}

#[test]
fn a_process_that_cannot_start_is_a_transient_fault_of_the_node() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	// Ends before its handshake.
	let exits = running(&engine, "true", &[], Duration::from_secs(5));
	assert_eq!(exits.run(&model, &commitment), Err(InferenceFailure::WorkerUnavailable));
	assert_eq!(exits.process_pid(), None);
	let missing = running(&engine, "/nonexistent/healthchain-node", &[], Duration::from_secs(5));
	assert_eq!(missing.run(&model, &commitment), Err(InferenceFailure::WorkerUnavailable));
	// The child cannot open its engine (a file where its model store should be): it says why
	// on stderr and ends.
	let broken = running(&engine, PROCESS, &[], Duration::from_secs(5));
	let models = engine.dir.path().join("models");
	std::fs::remove_dir_all(&models).unwrap();
	std::fs::write(&models, b"not a directory").unwrap();
	assert_eq!(broken.run(&model, &commitment), Err(InferenceFailure::WorkerUnavailable));
	assert_eq!(broken.process_pid(), None);
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
		assert_eq!(broken.process_pid(), None, "no process was needed");
	}
}

#[test]
fn a_process_that_ended_while_idle_is_replaced_without_failing_the_request() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	let isolated = isolated(&engine, 1024 * MIB);
	assert!(isolated.run(&model, &commitment).is_ok());
	let pid = isolated.process_pid().expect("a process serves");
	std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
	std::thread::sleep(Duration::from_millis(200));
	assert_eq!(isolated.run(&model, &commitment), engine.run(&model, &commitment));
	assert_ne!(isolated.process_pid(), Some(pid));
}

#[test]
fn only_the_approved_card_runs_in_process_and_isolated() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let approved = card_hash(&card(BREAST));
	let commitment = engine.records().import(ALICE, &bundle(1)).unwrap();
	let isolated = isolated(&engine, 1024 * MIB);
	let expected = engine.run(&model, &commitment);
	assert!(expected.is_ok(), "{expected:?}");
	for runner in [&engine.engine as &dyn InferenceEngine, &isolated] {
		assert_eq!(runner.run_approved(&model, &approved, &commitment), expected);
		assert_eq!(
			runner.run_approved(&model, &[0xcc; 32], &commitment),
			Err(InferenceFailure::ModelCardMismatch)
		);
		// Not held: silence comes first, whatever the card.
		assert_eq!(
			runner.run_approved(&model, &[0xcc; 32], &[0x11; 32]),
			Err(InferenceFailure::RecordNotHeld)
		);
		assert_eq!(
			runner.run_approved(&[0x22; 32], &approved, &commitment),
			Err(InferenceFailure::UnknownModel)
		);
	}
	// Re-importing the model with another card (same model, another mapping) replaces the
	// card: the node then refuses to run it under the approved card's hash.
	let edited = card_for(BREAST, &onnx(BREAST), |card| card["version"] = "1.0.1".into());
	engine.models().import(&onnx(BREAST), &edited).unwrap();
	for runner in [&engine.engine as &dyn InferenceEngine, &isolated] {
		assert_eq!(
			runner.run_approved(&model, &approved, &commitment),
			Err(InferenceFailure::ModelCardMismatch)
		);
		assert_eq!(runner.run_approved(&model, &card_hash(&edited), &commitment), expected);
	}
	// The card check ran in the parent: no child was needed to refuse.
	let fresh = running(&engine, "/nonexistent/healthchain-node", &[], Duration::from_secs(5));
	assert_eq!(
		fresh.run_approved(&model, &approved, &commitment),
		Err(InferenceFailure::ModelCardMismatch)
	);
}
