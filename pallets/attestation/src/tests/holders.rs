//! Who may attest: only the attestor of a hospital that holds the record, once per hospital,
//! and a request asks at least the model's minimum quorum.

use super::*;
use frame_support::{assert_noop, assert_ok};
use healthchain_primitives::testing::{MockAttestors, MockRecordLookup};
use sp_runtime::{DispatchError, DispatchResult};

/// An attestor of the hospital `OUTSIDER`, which holds none of the mock's records.
const OUTSIDER_NODE: AccountId = account(24);

fn try_submit(attestor: &AccountId, request_id: RequestId) -> DispatchResult {
	AttestationPallet::submit_result(
		RuntimeOrigin::signed(attestor.clone()),
		request_id,
		output(&BENIGN),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

#[test]
fn an_attestor_of_a_hospital_that_does_not_hold_the_record_is_refused() {
	new_test_ext_checked(|| {
		let model_id = setup();
		MockAttestors::register(&OUTSIDER_NODE, &OUTSIDER);
		let request_id = request(model_id, 1);
		assert!(!AttestationPallet::accepts_submission(
			&RuntimeOrigin::signed(OUTSIDER_NODE),
			request_id
		));
		assert_noop!(try_submit(&OUTSIDER_NODE, request_id), Error::<Test>::NotRecordHolder);
		assert_noop!(
			AttestationPallet::report_failure(
				RuntimeOrigin::signed(OUTSIDER_NODE),
				request_id,
				InferenceFailure::UnknownModel
			),
			Error::<Test>::NotRecordHolder
		);
		// Once St. Mary's shares the record with it, its attestor may attest.
		MockRecordLookup::share(RECORD, &OUTSIDER);
		assert!(AttestationPallet::accepts_submission(
			&RuntimeOrigin::signed(OUTSIDER_NODE),
			request_id
		));
		assert_ok!(try_submit(&OUTSIDER_NODE, request_id));
		assert_eq!(status(request_id), RequestStatus::Attested);
		let submission = &Requests::<Test>::get(request_id).expect("request").submissions[0];
		assert_eq!((&submission.attestor, &submission.custodian), (&OUTSIDER_NODE, &OUTSIDER));
	});
}

#[test]
fn a_hospital_that_rotates_its_attestor_key_submits_once() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		// St. Mary's rotates its `infr` key: the new key is its attestor, the old one is not.
		let rotated = account(25);
		MockAttestors::register(&rotated, &ST_MARYS);
		assert!(!AttestationPallet::accepts_submission(
			&RuntimeOrigin::signed(rotated.clone()),
			request_id
		));
		assert_noop!(try_submit(&rotated, request_id), Error::<Test>::AlreadySubmitted);
		assert_noop!(try_submit(&NODE_A, request_id), Error::<Test>::NotAttestor);
		assert_eq!(status(request_id), RequestStatus::Open);
		// A second hospital makes the quorum.
		submit(&NODE_B, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Attested);
	});
}

#[test]
fn governance_sets_a_models_minimum_quorum_and_requests_below_it_are_refused() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let open = request(model_id, 1);
		assert_noop!(
			AttestationPallet::set_min_quorum(RuntimeOrigin::signed(ST_MARYS), model_id, 2),
			DispatchError::BadOrigin
		);
		assert_ok!(AttestationPallet::set_min_quorum(RuntimeOrigin::root(), model_id, 2));
		assert_eq!(Models::<Test>::get(model_id).map(|m| m.min_quorum), Some(2));
		assert_eq!(last_event(), Event::ModelMinQuorumSet { model_id, min_quorum: 2 });

		assert_noop!(
			AttestationPallet::request_inference(
				RuntimeOrigin::signed(CLINICIAN),
				model_id,
				RECORD,
				1
			),
			Error::<Test>::QuorumBelowModelMinimum
		);
		assert_eq!(Requests::<Test>::get(request(model_id, 2)).map(|r| r.quorum), Some(2));
		// A request made before keeps its quorum.
		submit(&NODE_A, open, &BENIGN);
		assert_eq!(status(open), RequestStatus::Attested);
	});
}

#[test]
fn a_minimum_quorum_outside_one_to_max_quorum_or_of_a_retired_model_is_refused() {
	new_test_ext_checked(|| {
		let model_id = setup();
		for bad in [0, MAX_QUORUM + 1] {
			assert_noop!(
				AttestationPallet::set_min_quorum(RuntimeOrigin::root(), model_id, bad),
				Error::<Test>::InvalidQuorum
			);
		}
		assert_noop!(
			AttestationPallet::set_min_quorum(RuntimeOrigin::root(), model_id + 1, 2),
			Error::<Test>::ModelNotFound
		);
		assert_ok!(AttestationPallet::retire_model(RuntimeOrigin::root(), model_id));
		assert_noop!(
			AttestationPallet::set_min_quorum(RuntimeOrigin::root(), model_id, 2),
			Error::<Test>::ModelAlreadyRetired
		);
	});
}

#[test]
fn a_genesis_model_carries_its_minimum_quorum() {
	let mut model = genesis_model(MODEL_HASH);
	model.min_quorum = 3;
	new_test_ext_with(vec![model]).execute_with(|| {
		assert_eq!(Models::<Test>::get(0).map(|m| m.min_quorum), Some(3));
		register(&[NODE_A, NODE_B, NODE_C]);
		anchor_records();
		alice_consents();
		assert_noop!(
			AttestationPallet::request_inference(RuntimeOrigin::signed(CLINICIAN), 0, RECORD, 2),
			Error::<Test>::QuorumBelowModelMinimum
		);
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(CLINICIAN),
			0,
			RECORD,
			3
		));
	});
}

#[test]
fn a_genesis_model_without_a_minimum_quorum_in_json_gets_one() {
	let json = serde_json::json!({
		"modelHash": MODEL_HASH.to_vec(),
		"cardHash": CARD_HASH.to_vec(),
		"name": b"m".to_vec(),
		"version": b"1".to_vec(),
		"outputSize": 2,
		"tolerancePpm": 0,
		"engineVersion": b"e".to_vec(),
	});
	let model: GenesisModel = serde_json::from_value(json).expect("a genesis model");
	assert_eq!(model.min_quorum, 1);
}
