//! End to end, the heart of healthchain on a `--dev` node: a hospital imports a patient's FHIR
//! Bundle into its local store and anchors the commitment; the patient grants a clinician
//! consent for AI-assisted diagnosis; the clinician requests inference with the shipped
//! model; the node's off-chain worker runs the model where the data lives and submits a
//! signed, feeless result; the chain attests the expected output.

mod common;

use codec::{Decode, Encode};
use common::{Node, Result};
use healthchain_runtime::{Runtime, RuntimeCall, RuntimeEvent};
use jsonrpsee::rpc_params;
use pallet_attestation::{AttestationInfoOf, RequestId};
use pallet_consent::{DataClass, DataScope, Decision, Provision, Purpose};
use pallet_records::{RecordId, Schema};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BoundedVec;
use std::time::{Duration, Instant};

/// The shipped model's fixed-point output for `models/examples/patient-1.bundle.json`
/// (`models/examples/expected-outputs.json`): [P(benign), P(malignant)] in parts per million.
const PATIENT_1_OUTPUT: [i64; 2] = [38, 999_962];

fn example_bundle(name: &str) -> Result<String> {
	let path =
		std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/examples").join(name);
	Ok(std::fs::read_to_string(path)?)
}

/// Waits for the `RequestAttested` event of `request` in blocks from `from` on.
async fn wait_for_attestation(node: &Node, request: RequestId, from: u32) -> Result<Vec<i64>> {
	let deadline = Instant::now() + Duration::from_secs(120);
	let mut next = from;
	while Instant::now() < deadline {
		while next <= node.best_number().await? {
			let hash = node.block_hash(next).await?.ok_or("missing block hash")?;
			for record in node.events(hash).await? {
				match record.event {
					RuntimeEvent::Attestation(pallet_attestation::Event::RequestAttested {
						request_id,
						output,
						attestors,
						..
					}) if request_id == request => {
						assert_eq!(attestors.to_vec(), vec![Sr25519Keyring::Alice.to_account_id()]);
						return Ok(output.to_vec());
					},
					// A failure report or any other ending of the request ends the wait.
					RuntimeEvent::Attestation(
						event @ (pallet_attestation::Event::FailureReported { .. }
						| pallet_attestation::Event::RequestDisputed { .. }
						| pallet_attestation::Event::RequestFailed { .. }
						| pallet_attestation::Event::RequestExpired { .. }
						| pallet_attestation::Event::RequestCancelled { .. }),
					) => return Err(format!("the request was not attested: {event:?}").into()),
					_ => {},
				}
			}
			next += 1;
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	Err("no attestation within 120 s".into())
}

async fn scenario(node: &Node) -> Result<()> {
	node.wait_ready(Duration::from_secs(60)).await?;
	let (alice, bob, eve) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Eve);

	// 1. The hospital (Alice's node) imports Eve's Bundle; only the commitment leaves the node.
	let commitment = node
		.call(
			"inference_importRecord",
			rpc_params![eve.to_account_id().to_string(), example_bundle("patient-1.bundle.json")?],
		)
		.await?;
	let commitment: [u8; 32] = common::from_hex(commitment.as_str().ok_or("commitment")?)?
		.try_into()
		.map_err(|_| "a commitment is 32 bytes")?;

	// 2. Alice, a registered custodian, anchors it.
	let events = node
		.submit(
			RuntimeCall::Records(pallet_records::Call::anchor_record {
				patient: eve.to_account_id(),
				commitment,
				data_class: DataClass::Laboratory,
				schema: Schema::FhirR4Bundle,
			}),
			alice,
		)
		.await?;
	let record_id: RecordId = events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Records(pallet_records::Event::RecordAnchored { record_id, .. }) => {
				Some(*record_id)
			},
			_ => None,
		})
		.ok_or("no RecordAnchored event")?;

	// 3. Eve permits Bob AI-assisted diagnosis on her laboratory data.
	node.submit(
		RuntimeCall::Consent(pallet_consent::Call::grant_consent {
			on_behalf_of: None,
			grantee: bob.to_account_id(),
			provision: Provision::<Runtime> {
				decision: Decision::Permit,
				purposes: BoundedVec::truncate_from(vec![Purpose::AiAssistedDiagnosis]),
				data: BoundedVec::truncate_from(vec![DataScope::Class(DataClass::Laboratory)]),
				valid_from: None,
				valid_until: None,
				policy: None,
			},
		}),
		eve,
	)
	.await?;

	// 4. Bob requests the shipped model (model 0, approved at genesis) on the record.
	let start = node.best_number().await?;
	let events = node
		.submit(
			RuntimeCall::Attestation(pallet_attestation::Call::request_inference {
				model_id: 0,
				record_id,
				quorum: 1,
			}),
			bob,
		)
		.await?;
	let request_id: RequestId = events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Attestation(pallet_attestation::Event::InferenceRequested {
				request_id,
				..
			}) => Some(*request_id),
			_ => None,
		})
		.ok_or("no InferenceRequested event")?;

	// 5. The off-chain worker runs the model and submits; the chain attests.
	let output = wait_for_attestation(node, request_id, start).await?;
	assert_eq!(output, PATIENT_1_OUTPUT.to_vec(), "attested output");

	// 6. A researcher reads the attestation through the runtime API.
	let answer = node
		.call(
			"state_call",
			rpc_params!["AttestationApi_attestation", common::to_hex(&request_id.encode())],
		)
		.await?;
	let bytes = common::from_hex(answer.as_str().ok_or("state_call result")?)?;
	let info = Option::<AttestationInfoOf<Runtime>>::decode(&mut &bytes[..])?
		.ok_or("the runtime API has no attestation")?;
	assert_eq!(info.attestation.record_id, record_id);
	assert_eq!(info.attestation.commitment, commitment);
	assert_eq!(info.attestation.patient, eve.to_account_id());
	assert_eq!(info.attestation.output.to_vec(), PATIENT_1_OUTPUT.to_vec());
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consented_request_is_attested_by_the_node_that_holds_the_record() {
	let node =
		Node::start("inference", &["--dev", "--offchain-worker", "always"]).expect("node starts");
	if let Err(e) = scenario(&node).await {
		panic!("{e}\n--- node log (tail) ---\n{}", node.log_tail());
	}
}
