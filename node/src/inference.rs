//! The node side of inference: the engine's configuration, its stores under the node's base
//! path, the `store` subcommand, the unsafe `inference_*` RPC methods, and the shipped model
//! that a development chain imports at start.

use healthchain_engine::{
	isolated, Engine, EngineConfig, IsolatedEngine, StoreError, WorkerCommand,
};
use healthchain_inference_primitives::{InferenceEngine, ModelHash, RecordCommitment};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	Extensions,
};
use sc_service::{ChainType, Configuration};
use sp_core::{bytes, crypto::Ss58Codec};
use std::{path::PathBuf, sync::Arc, time::Duration};

/// The shipped diagnostic model (breast cancer, Wisconsin Diagnostic data), imported by
/// development chains so that a newcomer can use it at once.
pub const SHIPPED_MODEL: &[u8] = include_bytes!("../../models/breast-cancer-mlp.onnx");
/// The shipped model's card.
pub const SHIPPED_MODEL_CARD: &[u8] = include_bytes!("../../models/breast-cancer-mlp.card.json");

/// Limits of the node's inference engine.
#[derive(Debug, Clone, clap::Args)]
pub struct InferenceParams {
	/// The largest ONNX model file the node accepts, in bytes.
	#[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
	pub inference_max_model_bytes: u64,

	/// The largest record (FHIR Bundle JSON) the node accepts, in bytes.
	#[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
	pub inference_max_record_bytes: u64,

	/// How long one inference may take, in milliseconds, model loading included.
	#[arg(long, value_name = "MS", default_value_t = 5_000)]
	pub inference_time_limit_ms: u64,

	/// How many optimized models the engine keeps in memory.
	#[arg(long, value_name = "COUNT", default_value_t = 8)]
	pub inference_plan_cache: usize,

	/// The address-space limit of the inference process, in MiB (at least 256). Off-chain
	/// workers run every inference in a child process (`healthchain-node inference-worker`)
	/// with this limit, so that a model that exhausts memory takes down that process only,
	/// never the node.
	#[arg(
		long,
		value_name = "MIB",
		default_value_t = isolated::DEFAULT_MEMORY_LIMIT / MIB,
		value_parser = clap::value_parser!(u64).range(256..)
	)]
	pub inference_memory_limit_mb: u64,

	/// Run inference inside the node process instead (no memory limit: a model that exhausts
	/// memory aborts the node). For debugging only.
	#[arg(long)]
	pub inference_in_process: bool,
}

const MIB: u64 = 1024 * 1024;

impl InferenceParams {
	/// The engine configuration these flags describe.
	pub fn engine_config(&self) -> EngineConfig {
		EngineConfig {
			max_model_bytes: self.inference_max_model_bytes,
			max_record_bytes: self.inference_max_record_bytes,
			time_limit: Duration::from_millis(self.inference_time_limit_ms),
			plan_cache_size: self.inference_plan_cache,
		}
	}
}

/// The engine the off-chain workers call through the `inference::run` host function: by
/// default a child process of this node's own executable, limited to
/// `--inference-memory-limit-mb`, which opens the same stores in `dir`.
pub fn offchain_engine(
	dir: PathBuf,
	params: &InferenceParams,
	in_process: Arc<Engine>,
) -> std::io::Result<Arc<dyn InferenceEngine>> {
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
	let program = match std::path::Path::new("/proc/self/exe") {
		path if path.exists() => path.to_path_buf(),
		_ => std::env::current_exe()?,
	};
	let mut args: Vec<std::ffi::OsString> = vec!["inference-worker".into(), "--engine-dir".into()];
	args.push(dir.into_os_string());
	for (flag, value) in [
		("--inference-memory-limit-mb", params.inference_memory_limit_mb.to_string()),
		("--inference-max-model-bytes", params.inference_max_model_bytes.to_string()),
		("--inference-max-record-bytes", params.inference_max_record_bytes.to_string()),
		("--inference-time-limit-ms", params.inference_time_limit_ms.to_string()),
		("--inference-plan-cache", params.inference_plan_cache.to_string()),
	] {
		args.push(flag.into());
		args.push(value.into());
	}
	log::info!(
		target: "healthchain",
		"🩺 inference runs in a child process limited to {} MiB",
		params.inference_memory_limit_mb
	);
	let time_limit = Duration::from_millis(params.inference_time_limit_ms);
	let records = in_process.records().clone();
	Ok(Arc::new(IsolatedEngine::new(WorkerCommand { program, args }, records, time_limit)))
}

