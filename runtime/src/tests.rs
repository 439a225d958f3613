//! What an attestation means, over the real runtime: the four hospitals of the local testnet
//! (Alice's, Bob's, Charlie's and Dave's, each with every role), Ferdie as a patient whose
//! laboratory record Alice's hospital anchored, and Eve as a clinician.
//!
//! These tests drive the pallets through their calls, as transactions would, and check the
//! state the calls leave: who may attest a request, and what withdrawing consent or erasing
//! a record does to the requests open on it.

use crate::{
	genesis_config_presets::tests::genesis_of, AccountId, Attestation, Consent, Consortium,
	Records, Runtime, RuntimeOrigin, System,
};
use frame_support::{assert_ok, traits::Hooks, BoundedVec};
use healthchain_primitives::{DataClass, DenialReason, Purpose, RecordId};
use pallet_attestation::{CancelReason, InferenceOutput, ModelId, RequestId, RequestStatus};
use pallet_consent::{DataScope, Decision, Provision};
use pallet_records::{ErasureReason, Schema};
use sp_keyring::Sr25519Keyring;

/// The shipped model, approved at genesis.
const MODEL: ModelId = 0;
/// The commitment of Ferdie's record.
const COMMITMENT: [u8; 32] = [0x5e; 32];
/// A benign prediction of the shipped model, in fixed point.
const BENIGN: [i64; 2] = [20_000, 980_000];

fn account(who: Sr25519Keyring) -> AccountId {
	who.to_account_id()
}

fn signed(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(account(who))
}

/// The local testnet's genesis at block 1, with Ferdie's laboratory record anchored by Alice's
/// hospital (its id is returned to `test`).
fn with_ferdies_record(test: impl FnOnce(RecordId)) {
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		System::set_block_number(1);
		let record_id = pallet_records::NextRecordId::<Runtime>::get();
		assert_ok!(Records::anchor_record(
			signed(Sr25519Keyring::Alice),
			account(Sr25519Keyring::Ferdie),
			COMMITMENT,
			DataClass::Laboratory,
			Schema::FhirR4Bundle,
		));
		test(record_id);
	});
}

/// Ferdie permits Eve AI-assisted diagnosis on all his data; returns the consent's id.
fn ferdie_consents_to_eve() -> u64 {
	let consent_id = pallet_consent::NextConsentId::<Runtime>::get();
	let provision = Provision::<Runtime> {
		decision: Decision::Permit,
		purposes: BoundedVec::truncate_from(vec![Purpose::AiAssistedDiagnosis]),
		data: BoundedVec::truncate_from(vec![DataScope::Class(DataClass::All)]),
		valid_from: None,
		valid_until: None,
		policy: None,
	};
	assert_ok!(Consent::grant_consent(
		signed(Sr25519Keyring::Ferdie),
		None,
		account(Sr25519Keyring::Eve),
		provision
	));
	consent_id
}

/// `requester` asks for the shipped model on `record_id` with `quorum`; returns the request.
fn request(requester: Sr25519Keyring, record_id: RecordId, quorum: u32) -> RequestId {
	let request_id = pallet_attestation::NextRequestId::<Runtime>::get();
	assert_ok!(Attestation::request_inference(signed(requester), MODEL, record_id, quorum));
	request_id
}

/// The attestor account of `hospital`'s node.
fn attestor_of(hospital: Sr25519Keyring) -> AccountId {
	pallet_consortium::Hospitals::<Runtime>::get(account(hospital))
		.expect("a founding hospital")
		.attestor
}

fn submit(attestor: &AccountId, request_id: RequestId) -> sp_runtime::DispatchResult {
	Attestation::submit_result(
		RuntimeOrigin::signed(attestor.clone()),
		request_id,
		InferenceOutput { values: BENIGN.to_vec() },
	)
	.map(|_| ())
	.map_err(|error| error.error)
}

fn status(request_id: RequestId) -> RequestStatus {
	pallet_attestation::Requests::<Runtime>::get(request_id).expect("request exists").status
}

fn next_block() {
	let next = System::block_number() + 1;
	System::set_block_number(next);
	Attestation::on_initialize(next);
}

#[test]
fn only_an_attestor_of_a_hospital_that_holds_the_record_may_attest_it() {
	with_ferdies_record(|record_id| {
		// Ferdie asks for a diagnosis on his own record with quorum 1: Bob's hospital never
		// received the record, so its attestor has nothing to attest.
		let request_id = request(Sr25519Keyring::Ferdie, record_id, 1);
		assert!(submit(&attestor_of(Sr25519Keyring::Bob), request_id).is_err());
		assert_eq!(status(request_id), RequestStatus::Open);
		assert!(pallet_attestation::Attestations::<Runtime>::get(request_id).is_none());
		// Alice's hospital holds it.
		assert_ok!(submit(&attestor_of(Sr25519Keyring::Alice), request_id));
		assert_eq!(status(request_id), RequestStatus::Attested);
	});
}

