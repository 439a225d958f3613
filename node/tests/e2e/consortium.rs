//! The consortium: the four hospitals of the local testnet (Alice, Bob, Charlie and Dave, all
//! roles, a council of four, no sudo key) govern themselves by council motion. In order, on
//! the four-hospital network:
//!
//! 1. The four produce and finalize blocks; they are the session's validators and the
//!    council; the chain has no sudo key.
//! 2. A non-member (Ferdie) cannot propose a motion, set session keys as a validator or
//!    approve a model: each attempt fails with a named error.
//! 3. A fifth hospital (Eve) is admitted by motion (propose, three votes, close); it sets its
//!    session keys from `author_rotateKeysWithOwner`; within two sessions it authors blocks
//!    and GRANDPA finalizes with it in the authority set; it anchors a record and its node's
//!    off-chain worker attests a request with quorum 2 together with Alice's.
//! 4. Eve is removed by motion: within two sessions she no longer validates; her attestor is
//!    refused with a named error; her anchored record stays verifiable; her node follows the
//!    chain as a non-validator.

use crate::{
	common::{self, error_name, flow, from_hex, to_hex, value_key, wait_for, Node, Result},
	two_hospitals::import_shipped_model,
};
use codec::{Decode, Encode};
use frame_support::dispatch::GetDispatchInfo;
use healthchain_runtime::{AccountId, Hash, RuntimeCall, RuntimeEvent, SessionKeys};
use jsonrpsee::rpc_params;
use pallet_consortium::Roles;
use pallet_records::{RecordId, Verification};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::DigestItem, ConsensusEngineId};
use std::time::Duration;

/// The founding hospitals of the local testnet.
pub const FOUNDERS: [Sr25519Keyring; 4] =
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];

/// Two sessions of the development networks (5 blocks of 6 s each), with room for slow slots.
const TWO_SESSIONS: Duration = Duration::from_secs(240);

/// The session's current validators.
async fn session_validators(node: &Node) -> Result<Vec<AccountId>> {
	Ok(node.storage(&value_key("Session", "Validators"), None).await?.unwrap_or_default())
}

/// Aura's authorities at block `at`.
async fn aura_authorities(node: &Node, at: Option<Hash>) -> Result<Vec<AuraId>> {
	Ok(node.storage(&value_key("Aura", "Authorities"), at).await?.unwrap_or_default())
}

/// The sorted accounts of keyring members.
fn sorted_accounts(members: &[Sr25519Keyring]) -> Vec<AccountId> {
	let mut accounts: Vec<AccountId> = members.iter().map(|m| m.to_account_id()).collect();
	accounts.sort();
	accounts
}

/// Passes `call` as a council motion: `proposer` proposes it with `threshold`, every one of
/// `voters` votes aye, `proposer` closes it. Returns the events of the close, which must show
/// the call executed successfully.
async fn pass_motion(
	node: &Node,
	proposer: Sr25519Keyring,
	voters: &[Sr25519Keyring],
	threshold: u32,
	call: RuntimeCall,
) -> Result<Vec<RuntimeEvent>> {
	let length_bound = call.encoded_size() as u32;
	let weight_bound = call.get_dispatch_info().call_weight;
	let proposal = Box::new(call);
	let events = node
		.submit(
			RuntimeCall::Council(pallet_collective::Call::propose {
				threshold,
				proposal,
				length_bound,
			}),
			proposer,
		)
		.await?;
	let (index, hash) = events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Council(pallet_collective::Event::Proposed {
				proposal_index,
				proposal_hash,
				..
			}) => Some((*proposal_index, *proposal_hash)),
			_ => None,
		})
		.ok_or("no Council::Proposed event")?;
	for voter in voters {
		node.submit(
			RuntimeCall::Council(pallet_collective::Call::vote {
				proposal: hash,
				index,
				approve: true,
			}),
			*voter,
		)
		.await?;
	}
	let events = node
		.submit(
			RuntimeCall::Council(pallet_collective::Call::close {
				proposal_hash: hash,
				index,
				proposal_weight_bound: weight_bound,
				length_bound,
			}),
			proposer,
		)
		.await?;
	let executed = events.iter().find_map(|e| match e {
		RuntimeEvent::Council(pallet_collective::Event::Executed { result, .. }) => Some(*result),
		_ => None,
	});
	match executed {
		Some(Ok(())) => Ok(events),
		Some(Err(error)) => Err(format!("the motion's call failed: {}", error_name(&error)).into()),
		None => Err(format!("the motion did not execute: {events:?}").into()),
	}
}

