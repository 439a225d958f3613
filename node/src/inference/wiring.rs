//! The node's inference engine: its stores under the node's base path, the shipped model a
//! development chain imports at start, and the engine the off-chain workers call through the
//! `inference::run` host function.

use super::{flags::InferenceParams, process};
use healthchain_engine::{Engine, IsolatedEngine, ProcessArgs, ProcessCommand, StoreError};
use healthchain_inference_primitives::InferenceEngine;
use sc_service::{ChainType, Configuration};
use sp_core::bytes;
use std::{
	path::{Path, PathBuf},
	sync::Arc,
};

/// The shipped diagnostic model (breast cancer, Wisconsin Diagnostic data), imported by
/// development chains so that a newcomer can use it at once.
pub const SHIPPED_MODEL: &[u8] = include_bytes!("../../../models/breast-cancer-mlp.onnx");
/// The shipped model's card.
pub const SHIPPED_MODEL_CARD: &[u8] = include_bytes!("../../../models/breast-cancer-mlp.card.json");

/// Where the node keeps its model and record stores: `<base>/chains/<chain id>/inference/`.
pub fn engine_dir(config: &Configuration) -> PathBuf {
	config.base_path.config_dir(config.chain_spec.id()).join("inference")
}

/// Opens the node's engine; on a development chain, imports the shipped model.
pub fn open_engine(
	config: &Configuration,
	params: &InferenceParams,
) -> Result<Arc<Engine>, StoreError> {
	let dir = engine_dir(config);
	let engine = Engine::open(&dir, params.engine_config())?;
	if config.chain_spec.chain_type() == ChainType::Development {
		let hash = engine.models().import(SHIPPED_MODEL, SHIPPED_MODEL_CARD)?;
		log::info!(
			target: "healthchain",
			"🩺 shipped model {} ready in {}",
			bytes::to_hex(&hash, false),
			dir.display()
		);
	}
	Ok(Arc::new(engine))
}

/// The engine the off-chain workers call through the `inference::run` host function: by
/// default a child process of this node's own executable (its `inference-process`
/// subcommand), limited to `--inference-memory-limit-mb`, which serves the stores and limits
/// of `in_process`; with `--inference-in-process`, `in_process` itself.
pub fn offchain_engine(
	params: &InferenceParams,
	in_process: Arc<Engine>,
) -> Result<Arc<dyn InferenceEngine>, String> {
	if params.inference_in_process {
		log::warn!(
			target: "healthchain",
			"inference runs inside the node process (--inference-in-process): a model that \
			 exhausts memory aborts the node"
		);
		return Ok(in_process);
	}
	// The running image itself (on Linux), not whatever file is at its path now: an upgrade
	// of the binary in place must not change the engine under a running node.
	let program = match Path::new("/proc/self/exe") {
		path if path.exists() => path.to_path_buf(),
		_ => std::env::current_exe()
			.map_err(|e| format!("cannot locate the node executable: {e}"))?,
	};
	let command = ProcessCommand { program, args: vec![process::SUBCOMMAND.into()] };
	let args = ProcessArgs::for_engine(&in_process, params.memory_limit_bytes());
	let engine = IsolatedEngine::open(command, args)
		.map_err(|e| format!("cannot open the inference stores: {e}"))?;
	log::info!(
		target: "healthchain",
		"🩺 inference runs in a child process limited to {} MiB",
		params.inference_memory_limit_mb
	);
	Ok(Arc::new(engine))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn shipped_model_card_names_the_shipped_model() {
		let card = healthchain_engine::ModelCard::parse(SHIPPED_MODEL_CARD).expect("card parses");
		assert_eq!(card.model_hash(), healthchain_engine::model_hash(SHIPPED_MODEL));
	}
}
