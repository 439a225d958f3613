//! The heart of healthchain on the `--dev` node: a hospital imports a patient's FHIR Bundle
//! into its local store and anchors the commitment; the patient grants a clinician consent
//! for AI-assisted diagnosis; the clinician requests inference with the shipped model; the
//! node's off-chain worker runs the model where the data lives and submits a signed,
//! feeless result; the chain attests the expected output.
//!
//! The patient is Ferdie: the polkadot.js scenario before this one anchored Eve's copy of the
//! same Bundle, and a patient's Bundle imported again has the same commitment, which the chain
//! anchors only once.

use crate::common::{flow, Node, Result};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

/// Import, anchor, consent, request: Alice's node attests the expected output, and the
/// runtime API shows the attestation for Ferdie's record.
pub async fn a_consented_request_is_attested_by_the_node_that_holds_the_record(
	node: &Node,
) -> Result<()> {
	let (alice, bob, ferdie) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Ferdie);
	let expected = flow::expected_output("patient-1.bundle.json")?;
	assert_eq!(expected, [38, 999_962], "P(benign), P(malignant) in parts per million");

	// 1. The hospital (Alice's node) imports Ferdie's Bundle; only the commitment leaves the node.
	let commitment = flow::import_record(node, ferdie, "patient-1.bundle.json").await?;
	// 2. Alice, a registered custodian, anchors it.
	let record_id = flow::anchor(node, alice, ferdie, commitment).await?;
	// 3. Ferdie permits Bob AI-assisted diagnosis on his laboratory data.
	flow::grant_ai_consent(node, ferdie, bob).await?;
	// 4. Bob requests the shipped model (model 0, approved at genesis) on the record.
	let (request_id, start) =
		flow::request_inference(node, bob, flow::SHIPPED_MODEL_ID, record_id, 1).await?;

	// 5. The off-chain worker runs the model and submits; the chain attests.
	let (output, attestors) =
		flow::wait_for_attestation(node, request_id, start, Duration::from_secs(120)).await?;
	assert_eq!(output, expected, "attested output");
	assert_eq!(attestors, vec![flow::attestor(alice)]);

	// 6. A researcher reads the attestation through the runtime API.
	let info = flow::attestation(node, request_id).await?;
	assert_eq!(info.attestation.record_id, record_id);
	assert_eq!(info.attestation.commitment, commitment);
	assert_eq!(info.attestation.patient, ferdie.to_account_id());
	assert_eq!(info.attestation.output.to_vec(), expected);
	Ok(())
}
