//! Storage migrations: version 0 → 1 removes the pallet's own attestor list; version 1 → 2
//! gives models a minimum quorum, submissions their custodian, and lists the open requests.

use super::*;
use crate::migrations::{v1, v2};
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
use frame_support::{storage::unhashed, BoundedVec};
use healthchain_primitives::testing::MockAttestors;

#[test]
fn v1_removes_the_old_attestor_list_and_sets_the_version() {
	new_test_ext_checked(|| {
		StorageVersion::new(0).put::<AttestationPallet>();
		v1::Attestors::<Test>::insert(NODE_A, 1);
		v1::Attestors::<Test>::insert(NODE_B, 3);
		assert_eq!(v1::Attestors::<Test>::count(), 2);
		// Other state is untouched.
		let model_id = approved_model();

		v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(v1::Attestors::<Test>::count(), 0);
		assert!(v1::Attestors::<Test>::iter_keys().next().is_none());
		assert_eq!(AttestationPallet::on_chain_storage_version(), StorageVersion::new(1));
		assert!(Models::<Test>::contains_key(model_id));
	});
}

#[test]
fn v1_does_nothing_on_a_chain_already_at_version_1() {
	new_test_ext_checked(|| {
		StorageVersion::new(1).put::<AttestationPallet>();
		// An entry under the old prefix would be cleared by the inner migration: the versioned
		// wrapper must not run it.
		v1::Attestors::<Test>::insert(NODE_A, 1);
		v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(v1::Attestors::<Test>::count(), 1);
		v1::Attestors::<Test>::remove(NODE_A);
	});
}

#[test]
fn the_in_code_storage_version_is_2() {
	assert_eq!(AttestationPallet::in_code_storage_version(), StorageVersion::new(2));
}

/// Rewrites model `model_id` and request `request_id` (both stored by the current code) in the
/// version-1 layout, as a chain at version 1 holds them.
fn store_as_v1(model_id: ModelId, request_id: RequestId) {
	let model = Models::<Test>::get(model_id).expect("model");
	let old_model = v2::ModelV1::<Test> {
		model_hash: model.model_hash,
		card_hash: model.card_hash,
		name: model.name,
		version: model.version,
		output_size: model.output_size,
		tolerance_ppm: model.tolerance_ppm,
		engine_version: model.engine_version,
		status: model.status,
		proposer: model.proposer,
		proposed_at: model.proposed_at,
		approved_at: model.approved_at,
		retired_at: model.retired_at,
	};
	unhashed::put(&Models::<Test>::hashed_key_for(model_id), &old_model);
	store_request_as_v1(request_id);
}

/// Rewrites request `request_id` (stored by the current code) in the version-1 layout.
fn store_request_as_v1(request_id: RequestId) {
	let request = Requests::<Test>::get(request_id).expect("request");
	let old_request = v2::RequestV1::<Test> {
		requester: request.requester,
		model_id: request.model_id,
		model_hash: request.model_hash,
		record_id: request.record_id,
		commitment: request.commitment,
		patient: request.patient,
		custodian: request.custodian,
		data_class: request.data_class,
		quorum: request.quorum,
		requested_at: request.requested_at,
		requested_time: request.requested_time,
		deadline: request.deadline,
		status: request.status,
		settled_at: request.settled_at,
		submissions: BoundedVec::truncate_from(
			request
				.submissions
				.into_iter()
				.map(|s| v2::SubmissionV1 { attestor: s.attestor, answer: s.answer, at: s.at })
				.collect(),
		),
	};
	unhashed::put(&Requests::<Test>::hashed_key_for(request_id), &old_request);
}

#[test]
fn v2_rewrites_models_and_requests_and_lists_the_open_requests() {
	new_test_ext().execute_with(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		submit(&NODE_B, request_id, &MALIGNANT);
		// An answer of an attestor no longer registered does not count in an open request.
		deregister(&NODE_A);
		store_as_v1(model_id, request_id);
		OpenRequestsByRecord::<Test>::remove(RECORD);
		OpenRequestsByPair::<Test>::remove(ALICE, CLINICIAN);
		StorageVersion::new(1).put::<AttestationPallet>();
		assert!(Models::<Test>::get(model_id).is_none(), "the old layout does not decode");

		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(AttestationPallet::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(Models::<Test>::get(model_id).map(|m| m.min_quorum), Some(1));
		let request = Requests::<Test>::get(request_id).expect("the request decodes");
		let answers: Vec<(AccountId, AccountId)> =
			request.submissions.iter().map(|s| (s.attestor.clone(), s.custodian.clone())).collect();
		assert_eq!(answers, vec![(NODE_B, GENERAL)]);
		assert_eq!(OpenRequestsByRecord::<Test>::get(RECORD).to_vec(), vec![request_id]);
		assert_eq!(OpenRequestsByPair::<Test>::get(ALICE, CLINICIAN).to_vec(), vec![request_id]);
		// County's attestor agrees with the dropped answer only: the request stays open.
		submit(&NODE_C, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Open);
		submit(&NODE_D, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Attested);
		AttestationPallet::do_try_state().expect("invariants hold after the migration");
	});
}

