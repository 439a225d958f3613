//! The steps of the inference flow, as a Rust client takes them over RPC: import a record into
//! a hospital's node, anchor it, grant consent, request inference, watch the request settle.

use super::{from_hex, to_hex, Node, Result};
use codec::{Decode, Encode};
use healthchain_inference_primitives::InferenceFailure;
use healthchain_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent};
use jsonrpsee::rpc_params;
use pallet_attestation::{AttestationInfoOf, ModelId, RequestId, RequestOf};
use pallet_consent::{ConsentId, DataClass, DataScope, Decision, Provision, Purpose};
use pallet_records::{RecordId, Schema};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BoundedVec;
use std::time::{Duration, Instant};

/// An example FHIR Bundle from `models/examples/`, as text.
pub fn example_bundle(name: &str) -> Result<String> {
	let path =
		std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/examples").join(name);
	Ok(std::fs::read_to_string(path)?)
}

/// The shipped model's fixed-point output for an example Bundle, from
/// `models/examples/expected-outputs.json` (computed with onnxruntime).
pub fn expected_output(bundle: &str) -> Result<Vec<i64>> {
	let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
		.join("../models/examples/expected-outputs.json");
	let cases: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
	let case = cases
		.as_array()
		.and_then(|cases| cases.iter().find(|c| c["bundle"] == bundle))
		.ok_or_else(|| format!("{bundle} is not in expected-outputs.json"))?;
	Ok(serde_json::from_value(case["outputs"]["breast-cancer-mlp"]["fixed_point"].clone())?)
}

/// Parses a `0x` commitment returned by the node.
pub fn commitment_of(value: &serde_json::Value) -> Result<[u8; 32]> {
	from_hex(value.as_str().ok_or("a commitment is a string")?)?
		.try_into()
		.map_err(|_| "a commitment is 32 bytes".into())
}

/// Imports an example Bundle for `patient` into `node`'s record store (unsafe RPC); returns
/// the commitment.
pub async fn import_record(node: &Node, patient: Sr25519Keyring, bundle: &str) -> Result<[u8; 32]> {
	let commitment = node
		.call(
			"inference_importRecord",
			rpc_params![patient.to_account_id().to_string(), example_bundle(bundle)?],
		)
		.await?;
	commitment_of(&commitment)
}

/// The custodian anchors `commitment` as `patient`'s laboratory record; returns the record id.
pub async fn anchor(
	node: &Node,
	custodian: Sr25519Keyring,
	patient: Sr25519Keyring,
	commitment: [u8; 32],
) -> Result<RecordId> {
	let events = node
		.submit(
			RuntimeCall::Records(pallet_records::Call::anchor_record {
				patient: patient.to_account_id(),
				commitment,
				data_class: DataClass::Laboratory,
				schema: Schema::FhirR4Bundle,
			}),
			custodian,
		)
		.await?;
	events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Records(pallet_records::Event::RecordAnchored { record_id, .. }) => {
				Some(*record_id)
			},
			_ => None,
		})
		.ok_or_else(|| "no RecordAnchored event".into())
}

/// The attestor account of the development hospital of `who`: the account of the `infr` key
/// `//Alice//infr` (for Alice) that a node started with `--alice` holds and the development
/// presets register (never the governance account `//Alice`).
pub fn attestor(who: Sr25519Keyring) -> AccountId {
	super::account_of(&attestor_key(who))
}

/// The `infr` key `//Alice//infr` (for Alice) of the development hospital of `who`.
pub fn attestor_key(who: Sr25519Keyring) -> sp_core::sr25519::Pair {
	use sp_core::Pair;
	sp_core::sr25519::Pair::from_string(&format!("{}//infr", who.to_seed()), None)
		.expect("a derivation of a development seed")
}

/// `custodian` shares record `record_id` with the hospital `holder` on chain, after `holder`'s
/// node imported the record's export: `holder`'s attestor may then attest inferences on it.
pub async fn share_record(
	node: &Node,
	custodian: Sr25519Keyring,
	record_id: RecordId,
	holder: Sr25519Keyring,
) -> Result<()> {
	let events = node
		.submit(
			RuntimeCall::Records(pallet_records::Call::share_record {
				record_id,
				holder: holder.to_account_id(),
			}),
			custodian,
		)
		.await?;
	let shared = events.iter().any(|e| {
		matches!(
			e,
			RuntimeEvent::Records(pallet_records::Event::RecordShared { record_id: id, .. })
				if *id == record_id
		)
	});
	if shared {
		Ok(())
	} else {
		Err("no RecordShared event".into())
	}
}

/// `patient` permits `clinician` AI-assisted diagnosis on their laboratory data; returns the
/// consent's id.
pub async fn grant_ai_consent(
	node: &Node,
	patient: Sr25519Keyring,
	clinician: Sr25519Keyring,
) -> Result<ConsentId> {
	let events = node
		.submit(
			RuntimeCall::Consent(pallet_consent::Call::grant_consent {
				on_behalf_of: None,
				grantee: clinician.to_account_id(),
				provision: Provision::<Runtime> {
					decision: Decision::Permit,
					purposes: BoundedVec::truncate_from(vec![Purpose::AiAssistedDiagnosis]),
					data: BoundedVec::truncate_from(vec![DataScope::Class(DataClass::Laboratory)]),
					valid_from: None,
					valid_until: None,
					policy: None,
				},
			}),
			patient,
		)
		.await?;
	events
		.iter()
		.find_map(|event| match event {
			RuntimeEvent::Consent(pallet_consent::Event::ConsentGranted { consent_id, .. }) => {
				Some(*consent_id)
			},
			_ => None,
		})
		.ok_or_else(|| "no ConsentGranted event".into())
}

