//! As a dApp developer does it: `scripts/client/inference-flow.mjs`, written with
//! `@polkadot/api`, drives the `--dev` node through import → anchor → consent → request →
//! attestation in a finalized block over WebSocket, decoding the off-chain worker's signed
//! transaction on the way; then `scripts/client/export-attestations.mjs` exports the model's
//! attestations as CSV, as a researcher would. `scripts/test.sh` installs the client's npm
//! packages first (`npm ci` in `scripts/client`).
//!
//! The client's patient is Eve (`patient-1.bundle.json`) and its clinician Bob. The export
//! expects this scenario's attestation to be the only one of the shipped model, so it runs
//! before the other scenarios of the dev node that attest with it.

use crate::common::{self, Node, Result};
use std::process::Command;

/// The client's request is attested in a finalized block, its worker's submission decoded;
/// the researcher's CSV export holds that attestation and refuses a card that is not the
/// registered one.
pub async fn the_polkadot_js_client_sees_its_request_attested(node: &Node) -> Result<()> {
	let client = common::repo("scripts/client");
	assert!(
		client.join("node_modules/@polkadot/api").exists(),
		"run `npm ci` in scripts/client first (scripts/test.sh does)"
	);
	let output = Command::new("node")
		.current_dir(&client)
		.arg("inference-flow.mjs")
		.arg(format!("ws://127.0.0.1:{}", node.rpc_port))
		.output()
		.expect("Node.js runs the client");
	let stdout = String::from_utf8_lossy(&output.stdout);
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(output.status.success(), "client failed: {stderr}");
	let result: serde_json::Value =
		serde_json::from_str(stdout.trim()).expect("client prints JSON");
	assert_eq!(result["output"], serde_json::json!([38, 999_962]), "{result}");
	assert_eq!(result["class"], "malignant", "{result}");
	assert_eq!(result["modelHash"], common::SHIPPED_MODEL_HASH);
	// The attestation is in a finalized block of this chain…
	let block = result["finalizedIn"]["block"].as_u64().expect("a block number") as u32;
	let hash = node.block_hash(block).await.expect("RPC answers").expect("the block exists");
	assert_eq!(serde_json::json!(hash), result["finalizedIn"]["blockHash"], "{result}");
	assert!(node.finalized().await.expect("RPC answers").1 >= block);
	// …and polkadot.js decoded the off-chain worker's signed `submitResult` in it.
	assert_eq!(
		result["submissions"],
		serde_json::json!([{
			"signer": common::flow::attestor(sp_keyring::Sr25519Keyring::Alice).to_string(),
			"block": block,
			"output": [38, 999_962],
		}]),
		"{result}"
	);

	// A researcher exports the model's attestations as CSV, the card checked against the chain.
	let export = Command::new("node")
		.current_dir(&client)
		.arg("export-attestations.mjs")
		.arg(format!("ws://127.0.0.1:{}", node.rpc_port))
		.output()
		.expect("Node.js runs the export");
	let csv = String::from_utf8_lossy(&export.stdout);
	let log = String::from_utf8_lossy(&export.stderr);
	assert!(export.status.success(), "export failed: {log}");
	assert!(log.contains("card verified against the chain"), "{log}");
	let lines: Vec<&str> = csv.lines().collect();
	assert_eq!(
		lines[0],
		"request_id,model_id,model_hash,model_status,record_id,commitment,patient,requester,\
		 attested_at_block,attested_at_time,attestors,P(benign)_ppm,P(malignant)_ppm,class"
	);
	assert_eq!(lines.len(), 2, "{csv}");
	let row: Vec<&str> = lines[1].split(',').collect();
	assert_eq!(row[0], result["requestId"].to_string());
	assert_eq!(row[2], common::SHIPPED_MODEL_HASH);
	assert_eq!(row[3], "Approved");
	assert_eq!(row[5], result["commitment"].as_str().expect("a commitment"));
	assert_eq!(row[8], block.to_string());
	assert_eq!(&row[11..], ["38", "999962", "malignant"]);

	// A card that is not the registered one is refused with the reason.
	let wrong = Command::new("node")
		.current_dir(&client)
		.args(["export-attestations.mjs", "--card", "../../models/diabetes-regression.card.json"])
		.arg(format!("ws://127.0.0.1:{}", node.rpc_port))
		.output()
		.expect("Node.js runs the export");
	assert!(!wrong.status.success());
	assert!(String::from_utf8_lossy(&wrong.stderr).contains("registered"));
	Ok(())
}
