//! An approved model that exhausts memory gives a named failure on chain, and the node
//! carries on. The model (`engine/tests/fixtures/constant-blowup.onnx`, 711 bytes) makes
//! tract expand a constant to 1.2 GB while analysing the graph, before any check of the
//! engine can run. The off-chain worker runs it in the node's inference process, limited to
//! 768 MiB on the dev node (see `DEV_NODE_FLAGS`): the allocation fails there, the worker
//! reports `EngineError`, the request fails, and the shipped model is attested right after,
//! by the same node.
//!
//! The patient is Dave: Eve's and Ferdie's copies of the same Bundle are anchored by the
//! scenarios before this one.

use crate::common::{self, flow, Node, Result};
use healthchain_inference_primitives::InferenceFailure;
use healthchain_runtime::{RuntimeCall, RuntimeEvent};
use jsonrpsee::rpc_params;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	BoundedVec,
};
use std::time::Duration;

fn blake2_256(bytes: &[u8]) -> [u8; 32] {
	<BlakeTwo256 as Hash>::hash(bytes).0
}

/// The hostile model, with the shipped model's card renamed to it; returns (ONNX, card).
fn hostile_model() -> Result<(Vec<u8>, String)> {
	let onnx = std::fs::read(common::repo("engine/tests/fixtures/constant-blowup.onnx"))?;
	let card = std::fs::read(common::repo("models/breast-cancer-mlp.card.json"))?;
	let mut card: serde_json::Value = serde_json::from_slice(&card)?;
	let hash = common::to_hex(&blake2_256(&onnx));
	let hash = hash.trim_start_matches("0x").to_owned();
	card["name"] = "constant-blowup".into();
	card["model_hash"] = hash.clone().into();
	card["onnx"]["blake2_256"] = hash.into();
	Ok((onnx, serde_json::to_string_pretty(&card)?))
}

/// Alice's hospital proposes the model and the governance origin (sudo) approves it.
async fn register_and_approve(node: &Node, onnx: &[u8], card: &str) -> Result<u32> {
	let alice = Sr25519Keyring::Alice;
	let events = node
		.submit(
			RuntimeCall::Attestation(pallet_attestation::Call::propose_model {
				model_hash: blake2_256(onnx),
				card_hash: blake2_256(card.as_bytes()),
				name: BoundedVec::truncate_from(b"constant-blowup".to_vec()),
				version: BoundedVec::truncate_from(b"1.0.0".to_vec()),
				output_size: 2,
				tolerance_ppm: 1000,
				engine_version: BoundedVec::truncate_from(b"tract-onnx 0.23.9".to_vec()),
			}),
			alice,
		)
		.await?;
	let model_id = events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Attestation(pallet_attestation::Event::ModelProposed {
				model_id,
				..
			}) => Some(*model_id),
			_ => None,
		})
		.ok_or("no ModelProposed event")?;
	let approve = RuntimeCall::Attestation(pallet_attestation::Call::approve_model { model_id });
	node.submit(RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(approve) }), alice)
		.await?;
	Ok(model_id)
}

/// The hostile model's request fails with Alice's `EngineError`; the shipped model's request
/// on the same record is then attested by the same node.
pub async fn a_model_that_exhausts_memory_fails_on_chain_and_the_node_carries_on(
	node: &Node,
) -> Result<()> {
	let (alice, bob, dave) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Dave);
	let (onnx, card) = hostile_model()?;
	let imported = node
		.call("inference_importModel", rpc_params![common::to_hex(&onnx), card.clone()])
		.await?;
	assert_eq!(imported, common::to_hex(&blake2_256(&onnx)));
	let model_id = register_and_approve(node, &onnx, &card).await?;

	let commitment = flow::import_record(node, dave, "patient-1.bundle.json").await?;
	let record_id = flow::anchor(node, alice, dave, commitment).await?;
	flow::grant_ai_consent(node, dave, bob).await?;

	// The hostile model: a named failure on chain, from Alice's worker.
	let (request_id, start) = flow::request_inference(node, bob, model_id, record_id, 1).await?;
	let mut failures = Vec::new();
	flow::watch_request(node, request_id, &mut start.clone(), Duration::from_secs(120), |seen| {
		if matches!(seen, flow::Seen::Failure { .. }) {
			failures.push(seen.clone());
		}
		*seen == flow::Seen::Failed
	})
	.await?;
	assert_eq!(
		failures,
		vec![flow::Seen::Failure {
			attestor: flow::attestor(alice),
			failure: InferenceFailure::EngineError
		}]
	);

	// The node is still there, and its next inference process attests the shipped model.
	let (request_id, start) =
		flow::request_inference(node, bob, flow::SHIPPED_MODEL_ID, record_id, 1).await?;
	let (output, attestors) =
		flow::wait_for_attestation(node, request_id, start, Duration::from_secs(120)).await?;
	assert_eq!(output, flow::expected_output("patient-1.bundle.json")?);
	assert_eq!(attestors, vec![flow::attestor(alice)]);
	Ok(())
}