/// The shipped model's id: approved at genesis as the first model.
pub const SHIPPED_MODEL_ID: ModelId = 0;

/// `clinician` requests model `model_id` on `record_id`; returns the request id and the block
/// number before the request, to watch from.
pub async fn request_inference(
	node: &Node,
	clinician: Sr25519Keyring,
	model_id: ModelId,
	record_id: RecordId,
	quorum: u32,
) -> Result<(RequestId, u32)> {
	let start = node.best_number().await?;
	let events = node
		.submit(
			RuntimeCall::Attestation(pallet_attestation::Call::request_inference {
				model_id,
				record_id,
				quorum,
			}),
			clinician,
		)
		.await?;
	let request_id = events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Attestation(pallet_attestation::Event::InferenceRequested {
				request_id,
				..
			}) => Some(*request_id),
			_ => None,
		})
		.ok_or("no InferenceRequested event")?;
	Ok((request_id, start))
}

/// What happened to a request, as its events tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
	/// An attestor's result went on chain.
	Result {
		/// The attestor.
		attestor: AccountId,
		/// The output it submitted.
		output: Vec<i64>,
	},
	/// An attestor reported that its node could not run the inference.
	Failure {
		/// The attestor.
		attestor: AccountId,
		/// Why.
		failure: InferenceFailure,
	},
	/// `quorum` attestors reported failures: the request failed.
	Failed,
	/// The request was attested.
	Attested {
		/// The attested output.
		output: Vec<i64>,
		/// The attestors whose results agreed.
		attestors: Vec<AccountId>,
	},
}

/// Watches the events of blocks from `*next` on (advancing it) until `want` accepts what it
/// sees about `request`; an ending of the request that `want` does not accept is an error.
pub async fn watch_request(
	node: &Node,
	request: RequestId,
	next: &mut u32,
	timeout: Duration,
	mut want: impl FnMut(&Seen) -> bool,
) -> Result<Seen> {
	use pallet_attestation::Event;
	let deadline = Instant::now() + timeout;
	while Instant::now() < deadline {
		while *next <= node.best_number().await? {
			let hash = node.block_hash(*next).await?.ok_or("missing block hash")?;
			*next += 1;
			for record in node.events(hash).await? {
				let RuntimeEvent::Attestation(event) = record.event else { continue };
				let seen = match event {
					Event::ResultSubmitted { request_id, attestor, output }
						if request_id == request =>
					{
						Seen::Result { attestor, output: output.to_vec() }
					},
					Event::RequestAttested { request_id, output, attestors, .. }
						if request_id == request =>
					{
						Seen::Attested { output: output.to_vec(), attestors: attestors.to_vec() }
					},
					Event::FailureReported { request_id, attestor, failure }
						if request_id == request =>
					{
						Seen::Failure { attestor, failure }
					},
					Event::RequestFailed { request_id, .. } if request_id == request => {
						Seen::Failed
					},
					event @ (Event::RequestDisputed { request_id, .. }
					| Event::RequestExpired { request_id, .. }
					| Event::RequestCancelled { request_id, .. })
						if request_id == request =>
					{
						return Err(format!("the request was not attested: {event:?}").into())
					},
					_ => continue,
				};
				if want(&seen) {
					return Ok(seen);
				}
				// A failure report is not final (a quorum may still be reached); a failed
				// request is.
				if seen == Seen::Failed {
					return Err(format!("the request was not attested: {seen:?}").into());
				}
			}
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	Err(format!("request {request}: not what was awaited within {timeout:?}").into())
}

/// Waits for the attestation of `request` in blocks from `from` on; returns its output and
/// attestors.
pub async fn wait_for_attestation(
	node: &Node,
	request: RequestId,
	from: u32,
	timeout: Duration,
) -> Result<(Vec<i64>, Vec<AccountId>)> {
	let mut next = from;
	match watch_request(node, request, &mut next, timeout, |seen| {
		matches!(seen, Seen::Attested { .. })
	})
	.await?
	{
		Seen::Attested { output, attestors } => Ok((output, attestors)),
		other => Err(format!("unexpected {other:?}").into()),
	}
}

/// Calls the runtime API function `method` (e.g. `AttestationApi_request`) with `arg` at the
/// best block and decodes its answer.
pub async fn runtime_api<T: Decode>(node: &Node, method: &str, arg: impl Encode) -> Result<T> {
	let answer = node.call("state_call", rpc_params![method, to_hex(&arg.encode())]).await?;
	let bytes = from_hex(answer.as_str().ok_or("state_call result is not a string")?)?;
	Ok(T::decode(&mut &bytes[..])?)
}

/// The attestation of `request`, read through the runtime API `AttestationApi`.
pub async fn attestation(node: &Node, request: RequestId) -> Result<AttestationInfoOf<Runtime>> {
	runtime_api::<Option<_>>(node, "AttestationApi_attestation", request)
		.await?
		.ok_or_else(|| "the runtime API has no attestation".into())
}

/// A request with its status and submissions, read through the runtime API `AttestationApi`.
pub async fn request(node: &Node, request: RequestId) -> Result<RequestOf<Runtime>> {
	runtime_api::<Option<_>>(node, "AttestationApi_request", request)
		.await?
		.ok_or_else(|| format!("no request {request}").into())
}
