//! End to end, the heart of healthchain on a `--dev` node: a hospital imports a patient's FHIR
//! Bundle into its local store and anchors the commitment; the patient grants a clinician
//! consent for AI-assisted diagnosis; the clinician requests inference with the shipped
//! model; the node's off-chain worker runs the model where the data lives and submits a
//! signed, feeless result; the chain attests the expected output.

mod common;

use common::{flow, Node, Result};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

async fn scenario(node: &Node) -> Result<()> {
	node.wait_ready(Duration::from_secs(60)).await?;
	let (alice, bob, eve) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Eve);
	let expected = flow::expected_output("patient-1.bundle.json")?;
	assert_eq!(expected, [38, 999_962], "P(benign), P(malignant) in parts per million");

	// 1. The hospital (Alice's node) imports Eve's Bundle; only the commitment leaves the node.
	let commitment = flow::import_record(node, eve, "patient-1.bundle.json").await?;
	// 2. Alice, a registered custodian, anchors it.
	let record_id = flow::anchor(node, alice, eve, commitment).await?;
	// 3. Eve permits Bob AI-assisted diagnosis on her laboratory data.
	flow::grant_ai_consent(node, eve, bob).await?;
	// 4. Bob requests the shipped model (model 0, approved at genesis) on the record.
	let (request_id, start) =
		flow::request_inference(node, bob, flow::SHIPPED_MODEL_ID, record_id, 1).await?;

	// 5. The off-chain worker runs the model and submits; the chain attests.
	let (output, attestors) =
		flow::wait_for_attestation(node, request_id, start, Duration::from_secs(120)).await?;
	assert_eq!(output, expected, "attested output");
	assert_eq!(attestors, vec![alice.to_account_id()]);

	// 6. A researcher reads the attestation through the runtime API.
	let info = flow::attestation(node, request_id).await?;
	assert_eq!(info.attestation.record_id, record_id);
	assert_eq!(info.attestation.commitment, commitment);
	assert_eq!(info.attestation.patient, eve.to_account_id());
	assert_eq!(info.attestation.output.to_vec(), expected);
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
