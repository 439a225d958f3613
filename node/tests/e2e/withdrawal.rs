//! Withdrawal and the worker's nonces on the `--dev` node: two requests made in one block are
//! both answered by the hospital's worker, with consecutive nonces of its attestor account
//! (neither answer replaces the other in the pool), and the patient's revocation cancels the
//! request it permitted in the block of the revocation, without anyone calling
//! `cancel_request`.
//!
//! The patient is Charlie, with a Bundle of his own (`patient-2`), so that no commitment of
//! the earlier scenarios is anchored twice.

use crate::common::{flow, signed, to_hex, Node, Result};
use codec::Encode;
use healthchain_runtime::{RuntimeCall, RuntimeEvent};
use jsonrpsee::rpc_params;
use pallet_attestation::{offchain::RESUBMIT_AFTER_BLOCKS, CancelReason, RequestId, RequestStatus};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

/// Bob asks for a quorum-1 and a quorum-2 inference on Charlie's record in one block; Alice's
/// worker answers both at once (the first is attested, the second waits for a second
/// hospital that the `--dev` chain does not have); Charlie revokes his consent and the open
/// request is cancelled in that block.
pub async fn two_answers_at_once_both_land_and_a_revocation_cancels_the_open_request(
	node: &Node,
) -> Result<()> {
	let (alice, bob, charlie) =
		(Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie);
	let expected = flow::expected_output("patient-2.bundle.json")?;
	let commitment = flow::import_record(node, charlie, "patient-2.bundle.json").await?;
	let record_id = flow::anchor(node, alice, charlie, commitment).await?;
	let consent_id = flow::grant_ai_consent(node, charlie, bob).await?;

	// Both requests go to the pool at once, with Bob's next two nonces.
	let genesis = node.block_hash(0).await?.ok_or("no genesis hash")?;
	let nonce = node.nonce(bob).await?;
	let start = node.best_number().await?;
	let mut sent = Vec::new();
	for (offset, quorum) in [(0u32, 1u32), (1, 2)] {
		let call = RuntimeCall::Attestation(pallet_attestation::Call::request_inference {
			model_id: flow::SHIPPED_MODEL_ID,
			record_id,
			quorum,
		});
		let xt = to_hex(&signed(call, &bob.pair(), nonce + offset, genesis).encode());
		node.call("author_submitExtrinsic", rpc_params![xt.clone()]).await?;
		sent.push(xt);
	}
	let mut requests: Vec<RequestId> = Vec::new();
	for xt in &sent {
		let (block, index) = node.find_inclusion(xt, start + 1).await?;
		for record in node.events(block).await? {
			if record.phase != frame_system::Phase::ApplyExtrinsic(index) {
				continue;
			}
			if let RuntimeEvent::Attestation(pallet_attestation::Event::InferenceRequested {
				request_id,
				..
			}) = record.event
			{
				requests.push(request_id);
			}
		}
	}
	let [single, double] = requests[..] else {
		return Err(format!("expected two InferenceRequested events, saw {requests:?}").into());
	};

	// The worker answers both. Had the second answer reused the first one's nonce, the pool
	// would have refused it (the worker logs that and tries again a block later) or let it
	// replace the first (which then comes only with the worker's resend,
	// `RESUBMIT_AFTER_BLOCKS` blocks later).
	let attestor = flow::attestor(alice);
	let mut after_single = start;
	let seen =
		flow::watch_request(node, single, &mut after_single, Duration::from_secs(120), |s| {
			matches!(s, flow::Seen::Attested { .. })
		})
		.await?;
	assert_eq!(
		seen,
		flow::Seen::Attested { output: expected.clone(), attestors: vec![attestor.clone()] }
	);
	let mut after_double = start;
	let seen =
		flow::watch_request(node, double, &mut after_double, Duration::from_secs(120), |s| {
			matches!(s, flow::Seen::Result { .. })
		})
		.await?;
	assert_eq!(seen, flow::Seen::Result { attestor: attestor.clone(), output: expected });
	// The pool refused none of the worker's answers (a refused one is logged and retried).
	let log = std::fs::read_to_string(&node.log_path)?;
	for request_id in [single, double] {
		let refused = format!("could not send the answer to inference request {request_id};");
		if log.contains(&refused) {
			return Err(format!("the pool refused an answer to request {request_id}").into());
		}
	}
	let apart = after_single.abs_diff(after_double);
	if apart >= RESUBMIT_AFTER_BLOCKS {
		return Err(format!(
			"the two answers landed {apart} blocks apart: one was resent, not sent with the next nonce"
		)
		.into());
	}
	let open = flow::request(node, double).await?;
	assert_eq!(open.status, RequestStatus::Open, "quorum 2 needs a second hospital");

	// Charlie withdraws his consent: the open request is cancelled by the revocation itself.
	let events = node
		.submit(RuntimeCall::Consent(pallet_consent::Call::revoke_consent { consent_id }), charlie)
		.await?;
	let cancelled_by_revocation = events.iter().any(|event| {
		matches!(
			event,
			RuntimeEvent::Attestation(pallet_attestation::Event::RequestCancelled {
				request_id,
				reason: CancelReason::ConsentWithdrawn(_),
				..
			}) if *request_id == double
		)
	});
	if !cancelled_by_revocation {
		return Err(
			format!("the revocation's events do not cancel request {double}: {events:?}").into()
		);
	}
	let request = flow::request(node, double).await?;
	if !matches!(request.status, RequestStatus::Cancelled(CancelReason::ConsentWithdrawn(_))) {
		return Err(format!("request {double} is {:?} after the revocation", request.status).into());
	}
	Ok(())
}
