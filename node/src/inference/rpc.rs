//! The node's admin JSON-RPC methods over its model and record stores (`inference_*`). All
//! are unsafe: allowed only where unsafe RPC methods are (`--rpc-methods unsafe`, or the
//! default on a localhost-only RPC server), so a web page cannot reach them. The operations
//! and their checks are [`super::actions`], shared with the `store` subcommand; this file
//! decodes the hex and JSON text they take and encodes what they give.

use super::actions::{self, ActionError};
use healthchain_engine::Engine;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	Extensions,
};
use sp_core::bytes;
use std::sync::Arc;

/// The node's inference RPC methods; see the module docs.
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
	/// commitment, the one the exporting hospital anchored. With `expect` (`0x…`, e.g. the
	/// commitment anchored on chain; optional), an export of any other record is refused and
	/// nothing is written, as with `store import-record-export --expect`.
	#[method(name = "inference_importRecordExport", with_extensions)]
	fn import_record_export(&self, export: String, expect: Option<String>) -> RpcResult<String>;

	/// Destroys a record's salt and bytes; returns whether the record was held here.
	#[method(name = "inference_removeRecord", with_extensions)]
	fn remove_record(&self, commitment: String) -> RpcResult<bool>;

	/// Removes a model and its card; returns whether the model was held here.
	#[method(name = "inference_removeModel", with_extensions)]
	fn remove_model(&self, model: String) -> RpcResult<bool>;

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

/// JSON-RPC error code of a malformed request.
const INVALID_INPUT: i32 = 9001;
/// JSON-RPC error code of a store that refused or failed.
const STORE_ERROR: i32 = 9002;

/// The RPC form of a refusal: the code says whose fault, the message what.
fn rpc_error(e: ActionError) -> ErrorObjectOwned {
	let code = match e {
		ActionError::Input(_) => INVALID_INPUT,
		ActionError::Store(_) => STORE_ERROR,
	};
	ErrorObject::owned(code, e.to_string(), None::<()>)
}

/// Decodes `0x`-prefixed hex; `what` names the parameter in the error.
fn from_hex(value: &str, what: &str) -> RpcResult<Vec<u8>> {
	bytes::from_hex(value).map_err(|e| {
		rpc_error(ActionError::Input(format!("the {what} is not 0x-prefixed hex: {e}")))
	})
}

fn check_safe(ext: &Extensions) -> RpcResult<()> {
	sc_rpc_api::check_if_safe(ext).map_err(Into::into)
}

fn hex_list(items: Vec<[u8; 32]>) -> Vec<String> {
	items.iter().map(actions::to_hex).collect()
}

impl InferenceApiServer for InferenceRpc {
	fn import_record(
		&self,
		ext: &Extensions,
		patient: String,
		bundle: String,
	) -> RpcResult<String> {
		check_safe(ext)?;
		let commitment =
			actions::import_record(&self.engine, &patient, bundle.as_bytes()).map_err(rpc_error)?;
		Ok(actions::to_hex(&commitment))
	}

	fn import_model(&self, ext: &Extensions, model: String, card: String) -> RpcResult<String> {
		check_safe(ext)?;
		let onnx = from_hex(&model, "model")?;
		let hash =
			actions::import_model(&self.engine, &onnx, card.as_bytes()).map_err(rpc_error)?;
		Ok(actions::to_hex(&hash))
	}

	fn export_record(&self, ext: &Extensions, commitment: String) -> RpcResult<String> {
		check_safe(ext)?;
		let export = actions::export_record(&self.engine, &commitment).map_err(rpc_error)?;
		Ok(bytes::to_hex(&export, false))
	}

	fn import_record_export(
		&self,
		ext: &Extensions,
		export: String,
		expect: Option<String>,
	) -> RpcResult<String> {
		check_safe(ext)?;
		let export = from_hex(&export, "export")?;
		let commitment = actions::import_record_export(&self.engine, &export, expect.as_deref())
			.map_err(rpc_error)?;
		Ok(actions::to_hex(&commitment))
	}

	fn remove_record(&self, ext: &Extensions, commitment: String) -> RpcResult<bool> {
		check_safe(ext)?;
		actions::remove_record(&self.engine, &commitment).map_err(rpc_error)
	}

	fn remove_model(&self, ext: &Extensions, model: String) -> RpcResult<bool> {
		check_safe(ext)?;
		actions::remove_model(&self.engine, &model).map_err(rpc_error)
	}

	fn list_records(&self, ext: &Extensions) -> RpcResult<Vec<String>> {
		check_safe(ext)?;
		Ok(hex_list(actions::list_records(&self.engine).map_err(rpc_error)?))
	}

	fn list_models(&self, ext: &Extensions) -> RpcResult<Vec<String>> {
		check_safe(ext)?;
		Ok(hex_list(actions::list_models(&self.engine).map_err(rpc_error)?))
	}
}