/// The error `call` signed by `from` fails with, by name; an error if it succeeds.
async fn refusal(node: &Node, call: RuntimeCall, from: Sr25519Keyring) -> Result<String> {
	match node.submit_outcome(call, from).await? {
		(_, Some(error)) => Ok(error_name(&error)),
		(events, None) => Err(format!("the call succeeded: {events:?}").into()),
	}
}

/// Scenario 1: the four hospitals peer, produce and finalize the same blocks; they are the
/// session's validators and the council; the chain has no sudo key.
pub async fn four_hospitals_produce_and_finalize_with_a_council_and_no_sudo(
	nodes: &[Node],
) -> Result<()> {
	wait_for(Duration::from_secs(120), "each hospital to peer with the three others", || async {
		for node in nodes {
			if node.peer_count().await? < 3 {
				return Ok(false);
			}
		}
		Ok(true)
	})
	.await?;
	wait_for(Duration::from_secs(180), "the hospitals to finalize block #3", || async {
		Ok(nodes[0].finalized().await?.1 >= 3)
	})
	.await?;
	let (hash, number) = nodes[0].finalized().await?;
	for node in &nodes[1..] {
		wait_for(Duration::from_secs(60), "every hospital to finalize the same block", || async {
			Ok(node.finalized().await?.1 >= number)
		})
		.await?;
		assert_eq!(node.block_hash(number).await?, Some(hash), "a fork at #{number}");
	}
	let founders = sorted_accounts(&FOUNDERS);
	assert_eq!(session_validators(&nodes[0]).await?, founders);
	let council: Vec<AccountId> =
		nodes[0].storage(&value_key("Council", "Members"), None).await?.unwrap_or_default();
	assert_eq!(council, founders);
	let sudo: Option<AccountId> = nodes[0].storage(&value_key("Sudo", "Key"), None).await?;
	assert_eq!(sudo, None, "the local testnet has a sudo key");
	Ok(())
}

/// Scenario 2: Ferdie, no member of the consortium, cannot propose a motion, set session keys
/// as a validator, or approve a model.
pub async fn a_non_member_is_refused_with_named_errors(node: &Node) -> Result<()> {
	let ferdie = Sr25519Keyring::Ferdie;
	let admit_himself = RuntimeCall::Consortium(pallet_consortium::Call::admit_hospital {
		hospital: ferdie.to_account_id(),
		name: b"Ferdie Clinic".to_vec(),
		attestor: flow::attestor(ferdie),
		roles: Roles::ALL,
	});
	let propose = RuntimeCall::Council(pallet_collective::Call::propose {
		threshold: 1,
		length_bound: admit_himself.encoded_size() as u32,
		proposal: Box::new(admit_himself.clone()),
	});
	assert_eq!(refusal(node, propose, ferdie).await?, "Council::NotMember");

	// Keys with a valid ownership proof for Ferdie: only the validator check refuses them.
	let generated = node
		.call("author_rotateKeysWithOwner", rpc_params![to_hex(&ferdie.to_account_id().encode())])
		.await?;
	let keys =
		SessionKeys::decode(&mut &from_hex(generated["keys"].as_str().ok_or("no keys")?)?[..])?;
	let proof = from_hex(generated["proof"].as_str().ok_or("no proof")?)?;
	let set_keys = RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof });
	assert_eq!(refusal(node, set_keys, ferdie).await?, "Session::NoAssociatedValidatorId");

	let approve = RuntimeCall::Attestation(pallet_attestation::Call::approve_model {
		model_id: flow::SHIPPED_MODEL_ID,
	});
	assert_eq!(refusal(node, approve, ferdie).await?, "BadOrigin");
	// Nor can a member admit him alone: a motion's call, not a member's signature, is the
	// membership origin.
	assert_eq!(refusal(node, admit_himself, Sr25519Keyring::Alice).await?, "BadOrigin");
	Ok(())
}

/// The Aura slot of a block header (JSON), from its pre-runtime digest.
fn aura_slot(header: &serde_json::Value) -> Result<u64> {
	const AURA: ConsensusEngineId = *b"aura";
	let logs = header["digest"]["logs"].as_array().ok_or("header without digest")?;
	for log in logs {
		let item = DigestItem::decode(&mut &from_hex(log.as_str().ok_or("bad log")?)?[..])?;
		if let Some(slot) = item.pre_runtime_try_to::<u64>(&AURA) {
			return Ok(slot);
		}
	}
	Err("no Aura pre-runtime digest".into())
}

