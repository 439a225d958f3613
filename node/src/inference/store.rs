//! `healthchain-node store …`: the node's local model and record stores from the command
//! line. The operations and their checks are [`super::actions`], shared with the RPC
//! methods; this file reads and writes the files they take and give.

use super::{
	actions::{self, ActionError},
	flags::InferenceParams,
	wiring::engine_dir,
};
use healthchain_engine::Engine;
use sc_service::Configuration;
use std::path::{Path, PathBuf};

/// `healthchain-node store …`: manage the node's local model and record stores. Each action
/// takes the usual chain options (`--dev`, `--chain`, `--base-path`) to find the stores, and
/// the engine's `--inference-*` limits, and prints the commitment or model hash to anchor or
/// register.
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
	/// Runs the action against the stores of the configured chain, with the engine limits
	/// `params`.
	pub fn run(&self, config: &Configuration, params: &InferenceParams) -> sc_cli::Result<()> {
		let engine = Engine::open(engine_dir(config), params.engine_config())
			.map_err(|e| cli_error(e.into()))?;
		match self {
			StoreCmd::ImportRecord { patient, file, .. } => {
				let bundle = std::fs::read(file)?;
				let commitment =
					actions::import_record(&engine, patient, &bundle).map_err(cli_error)?;
				println!("{}", actions::to_hex(&commitment));
			},
			StoreCmd::ExportRecord { commitment, output, .. } => {
				let export = actions::export_record(&engine, commitment).map_err(cli_error)?;
				write_private_new(output, &export).map_err(|e| {
					sc_cli::Error::Input(format!(
						"cannot write the export to {}: {e}",
						output.display()
					))
				})?;
				println!("{}", output.display());
			},
			StoreCmd::ImportRecordExport { file, expect, .. } => {
				let limit = params.inference_max_record_bytes.saturating_add(EXPORT_OVERHEAD);
				let export = read_limited(file, limit)?;
				let commitment = actions::import_record_export(&engine, &export, expect.as_deref())
					.map_err(cli_error)?;
				println!("{}", actions::to_hex(&commitment));
			},
			StoreCmd::ImportModel { file, card, .. } => {
				let card = card.clone().unwrap_or_else(|| default_card_path(file));
				let onnx = std::fs::read(file)?;
				let card_bytes = std::fs::read(&card).map_err(|e| {
					sc_cli::Error::Input(format!(
						"cannot read the model card {}: {e}",
						card.display()
					))
				})?;
				let hash = actions::import_model(&engine, &onnx, &card_bytes).map_err(cli_error)?;
				println!("{}", actions::to_hex(&hash));
			},
			StoreCmd::RemoveRecord { commitment, .. } => {
				if !actions::remove_record(&engine, commitment).map_err(cli_error)? {
					return Err(sc_cli::Error::Input("no such record in this node's store".into()));
				}
				println!("removed");
			},
			StoreCmd::RemoveModel { model, .. } => {
				if !actions::remove_model(&engine, model).map_err(cli_error)? {
					return Err(sc_cli::Error::Input("no such model in this node's store".into()));
				}
				println!("removed");
			},
			StoreCmd::ListRecords { .. } => {
				for commitment in actions::list_records(&engine).map_err(cli_error)? {
					println!("{}", actions::to_hex(&commitment));
				}
			},
			StoreCmd::ListModels { .. } => {
				for hash in actions::list_models(&engine).map_err(cli_error)? {
					println!("{}", actions::to_hex(&hash));
				}
			},
		}
		Ok(())
	}
}

/// The command line's form of a refusal.
fn cli_error(e: ActionError) -> sc_cli::Error {
	match e {
		ActionError::Input(message) => sc_cli::Error::Input(message),
		// The store error's message (not its `Debug` form) is what the operator reads.
		ActionError::Store(e) => sc_cli::Error::Application(e.to_string().into()),
	}
}

/// What a record export holds besides the record's bytes: format tag, salt, patient.
const EXPORT_OVERHEAD: u64 = 1024;

/// Reads a file of at most `limit` bytes (an export larger than any the store accepts is not
/// read into memory).
fn read_limited(path: &Path, limit: u64) -> sc_cli::Result<Vec<u8>> {
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
fn write_private_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
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
fn default_card_path(onnx: &Path) -> PathBuf {
	let stem = onnx.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
	onnx.with_file_name(format!("{stem}.card.json"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn default_card_sits_next_to_the_model() {
		assert_eq!(
			default_card_path(Path::new("/m/breast-cancer-mlp.onnx")),
			PathBuf::from("/m/breast-cancer-mlp.card.json")
		);
	}
}
