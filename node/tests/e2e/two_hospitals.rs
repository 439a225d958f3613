//! Two hospitals: Alice's and Bob's nodes, two of the four validators of the local testnet,
//! are custodians and attestors (Charlie's and Dave's nodes hold none of these records and
//! stay silent). A request with quorum 2 is attested only when both
//! hospitals' nodes hold the record under the same commitment (one exports it, salt
//! included, the other imports it) and their off-chain workers agree. The scenarios, in
//! order, on one pair of validators:
//!
//! 0. Each hospital imports the shipped model (approved at genesis) into its node.
//! 1. As a dApp developer does it: `scripts/client/inference-flow.mjs` (`@polkadot/api`)
//!    imports a record at Alice's hospital, shares it with Bob's, anchors it, has the patient
//!    consent and the clinician request quorum 2, and reads back the attestation.
//! 2. A record that only one hospital holds: the request with quorum 2 gets Alice's result and
//!    stays open; once Bob's hospital imports the export, Bob's worker answers too and the
//!    request is attested by both.
//! 3. The patient erases that record on chain: both hospitals' nodes destroy their copy, and
//!    the record of scenario 1 is untouched.

use crate::common::{self, flow, wait_for, Node, Result};
use jsonrpsee::rpc_params;
use pallet_records::RecordId;
use sp_keyring::Sr25519Keyring;
use std::{process::Command, time::Duration};

/// A record anchored on chain: its id and commitment.
pub struct Anchored {
	/// The record's id on chain.
	pub record_id: RecordId,
	/// The commitment both hospitals hold it under.
	pub commitment: [u8; 32],
}

/// One hospital imports the shipped model into its node, as its IT team would.
pub async fn import_shipped_model(node: &Node) -> Result<()> {
	let onnx = std::fs::read(common::repo("models/breast-cancer-mlp.onnx"))?;
	let card = std::fs::read_to_string(common::repo("models/breast-cancer-mlp.card.json"))?;
	let hash = node.call("inference_importModel", rpc_params![common::to_hex(&onnx), card]).await?;
	assert_eq!(hash, common::SHIPPED_MODEL_HASH);
	Ok(())
}

/// The `@polkadot/api` client with both nodes and quorum 2.
fn polkadot_js_client(alice: &Node, bob: &Node) -> Result<serde_json::Value> {
	let client = common::repo("scripts/client");
	if !client.join("node_modules/@polkadot/api").exists() {
		return Err("run `npm ci` in scripts/client first (scripts/test.sh does)".into());
	}
	let output = Command::new("node")
		.current_dir(&client)
		.args(["inference-flow.mjs", "--clinician", "//Charlie"])
		.arg(format!("ws://127.0.0.1:{}", alice.rpc_port))
		.arg(format!("ws://127.0.0.1:{}", bob.rpc_port))
		.output()?;
	if !output.status.success() {
		return Err(format!("client failed: {}", String::from_utf8_lossy(&output.stderr)).into());
	}
	Ok(serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim())?)
}

/// Step 0: Once Alice and Bob peer and author, each hospital imports the shipped model (approved
/// at genesis of the local testnet) into its node.
pub async fn each_hospital_imports_the_shipped_model_into_its_node(
	alice_node: &Node,
	bob_node: &Node,
) -> Result<()> {
	wait_for(Duration::from_secs(60), "Alice and Bob to peer and author", || async {
		Ok(alice_node.peer_count().await? >= 1 && alice_node.best_number().await? >= 1)
	})
	.await?;
	import_shipped_model(alice_node).await?;
	import_shipped_model(bob_node).await?;
	Ok(())
}

/// Step 1: Both hospitals hold Eve's record before Charlie's request with quorum 2: the client
/// sees it attested by both, each hospital's off-chain worker having submitted once. Returns the
/// record's commitment.
pub async fn two_hospitals_holding_the_record_attest_with_quorum_two(
	alice_node: &Node,
	bob_node: &Node,
) -> Result<[u8; 32]> {
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	let result = polkadot_js_client(alice_node, bob_node)?;
	assert_eq!(result["quorum"], 2, "{result}");
	assert_eq!(
		result["output"],
		serde_json::json!(flow::expected_output("patient-1.bundle.json")?),
		"{result}"
	);
	let mut attestors: Vec<String> = serde_json::from_value(result["attestors"].clone())?;
	attestors.sort();
	let mut both = vec![flow::attestor(alice).to_string(), flow::attestor(bob).to_string()];
	both.sort();
	assert_eq!(attestors, both, "both hospitals attested");
	assert_eq!(result["class"], "malignant", "{result}");
	let mut signers: Vec<String> = result["submissions"]
		.as_array()
		.ok_or("no submissions")?
		.iter()
		.map(|s| s["signer"].as_str().unwrap_or_default().to_owned())
		.collect();
	signers.sort();
	assert_eq!(signers, both, "each hospital's worker submitted once: {result}");
	flow::commitment_of(&result["commitment"])
}