/// Waits for a block from `from` on whose Aura author is `key`; returns its number.
async fn wait_for_block_by(node: &Node, key: &AuraId, from: u32, timeout: Duration) -> Result<u32> {
	let deadline = std::time::Instant::now() + timeout;
	let mut next = from;
	while std::time::Instant::now() < deadline {
		while next <= node.best_number().await? {
			let hash = node.block_hash(next).await?.ok_or("missing block hash")?;
			let header = node.header(Some(hash)).await?;
			let parent: Hash = serde_json::from_value(header["parentHash"].clone())?;
			// The author of a block is the authority of its slot in its parent's state.
			let authorities = aura_authorities(node, Some(parent)).await?;
			if !authorities.is_empty() {
				let author =
					&authorities[(aura_slot(&header)? % authorities.len() as u64) as usize];
				if author == key {
					return Ok(next);
				}
			}
			next += 1;
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	Err(format!("no block authored by {key:?} within {timeout:?}").into())
}

/// What the fifth hospital leaves for the removal scenario.
pub struct FifthHospital {
	/// Eve's node.
	pub node: Node,
	/// The session keys Eve's node generated and registered.
	pub keys: SessionKeys,
	/// The record Eve's hospital anchored.
	pub record_id: RecordId,
	/// Its commitment.
	pub commitment: [u8; 32],
}

/// Scenario 3: Eve's hospital is admitted by a motion of three of the four founders; her
/// node generates its session keys and she registers them; within two sessions her validator
/// authors a block and is in GRANDPA's authority set while the chain finalizes; she anchors a
/// record, Alice's hospital receives it, and their two off-chain workers attest a request
/// with quorum 2.
pub async fn a_fifth_hospital_is_admitted_by_motion_and_validates(
	nodes: &[Node],
) -> Result<FifthHospital> {
	let eve = Sr25519Keyring::Eve;
	let (alice, alice_node) = (Sr25519Keyring::Alice, &nodes[0]);
	// Eve's node: reserved-only with the founders as peers, and they add it.
	let mut addresses = Vec::new();
	for node in nodes {
		addresses.push(node.bootnode_address().await?);
	}
	let eve_node = common::start_hospital(
		"hospitals",
		"local",
		eve,
		nodes.len(),
		&addresses,
		crate::LOCAL_VALIDATOR_FLAGS,
	)
	.await?;
	let eve_address = eve_node.bootnode_address().await?;
	for node in nodes {
		node.call("system_addReservedPeer", rpc_params![eve_address.clone()]).await?;
	}

	// Her node generates the session keys, with her governance account as their owner.
	let generated = eve_node
		.call("author_rotateKeysWithOwner", rpc_params![to_hex(&eve.to_account_id().encode())])
		.await?;
	let keys_bytes = from_hex(generated["keys"].as_str().ok_or("no keys")?)?;
	let keys = SessionKeys::decode(&mut &keys_bytes[..])?;
	let proof = from_hex(generated["proof"].as_str().ok_or("no proof")?)?;

	// One motion admits her with every role.
	let admit = RuntimeCall::Consortium(pallet_consortium::Call::admit_hospital {
		hospital: eve.to_account_id(),
		name: b"Eve Hospital".to_vec(),
		attestor: flow::attestor(eve),
		roles: Roles::ALL,
	});
	let voters = [alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];
	let events = pass_motion(alice_node, alice, &voters, 3, admit).await?;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Consortium(pallet_consortium::Event::HospitalAdmitted { hospital, .. })
			if *hospital == eve.to_account_id()
	)));

	// She registers the keys her node generated.
	alice_node
		.submit(
			RuntimeCall::Session(pallet_session::Call::set_keys { keys: keys.clone(), proof }),
			eve,
		)
		.await?;
	let from = alice_node.best_number().await?;
	wait_for(TWO_SESSIONS, "Eve to join the session's validators", || async {
		Ok(session_validators(alice_node).await?.contains(&eve.to_account_id()))
	})
	.await?;
	let authored = wait_for_block_by(alice_node, &keys.aura, from, TWO_SESSIONS).await?;

	// GRANDPA's authority set holds her key, and the chain goes on finalizing past her block.
	let authorities: sp_consensus_grandpa::AuthorityList =
		flow::runtime_api(alice_node, "GrandpaApi_grandpa_authorities", ()).await?;
	assert!(authorities.iter().any(|(id, _)| *id == keys.grandpa), "Eve is no GRANDPA voter");
	assert_eq!(authorities.len(), 5);
	wait_for(TWO_SESSIONS, "the five hospitals to finalize Eve's block", || async {
		Ok(alice_node.finalized().await?.1 >= authored && eve_node.finalized().await?.1 >= authored)
	})
	.await?;

	// Her hospital anchors a record, shares it with Alice's, and both attest with quorum 2.
	import_shipped_model(&eve_node).await?;
	let (patient, clinician) = (Sr25519Keyring::Ferdie, Sr25519Keyring::Charlie);
	let commitment = flow::import_record(&eve_node, patient, "patient-5.bundle.json").await?;
	let export = eve_node.call("inference_exportRecord", rpc_params![to_hex(&commitment)]).await?;
	let imported = alice_node.call("inference_importRecordExport", rpc_params![export]).await?;
	assert_eq!(flow::commitment_of(&imported)?, commitment);
	let record_id = flow::anchor(alice_node, eve, patient, commitment).await?;
	flow::share_record(alice_node, eve, record_id, alice).await?;
	flow::grant_ai_consent(alice_node, patient, clinician).await?;
	let (request, from) =
		flow::request_inference(alice_node, clinician, flow::SHIPPED_MODEL_ID, record_id, 2)
			.await?;
	let (output, attestors) =
		flow::wait_for_attestation(alice_node, request, from, Duration::from_secs(180)).await?;
	assert_eq!(output, flow::expected_output("patient-5.bundle.json")?);
	assert_eq!(
		{
			let mut a = attestors.clone();
			a.sort();
			a
		},
		{
			let mut expected = vec![flow::attestor(alice), flow::attestor(eve)];
			expected.sort();
			expected
		},
		"attested by {attestors:?}"
	);
	Ok(FifthHospital { node: eve_node, keys, record_id, commitment })
}