/// `healthchain-node inference-worker`: the inference process the node starts for its
/// off-chain workers. It serves requests on stdin and answers on stdout (not for people).
#[derive(Debug, Clone, clap::Args)]
pub struct InferenceWorkerCmd {
	/// The engine's directory (`<base>/chains/<chain id>/inference`).
	#[arg(long, value_name = "DIR")]
	pub engine_dir: PathBuf,

	#[allow(missing_docs)]
	#[clap(flatten)]
	pub inference: InferenceParams,
}

impl InferenceWorkerCmd {
	/// Limits this process's memory and serves until stdin closes.
	pub fn run(&self) -> sc_cli::Result<()> {
		let limit = self.inference.inference_memory_limit_mb.saturating_mul(MIB);
		isolated::worker_main(self.engine_dir.clone(), self.inference.engine_config(), limit)
			.map_err(|e| sc_cli::Error::Application(format!("inference process: {e}").into()))
	}
}

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

/// Parses a `0x`-prefixed 32-byte hex value (a commitment or a model hash).
pub fn parse_hash32(value: &str) -> Result<[u8; 32], String> {
	let raw = bytes::from_hex(value).map_err(|e| format!("`{value}` is not hex: {e}"))?;
	raw.try_into().map_err(|raw: Vec<u8>| {
		format!("`{value}` is {} bytes long; a hash is 32 bytes", raw.len())
	})
}

/// Checks that `patient` is an SS58 account id.
pub fn check_patient(patient: &str) -> Result<(), String> {
	sp_core::crypto::AccountId32::from_ss58check(patient)
		.map(|_| ())
		.map_err(|e| format!("`{patient}` is not an SS58 account id: {e:?}"))
}

