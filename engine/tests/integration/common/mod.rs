//! Shared helpers of the engine's integration tests.
#![allow(dead_code)]

use healthchain_engine::{model_hash, Engine, EngineConfig, ModelHash};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Alice's and Bob's dev accounts, as SS58 (generic substrate prefix 42).
pub const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
pub const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

pub const BREAST: &str = "breast-cancer-mlp";
pub const DIABETES: &str = "diabetes-regression";

pub fn repo() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn models_dir() -> PathBuf {
	repo().join("models")
}

pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
	let path = path.as_ref();
	std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

pub fn json(path: impl AsRef<Path>) -> Value {
	serde_json::from_slice(&read(path)).unwrap()
}

pub fn onnx(name: &str) -> Vec<u8> {
	read(models_dir().join(format!("{name}.onnx")))
}

pub fn card(name: &str) -> Vec<u8> {
	read(models_dir().join(format!("{name}.card.json")))
}

pub fn fixture(name: &str) -> Vec<u8> {
	read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name))
}

pub fn bundle(n: u32) -> Vec<u8> {
	read(models_dir().join(format!("examples/patient-{n}.bundle.json")))
}

pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `base`'s card (a shipped model name) rewritten to name `onnx_bytes`, then `edit`ed.
pub fn card_for(base: &str, onnx_bytes: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
	let mut card: Value = serde_json::from_slice(&card(base)).unwrap();
	let hash = hex(&model_hash(onnx_bytes));
	card["model_hash"] = Value::String(hash.clone());
	card["onnx"]["blake2_256"] = Value::String(hash);
	edit(&mut card);
	serde_json::to_vec_pretty(&card).unwrap()
}

pub struct TestEngine {
	pub engine: Engine,
	pub dir: tempfile::TempDir,
}

impl std::ops::Deref for TestEngine {
	type Target = Engine;
	fn deref(&self) -> &Engine {
		&self.engine
	}
}

pub fn engine_with(config: EngineConfig) -> TestEngine {
	init_logger();
	let dir = tempfile::tempdir().unwrap();
	let engine = Engine::open(dir.path(), config).unwrap();
	TestEngine { engine, dir }
}

pub fn engine() -> TestEngine {
	engine_with(EngineConfig::default())
}

/// Imports a shipped model with its own card.
pub fn import_shipped(engine: &Engine, name: &str) -> ModelHash {
	engine.models().import(&onnx(name), &card(name)).unwrap()
}

/// Imports `onnx_bytes` with `base`'s card renamed to it.
pub fn import_with_card_of(engine: &Engine, base: &str, onnx_bytes: &[u8]) -> ModelHash {
	engine.models().import(onnx_bytes, &card_for(base, onnx_bytes, |_| {})).unwrap()
}

/// Edits the first Observation coded `code` in a Bundle.
pub fn edit_observation(bundle: &[u8], code: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
	let mut bundle: Value = serde_json::from_slice(bundle).unwrap();
	let entry = bundle["entry"]
		.as_array_mut()
		.unwrap()
		.iter_mut()
		.find(|e| e["resource"]["code"]["coding"][0]["code"] == code)
		.unwrap_or_else(|| panic!("no Observation coded {code}"));
	edit(&mut entry["resource"]);
	serde_json::to_vec(&bundle).unwrap()
}

/// Removes every Observation coded `code` from a Bundle.
pub fn remove_observation(bundle: &[u8], code: &str) -> Vec<u8> {
	let mut bundle: Value = serde_json::from_slice(bundle).unwrap();
	bundle["entry"]
		.as_array_mut()
		.unwrap()
		.retain(|e| e["resource"]["code"]["coding"][0]["code"] != code);
	serde_json::to_vec(&bundle).unwrap()
}

/// Sends the engine's log to stderr (shown with `--nocapture`), once per test binary.
pub fn init_logger() {
	struct Stderr;
	impl log::Log for Stderr {
		fn enabled(&self, metadata: &log::Metadata) -> bool {
			metadata.level() <= log::Level::Info
		}
		fn log(&self, record: &log::Record) {
			if self.enabled(record.metadata()) {
				eprintln!("[{}] {}", record.level(), record.args());
			}
		}
		fn flush(&self) {}
	}
	static LOGGER: Stderr = Stderr;
	if log::set_logger(&LOGGER).is_ok() {
		log::set_max_level(log::LevelFilter::Info);
	}
}