/// Scenario 4: a motion of three of the five hospitals removes Eve's: within two sessions her
/// validator has left the session and Aura; her attestor's submission is refused with
/// `NotAttestor`; the record she anchored still verifies.
pub async fn a_removed_hospital_stops_validating_and_attesting(
	nodes: &[Node],
	fifth: &FifthHospital,
) -> Result<()> {
	let (alice, eve) = (Sr25519Keyring::Alice, Sr25519Keyring::Eve);
	let alice_node = &nodes[0];
	let remove = RuntimeCall::Consortium(pallet_consortium::Call::remove_hospital {
		hospital: eve.to_account_id(),
	});
	let voters = [alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];
	let events = pass_motion(alice_node, alice, &voters, 3, remove).await?;
	assert!(events.iter().any(|e| matches!(
		e,
		RuntimeEvent::Consortium(pallet_consortium::Event::HospitalRemoved { hospital })
			if *hospital == eve.to_account_id()
	)));

	wait_for(TWO_SESSIONS, "Eve to leave the session's validators", || async {
		Ok(!session_validators(alice_node).await?.contains(&eve.to_account_id()))
	})
	.await?;
	let authorities = aura_authorities(alice_node, None).await?;
	assert_eq!(authorities.len(), 4);
	assert!(!authorities.contains(&fifth.keys.aura), "Eve still authors");

	// A request on her record: her attestor may no longer answer it.
	let (request, _) = flow::request_inference(
		alice_node,
		Sr25519Keyring::Charlie,
		flow::SHIPPED_MODEL_ID,
		fifth.record_id,
		2,
	)
	.await?;
	let output = flow::expected_output("patient-5.bundle.json")?;
	let submit = RuntimeCall::Attestation(pallet_attestation::Call::submit_result {
		request_id: request,
		output: healthchain_inference_primitives::InferenceOutput { values: output },
	});
	// Her attestor account, funded so that the fee a non-attestor pays is no obstacle, is
	// refused by the attestation pallet (it was accepted before the removal, above).
	let eve_attestor = flow::attestor_key(eve);
	alice_node
		.submit(
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: sp_runtime::MultiAddress::Id(flow::attestor(eve)),
				value: 1 << 50,
			}),
			alice,
		)
		.await?;
	match alice_node.submit_outcome_by(submit, &eve_attestor).await? {
		(_, Some(error)) => assert_eq!(error_name(&error), "Attestation::NotAttestor"),
		(events, None) => return Err(format!("her attestor was accepted: {events:?}").into()),
	}

	// Her anchored record stays verifiable.
	let verification: Verification = flow::runtime_api(
		alice_node,
		"RecordsApi_verify_record",
		(fifth.record_id, fifth.commitment),
	)
	.await?;
	assert_eq!(verification, Verification::Current);
	// The four go on finalizing, and Eve's node, a non-validator now, follows them.
	let (_, finalized) = alice_node.finalized().await?;
	wait_for(Duration::from_secs(120), "the four to finalize on, Eve's node following", || async {
		Ok(alice_node.finalized().await?.1 >= finalized + 2
			&& fifth.node.finalized().await?.1 >= finalized + 2)
	})
	.await?;
	Ok(())
}