/// Step 2: Only Alice's hospital holds Ferdie's record when Charlie asks for quorum 2: Alice's node
/// answers and the request stays open; once Bob's hospital imports Alice's export and Alice's
/// hospital shares the record with it on chain, Bob's off-chain worker answers too and the
/// request is attested by both. Returns the record.
pub async fn a_record_shared_while_the_request_is_open_reaches_quorum_two(
	alice_node: &Node,
	bob_node: &Node,
) -> Result<Anchored> {
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	let (charlie, ferdie) = (Sr25519Keyring::Charlie, Sr25519Keyring::Ferdie);
	let bundle = "patient-2.bundle.json";
	let commitment = flow::import_record(alice_node, ferdie, bundle).await?;
	let record_id = flow::anchor(alice_node, alice, ferdie, commitment).await?;
	flow::grant_ai_consent(alice_node, ferdie, charlie).await?;
	let (request_id, start) =
		flow::request_inference(alice_node, charlie, flow::SHIPPED_MODEL_ID, record_id, 2).await?;
	let mut next = start;
	let first =
		flow::watch_request(alice_node, request_id, &mut next, Duration::from_secs(120), |seen| {
			matches!(seen, flow::Seen::Result { .. })
		})
		.await?;
	let expected = flow::expected_output(bundle)?;
	assert_eq!(
		first,
		flow::Seen::Result { attestor: flow::attestor(alice), output: expected.clone() },
		"Alice's node answers; Bob's does not hold the record"
	);
	// Quorum 2 is not reached with one hospital: the request is still open.
	let request = flow::request(alice_node, request_id).await?;
	assert!(request.status.is_open(), "the request settled with one result: {:?}", request.status);

	// Alice's hospital exports the record; Bob's imports it under the same commitment.
	let export =
		alice_node.call("inference_exportRecord", rpc_params![common::to_hex(&commitment)]).await?;
	let imported = bob_node.call("inference_importRecordExport", rpc_params![export]).await?;
	assert_eq!(flow::commitment_of(&imported)?, commitment);
	// …and Alice's hospital records the share on chain, so that Bob's attestor may answer.
	flow::share_record(alice_node, alice, record_id, bob).await?;

	// Bob's worker asks again, now holds the record and answers: the request is attested.
	let attested =
		flow::watch_request(alice_node, request_id, &mut next, Duration::from_secs(120), |seen| {
			matches!(seen, flow::Seen::Attested { .. })
		})
		.await?;
	let flow::Seen::Attested { output, mut attestors } = attested else {
		return Err("not an attestation".into());
	};
	assert_eq!(output, expected);
	attestors.sort();
	let mut both = vec![flow::attestor(alice), flow::attestor(bob)];
	both.sort();
	assert_eq!(attestors, both);
	let info = flow::attestation(bob_node, request_id).await?;
	assert_eq!(info.attestation.commitment, commitment);
	assert_eq!(info.attestation.output.to_vec(), expected);
	Ok(Anchored { record_id, commitment })
}

/// Step 3: Ferdie erases his record (`erased`): once that is finalized, both hospitals destroy
/// their copy, and Bob's node still holds only the record Eve keeps her rights over (`kept`).
pub async fn an_erased_record_is_destroyed_at_both_hospitals(
	alice_node: &Node,
	bob_node: &Node,
	erased: Anchored,
	kept: [u8; 32],
) -> Result<()> {
	let ferdie = Sr25519Keyring::Ferdie;
	alice_node
		.submit(
			healthchain_runtime::RuntimeCall::Records(pallet_records::Call::erase_record {
				record_id: erased.record_id,
				reason: pallet_records::ErasureReason::PatientRequest,
			}),
			ferdie,
		)
		.await?;
	let held = common::to_hex(&erased.commitment);
	for node in [alice_node, bob_node] {
		wait_for(Duration::from_secs(60), "the erased record to be destroyed", || async {
			let records = node.call("inference_listRecords", rpc_params![]).await?;
			Ok(!records.as_array().ok_or("a list")?.iter().any(|r| r == &held))
		})
		.await?;
	}
	// The record Eve still holds rights over is untouched.
	let records = bob_node.call("inference_listRecords", rpc_params![]).await?;
	assert_eq!(records, serde_json::json!([common::to_hex(&kept)]));
	Ok(())
}
