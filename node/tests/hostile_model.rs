//! End to end: an approved model that exhausts memory gives a named failure on chain, and the
//! node carries on. The model (`engine/tests/fixtures/constant-blowup.onnx`, 711 bytes) makes
//! tract expand a constant to 1.2 GB while analysing the graph, before any check of the engine
//! can run. The off-chain worker runs it in the node's inference process, limited here to
//! 768 MiB: the allocation fails there, the worker reports `EngineError`, the request fails,
//! and the shipped model is attested right after, by the same node.

mod common;

use common::{flow, Node, Result};
use healthchain_inference_primitives::InferenceFailure;
use healthchain_runtime::{RuntimeCall, RuntimeEvent};
use jsonrpsee::rpc_params;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::{BlakeTwo256, Hash},
	BoundedVec,
};
use std::{path::Path, time::Duration};

fn blake2_256(bytes: &[u8]) -> [u8; 32] {
	<BlakeTwo256 as Hash>::hash(bytes).0
}

fn repo(path: &str) -> std::path::PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The hostile model, with the shipped model's card renamed to it; returns (ONNX, card).
fn hostile_model() -> Result<(Vec<u8>, String)> {
	let onnx = std::fs::read(repo("engine/tests/fixtures/constant-blowup.onnx"))?;
	let card = std::fs::read(repo("models/breast-cancer-mlp.card.json"))?;
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

async fn scenario(node: &Node) -> Result<()> {
	node.wait_ready(Duration::from_secs(60)).await?;
	let (alice, bob, eve) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Eve);
	let (onnx, card) = hostile_model()?;
	let imported = node
		.call("inference_importModel", rpc_params![common::to_hex(&onnx), card.clone()])
		.await?;
	assert_eq!(imported, common::to_hex(&blake2_256(&onnx)));
	let model_id = register_and_approve(node, &onnx, &card).await?;

	let commitment = flow::import_record(node, eve, "patient-1.bundle.json").await?;
	let record_id = flow::anchor(node, alice, eve, commitment).await?;
	flow::grant_ai_consent(node, eve, bob).await?;

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
			attestor: alice.to_account_id(),
			failure: InferenceFailure::EngineError
		}]
	);

	// The node is still there, and its next inference process attests the shipped model.
	let (request_id, start) =
		flow::request_inference(node, bob, flow::SHIPPED_MODEL_ID, record_id, 1).await?;
	let (output, attestors) =
		flow::wait_for_attestation(node, request_id, start, Duration::from_secs(120)).await?;
	assert_eq!(output, flow::expected_output("patient-1.bundle.json")?);
	assert_eq!(attestors, vec![alice.to_account_id()]);
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_that_exhausts_memory_fails_on_chain_and_the_node_carries_on() {
	let node = Node::start(
		"hostile",
		&["--dev", "--offchain-worker", "always", "--inference-memory-limit-mb", "768"],
	)
	.expect("node starts");
	if let Err(e) = scenario(&node).await {
		panic!("{e}\n--- node log (tail) ---\n{}", node.log_tail());
	}
}