#[test]
fn v2_fills_in_the_custodian_of_a_registered_attestor_and_runs_once() {
	new_test_ext().execute_with(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_B, request_id, &BENIGN);
		store_as_v1(model_id, request_id);
		StorageVersion::new(1).put::<AttestationPallet>();
		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		let request = Requests::<Test>::get(request_id).expect("the request decodes");
		assert_eq!(request.submissions[0].custodian, GENERAL);
		// Run again at version 2, it changes nothing (listings are not doubled).
		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(OpenRequestsByRecord::<Test>::get(RECORD).to_vec(), vec![request_id]);
		AttestationPallet::do_try_state().expect("invariants hold after the migration");
	});
}

#[test]
fn v2_keeps_one_answer_per_hospital_in_an_open_request() {
	new_test_ext().execute_with(|| {
		let model_id = setup();
		let request_id = request(model_id, 3);
		submit(&NODE_B, request_id, &BENIGN);
		// Under version 1 the hospital General had answered once more with its own account
		// (then allowed as attestor account), which is no registered attestor now.
		Requests::<Test>::mutate(request_id, |entry| {
			let request = entry.as_mut().expect("request stored");
			let mut second = request.submissions[0].clone();
			second.attestor = GENERAL;
			assert!(request.submissions.try_push(second).is_ok());
		});
		store_as_v1(model_id, request_id);
		StorageVersion::new(1).put::<AttestationPallet>();
		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		let request = Requests::<Test>::get(request_id).expect("the request decodes");
		let answers: Vec<(AccountId, AccountId)> =
			request.submissions.iter().map(|s| (s.attestor.clone(), s.custodian.clone())).collect();
		assert_eq!(answers, vec![(NODE_B, GENERAL)]);
		AttestationPallet::do_try_state().expect("invariants hold after the migration");
	});
}

#[test]
fn v2_drops_from_open_requests_the_answers_of_hospitals_that_do_not_hold_the_record() {
	new_test_ext().execute_with(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_B, request_id, &BENIGN);
		// Under version 1 any attestor could answer: Riverside's, which never received the
		// record, did.
		let riverside = AccountId::new([0x77; 32]);
		let riverside_node = AccountId::new([0x78; 32]);
		MockAttestors::register(&riverside_node, &riverside);
		Requests::<Test>::mutate(request_id, |entry| {
			let request = entry.as_mut().expect("request stored");
			let mut answer = request.submissions[0].clone();
			answer.attestor = riverside_node.clone();
			answer.custodian = riverside.clone();
			assert!(request.submissions.try_push(answer).is_ok());
		});
		store_as_v1(model_id, request_id);
		StorageVersion::new(1).put::<AttestationPallet>();
		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		let request = Requests::<Test>::get(request_id).expect("the request decodes");
		let attestors: Vec<AccountId> =
			request.submissions.iter().map(|s| s.attestor.clone()).collect();
		assert_eq!(attestors, vec![NODE_B], "only holders' answers count");
		assert_eq!(status(request_id), RequestStatus::Open);
		AttestationPallet::do_try_state().expect("invariants hold after the migration");
	});
}

#[test]
fn v2_cancels_the_open_requests_it_cannot_list_within_the_bounds() {
	new_test_ext().execute_with(|| {
		let model_id = setup();
		let first = request(model_id, 2);
		// A version-1 chain had no bound: the clinician holds one more open request on Alice's
		// record than a (patient, requester) pair may now.
		let template = Requests::<Test>::get(first).expect("request stored");
		let ids: Vec<RequestId> = (first..=first + u64::from(MAX_OPEN_PER_PAIR)).collect();
		for (offset, request_id) in (1u64..).zip(&ids[1..]) {
			let mut copy = template.clone();
			copy.deadline = template.deadline + offset;
			crate::RequestsByDeadline::<Test>::mutate(copy.deadline, |due| {
				assert!(due.try_push(*request_id).is_ok());
			});
			Requests::<Test>::insert(request_id, copy);
			OpenRequests::<Test>::insert(request_id, ());
			ModelStats::<Test>::mutate(model_id, |counts| counts.requested += 1);
		}
		crate::NextRequestId::<Test>::put(first + u64::from(MAX_OPEN_PER_PAIR) + 1);
		store_as_v1(model_id, first);
		for request_id in &ids[1..] {
			store_request_as_v1(*request_id);
		}
		OpenRequestsByRecord::<Test>::remove(RECORD);
		OpenRequestsByPair::<Test>::remove(ALICE, CLINICIAN);
		StorageVersion::new(1).put::<AttestationPallet>();

		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		let cancelled: Vec<RequestId> = ids
			.iter()
			.copied()
			.filter(|id| status(*id) == RequestStatus::Cancelled(CancelReason::BeyondListingBound))
			.collect();
		assert_eq!(
			cancelled,
			vec![first + u64::from(MAX_OPEN_PER_PAIR)],
			"exactly the newest, beyond the bound"
		);
		assert_eq!(OpenRequests::<Test>::count(), MAX_OPEN_PER_PAIR);
		assert_eq!(
			OpenRequestsByPair::<Test>::get(ALICE, CLINICIAN).len() as u32,
			MAX_OPEN_PER_PAIR
		);
		assert!(!OpenRequestsByRecord::<Test>::get(RECORD).contains(&cancelled[0]));
		AttestationPallet::do_try_state().expect("invariants hold after the migration");
	});
}