#[test]
fn a_hospital_that_rotates_its_attestor_key_does_not_count_twice() {
	with_ferdies_record(|record_id| {
		let request_id = request(Sr25519Keyring::Ferdie, record_id, 2);
		assert_ok!(submit(&attestor_of(Sr25519Keyring::Alice), request_id));
		// Alice's hospital rotates its `infr` key and submits again with the new one.
		let rotated = account(Sr25519Keyring::AliceStash);
		assert_ok!(Consortium::set_attestor(signed(Sr25519Keyring::Alice), rotated.clone()));
		assert!(submit(&rotated, request_id).is_err());
		assert_eq!(status(request_id), RequestStatus::Open);
	});
}

#[test]
fn revoking_consent_cancels_the_open_requests_it_permitted_in_the_same_block() {
	with_ferdies_record(|record_id| {
		let consent_id = ferdie_consents_to_eve();
		let request_id = request(Sr25519Keyring::Eve, record_id, 2);
		assert_ok!(Consent::revoke_consent(signed(Sr25519Keyring::Ferdie), consent_id));
		assert!(matches!(
			status(request_id),
			RequestStatus::Cancelled(CancelReason::ConsentWithdrawn(DenialReason::Revoked(_)))
				| RequestStatus::Cancelled(CancelReason::ConsentWithdrawn(DenialReason::NoConsent))
		));
		assert!(!pallet_attestation::OpenRequests::<Runtime>::contains_key(request_id));
	});
}

#[test]
fn a_deny_cancels_the_open_requests_it_overrides_in_the_same_block() {
	with_ferdies_record(|record_id| {
		ferdie_consents_to_eve();
		let request_id = request(Sr25519Keyring::Eve, record_id, 2);
		let deny = Provision::<Runtime> {
			decision: Decision::Deny,
			purposes: BoundedVec::truncate_from(vec![Purpose::AiAssistedDiagnosis]),
			data: BoundedVec::truncate_from(vec![DataScope::Record(record_id)]),
			valid_from: None,
			valid_until: None,
			policy: None,
		};
		assert_ok!(Consent::grant_consent(
			signed(Sr25519Keyring::Ferdie),
			None,
			account(Sr25519Keyring::Eve),
			deny
		));
		assert!(matches!(
			status(request_id),
			RequestStatus::Cancelled(CancelReason::ConsentWithdrawn(DenialReason::ExplicitDeny(_)))
		));
	});
}

#[test]
fn erasing_or_amending_a_record_cancels_its_open_requests_in_the_same_block() {
	with_ferdies_record(|record_id| {
		let erased = request(Sr25519Keyring::Ferdie, record_id, 2);
		next_block();
		assert_ok!(Records::erase_record(
			signed(Sr25519Keyring::Ferdie),
			record_id,
			ErasureReason::PatientRequest
		));
		assert_eq!(status(erased), RequestStatus::Cancelled(CancelReason::RecordErased));
		assert!(!pallet_attestation::OpenRequests::<Runtime>::contains_key(erased));
	});
	with_ferdies_record(|record_id| {
		let amended = request(Sr25519Keyring::Ferdie, record_id, 2);
		assert_ok!(Records::amend_record(
			signed(Sr25519Keyring::Alice),
			record_id,
			[0x5f; 32],
			pallet_records::AmendmentReason::Correction,
		));
		assert_eq!(status(amended), RequestStatus::Cancelled(CancelReason::RecordSuperseded));
	});
}

#[test]
fn admitting_or_removing_a_hospital_is_charged_for_the_council_change_at_its_bound() {
	use frame_support::{dispatch::GetDispatchInfo, traits::Get};
	let council = crate::configs::CouncilChangeWeight::get();
	assert!(council.ref_time() > 0);
	let admit = pallet_consortium::Call::<Runtime>::admit_hospital {
		hospital: account(Sr25519Keyring::Eve),
		name: b"Eve's hospital".to_vec(),
		attestor: account(Sr25519Keyring::Ferdie),
		roles: pallet_consortium::Roles::ALL,
	};
	let remove = pallet_consortium::Call::<Runtime>::remove_hospital {
		hospital: account(Sr25519Keyring::Eve),
	};
	assert!(admit.get_dispatch_info().call_weight.all_gte(council));
	assert!(remove.get_dispatch_info().call_weight.all_gte(council));
}