/// `healthchain-node store …`: manage the node's local model and record stores. Each action
/// takes the usual chain options (`--dev`, `--chain`, `--base-path`) to find the stores and
/// prints the commitment or model hash to anchor or register.
#[derive(Debug, clap::Subcommand)]
pub enum StoreCmd {
	/// Import a FHIR R4 Bundle for a patient; prints its commitment.
	ImportRecord {
		/// The patient's account (SS58).
		#[arg(long)]
		patient: String,
		/// The Bundle (JSON).
		file: PathBuf,
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
	/// Import an ONNX model and its card; prints the model hash.
	ImportModel {
		/// The ONNX file.
		file: PathBuf,
		/// The model card (JSON); defaults to FILE with `.onnx` replaced by `.card.json`.
		#[arg(long)]
		card: Option<PathBuf>,
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
	/// Export a record, salt included, for another custodian hospital that is to hold it too
	/// (and attest on it): writes the export to a new file, readable by its owner only. The
	/// export holds health data and the salt; send it only over a channel trusted for
	/// patient data, and destroy it once imported.
	ExportRecord {
		/// The record's commitment (0x…).
		commitment: String,
		/// The file to write; it must not exist yet.
		#[arg(long, short)]
		output: PathBuf,
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
	/// Import a record exported by another custodian (`export-record`); prints its
	/// commitment, which is the one the exporting hospital anchored.
	ImportRecordExport {
		/// The export file.
		file: PathBuf,
		/// The commitment the export must have (e.g. the one anchored on chain); a different
		/// one is refused and nothing is written.
		#[arg(long, value_name = "0x…")]
		expect: Option<String>,
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
	/// Destroy a record's salt and bytes (the node-local half of erasure).
	RemoveRecord {
		/// The record's commitment (0x…).
		commitment: String,
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
	/// Remove a model and its card.
	RemoveModel {
		/// The model hash (0x…).
		model: String,
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
	/// List the commitments of the stored records.
	ListRecords {
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
	/// List the hashes of the stored models.
	ListModels {
		#[allow(missing_docs)]
		#[clap(flatten)]
		shared: sc_cli::SharedParams,
	},
}

impl sc_cli::CliConfiguration for StoreCmd {
	fn shared_params(&self) -> &sc_cli::SharedParams {
		match self {
			StoreCmd::ImportRecord { shared, .. }
			| StoreCmd::ExportRecord { shared, .. }
			| StoreCmd::ImportRecordExport { shared, .. }
			| StoreCmd::ImportModel { shared, .. }
			| StoreCmd::RemoveRecord { shared, .. }
			| StoreCmd::RemoveModel { shared, .. }
			| StoreCmd::ListRecords { shared }
			| StoreCmd::ListModels { shared } => shared,
		}
	}
}

impl StoreCmd {
	/// Runs the action against the stores of the configured chain.
	pub fn run(&self, config: &Configuration, params: &InferenceParams) -> sc_cli::Result<()> {
		// The store error's message (not its `Debug` form) is what the operator reads.
		let app = |e: StoreError| sc_cli::Error::Application(e.to_string().into());
		let engine = Engine::open(engine_dir(config), params.engine_config()).map_err(app)?;
		let input = |e: String| sc_cli::Error::Input(e);
		match self {
			StoreCmd::ImportRecord { patient, file, .. } => {
				check_patient(patient).map_err(input)?;
				let bundle = std::fs::read(file)?;
				let commitment = engine.records().import(patient, &bundle).map_err(app)?;
				println!("{}", bytes::to_hex(&commitment, false));
			},
			StoreCmd::ExportRecord { commitment, output, .. } => {
				let commitment = parse_hash32(commitment).map_err(input)?;
				let export = engine.records().export(&commitment).map_err(app)?;
				write_private_new(output, &export).map_err(|e| {
					input(format!("cannot write the export to {}: {e}", output.display()))
				})?;
				println!("{}", output.display());
			},
			StoreCmd::ImportRecordExport { file, expect, .. } => {
				let limit = params.inference_max_record_bytes.saturating_add(EXPORT_OVERHEAD);
				let export = read_limited(file, limit)?;
				if let Some(expected) = expect {
					let expected = parse_hash32(expected).map_err(input)?;
					let actual = engine.records().check_export(&export).map_err(app)?;
					if actual != expected {
						return Err(input(format!(
							"the export is record {}, not the expected {}; nothing was imported",
							bytes::to_hex(&actual, false),
							bytes::to_hex(&expected, false)
						)));
					}
				}
				let commitment = engine.records().import_export(&export).map_err(app)?;
				println!("{}", bytes::to_hex(&commitment, false));
			},
			StoreCmd::ImportModel { file, card, .. } => {
				let card = card.clone().unwrap_or_else(|| default_card_path(file));
				let onnx = std::fs::read(file)?;
				let card_bytes = std::fs::read(&card).map_err(|e| {
					input(format!("cannot read the model card {}: {e}", card.display()))
				})?;
				let hash = engine.models().import(&onnx, &card_bytes).map_err(app)?;
				println!("{}", bytes::to_hex(&hash, false));
			},
			StoreCmd::RemoveRecord { commitment, .. } => {
				let commitment = parse_hash32(commitment).map_err(input)?;
				if !engine.records().remove(&commitment).map_err(app)? {
					return Err(input("no such record in this node's store".into()));
				}
				println!("removed");
			},
			StoreCmd::RemoveModel { model, .. } => {
				let model = parse_hash32(model).map_err(input)?;
				if !engine.remove_model(&model).map_err(app)? {
					return Err(input("no such model in this node's store".into()));
				}
				println!("removed");
			},
			StoreCmd::ListRecords { .. } => {
				for commitment in engine.records().list().map_err(app)? {
					println!("{}", bytes::to_hex(&commitment, false));
				}
			},
			StoreCmd::ListModels { .. } => {
				for hash in engine.models().list().map_err(app)? {
					println!("{}", bytes::to_hex(&hash, false));
				}
			},
		}
		Ok(())
	}
}

/// What a record export holds besides the record's bytes: format tag, salt, patient.
const EXPORT_OVERHEAD: u64 = 1024;

/// Reads a file of at most `limit` bytes.
fn read_limited(path: &std::path::Path, limit: u64) -> sc_cli::Result<Vec<u8>> {
	use std::io::Read;
	let file = std::fs::File::open(path)
		.map_err(|e| sc_cli::Error::Input(format!("cannot read {}: {e}", path.display())))?;
	let mut bytes = Vec::new();
	file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
	if bytes.len() as u64 > limit {
		return Err(sc_cli::Error::Input(format!(
			"{} is larger than {limit} bytes (see --inference-max-record-bytes)",
			path.display()
		)));
	}
	Ok(bytes)
}

/// Writes `bytes` to a new file that only its owner can read.
fn write_private_new(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
	use std::io::Write;
	let mut options = std::fs::OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
	let mut file = options.open(path)?;
	let written = file.write_all(bytes).and_then(|()| file.sync_all());
	if written.is_err() {
		// No partial export (salt and health data) stays behind.
		let _ = std::fs::remove_file(path);
	}
	written
}

/// `model.onnx` → `model.card.json`, next to it.
fn default_card_path(onnx: &std::path::Path) -> PathBuf {
	let stem = onnx.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
	onnx.with_file_name(format!("{stem}.card.json"))
}

/// The node's inference RPC methods. All are unsafe: allowed only where unsafe RPC methods
/// are (`--rpc-methods unsafe`, or the default on a localhost-only RPC server).
#[rpc(server)]
pub trait InferenceApi {
	/// Imports a FHIR R4 Bundle (JSON text) for `patient` (SS58); returns its commitment.
	#[method(name = "inference_importRecord", with_extensions)]
	fn import_record(&self, patient: String, bundle: String) -> RpcResult<String>;

	/// Imports an ONNX model (`0x` hex of the file) with its card (JSON text); returns the
	/// model hash.
	#[method(name = "inference_importModel", with_extensions)]
	fn import_model(&self, model: String, card: String) -> RpcResult<String>;

	/// Exports a record, salt included, for another custodian that is to hold it too;
	/// returns the export as `0x` hex. It holds health data and the salt: pass it on only over
	/// a channel trusted for patient data. RPC tracing (`-l rpc_metrics::extra=trace`) would
	/// log it: between hospitals, prefer `store export-record`.
	#[method(name = "inference_exportRecord", with_extensions)]
	fn export_record(&self, commitment: String) -> RpcResult<String>;

	/// Imports a record exported by another custodian (`0x` hex of the export); returns its
	/// commitment, the one the exporting hospital anchored.
	#[method(name = "inference_importRecordExport", with_extensions)]
	fn import_record_export(&self, export: String) -> RpcResult<String>;

	/// Destroys a record's salt and bytes; returns whether the record was held here.
	#[method(name = "inference_removeRecord", with_extensions)]
	fn remove_record(&self, commitment: String) -> RpcResult<bool>;

	/// The commitments of the records this node holds.
	#[method(name = "inference_listRecords", with_extensions)]
	fn list_records(&self) -> RpcResult<Vec<String>>;

	/// The hashes of the models this node holds.
	#[method(name = "inference_listModels", with_extensions)]
	fn list_models(&self) -> RpcResult<Vec<String>>;
}

/// The RPC methods over the node's engine.
pub struct InferenceRpc {
	engine: Arc<Engine>,
}

impl InferenceRpc {
	/// Serves `engine`.
	pub fn new(engine: Arc<Engine>) -> Self {
		Self { engine }
	}
}

/// JSON-RPC error codes of the inference methods.
const INVALID_INPUT: i32 = 9001;
const STORE_ERROR: i32 = 9002;

fn invalid(message: String) -> ErrorObjectOwned {
	ErrorObject::owned(INVALID_INPUT, message, None::<()>)
}

fn store_error(e: StoreError) -> ErrorObjectOwned {
	ErrorObject::owned(STORE_ERROR, e.to_string(), None::<()>)
}

fn check_safe(ext: &Extensions) -> RpcResult<()> {
	sc_rpc_api::check_if_safe(ext).map_err(Into::into)
}

fn hex_list(items: Vec<[u8; 32]>) -> Vec<String> {
	items.iter().map(|h| bytes::to_hex(h, false)).collect()
}

impl InferenceApiServer for InferenceRpc {
	fn import_record(
		&self,
		ext: &Extensions,
		patient: String,
		bundle: String,
	) -> RpcResult<String> {
		check_safe(ext)?;
		check_patient(&patient).map_err(invalid)?;
		let commitment: RecordCommitment =
			self.engine.records().import(&patient, bundle.as_bytes()).map_err(store_error)?;
		Ok(bytes::to_hex(&commitment, false))
	}

	fn import_model(&self, ext: &Extensions, model: String, card: String) -> RpcResult<String> {
		check_safe(ext)?;
		let onnx = bytes::from_hex(&model)
			.map_err(|e| invalid(format!("the model is not 0x-prefixed hex: {e}")))?;
		let hash: ModelHash =
			self.engine.models().import(&onnx, card.as_bytes()).map_err(store_error)?;
		Ok(bytes::to_hex(&hash, false))
	}

	fn export_record(&self, ext: &Extensions, commitment: String) -> RpcResult<String> {
		check_safe(ext)?;
		let commitment = parse_hash32(&commitment).map_err(invalid)?;
		let export = self.engine.records().export(&commitment).map_err(store_error)?;
		Ok(bytes::to_hex(&export, false))
	}

	fn import_record_export(&self, ext: &Extensions, export: String) -> RpcResult<String> {
		check_safe(ext)?;
		let export = bytes::from_hex(&export)
			.map_err(|e| invalid(format!("the export is not 0x-prefixed hex: {e}")))?;
		let commitment = self.engine.records().import_export(&export).map_err(store_error)?;
		Ok(bytes::to_hex(&commitment, false))
	}

	fn remove_record(&self, ext: &Extensions, commitment: String) -> RpcResult<bool> {
		check_safe(ext)?;
		let commitment = parse_hash32(&commitment).map_err(invalid)?;
		self.engine.records().remove(&commitment).map_err(store_error)
	}

	fn list_records(&self, ext: &Extensions) -> RpcResult<Vec<String>> {
		check_safe(ext)?;
		Ok(hex_list(self.engine.records().list().map_err(store_error)?))
	}

	fn list_models(&self, ext: &Extensions) -> RpcResult<Vec<String>> {
		check_safe(ext)?;
		Ok(hex_list(self.engine.models().list().map_err(store_error)?))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn shipped_model_card_names_the_shipped_model() {
		let card = healthchain_engine::ModelCard::parse(SHIPPED_MODEL_CARD).expect("card parses");
		assert_eq!(card.model_hash(), healthchain_engine::model_hash(SHIPPED_MODEL));
	}

	#[test]
	fn hashes_and_patients_are_checked() {
		assert!(parse_hash32("0x00").is_err());
		assert!(parse_hash32("zz").is_err());
		assert_eq!(parse_hash32(&format!("0x{}", "ab".repeat(32))), Ok([0xab; 32]));
		assert!(check_patient("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").is_ok());
		assert!(check_patient("not-an-account").is_err());
	}

	#[test]
	fn default_card_sits_next_to_the_model() {
		assert_eq!(
			default_card_path(std::path::Path::new("/m/breast-cancer-mlp.onnx")),
			PathBuf::from("/m/breast-cancer-mlp.card.json")
		);
	}
}
