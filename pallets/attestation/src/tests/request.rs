//! `request_inference`.

use super::*;
use frame_support::{assert_noop, assert_ok};
use healthchain_primitives::{
	testing::{MockConsentCheck, MockRecordLookup},
	Purpose,
};

fn ask(who: AccountId, model_id: ModelId, record_id: RecordId, quorum: u32) -> DispatchResult {
	AttestationPallet::request_inference(RuntimeOrigin::signed(who), model_id, record_id, quorum)
}
use frame_support::dispatch::DispatchResult;

#[test]
fn a_clinician_with_consent_requests_an_inference() {
	new_test_ext_checked(|| {
		let model_id = setup();
		run_to_block(2);
		assert_ok!(ask(CLINICIAN, model_id, RECORD, 2));
		let request = Requests::<Test>::get(0).expect("request stored");
		assert_eq!(request.requester, CLINICIAN);
		assert_eq!(request.model_id, model_id);
		assert_eq!(request.model_hash, MODEL_HASH);
		assert_eq!(request.record_id, RECORD);
		assert_eq!(request.commitment, COMMITMENT);
		assert_eq!(request.patient, ALICE);
		assert_eq!(request.custodian, ST_MARYS);
		assert_eq!(request.data_class, DataClass::Laboratory);
		assert_eq!(request.quorum, 2);
		assert_eq!(request.requested_at, 2);
		assert_eq!(request.requested_time, GENESIS_TIME_MS + 2 * BLOCK_TIME_MS);
		assert_eq!(request.deadline, 2 + REQUEST_TIMEOUT);
		assert_eq!(request.status, RequestStatus::Open);
		assert!(request.submissions.is_empty());
		assert!(OpenRequests::<Test>::contains_key(0));
		assert_eq!(RequestsByDeadline::<Test>::get(2 + REQUEST_TIMEOUT).to_vec(), vec![0]);
		assert_eq!(stats(model_id).requested, 1);
		assert_eq!(stats(model_id).open(), 1);
		assert_eq!(
			last_event(),
			Event::InferenceRequested {
				request_id: 0,
				model_id,
				record_id: RECORD,
				commitment: COMMITMENT,
				requester: CLINICIAN,
				quorum: 2,
				deadline: 2 + REQUEST_TIMEOUT,
			}
		);
	});
}

#[test]
fn the_quorum_is_between_one_and_max_quorum() {
	new_test_ext_checked(|| {
		let model_id = setup();
		assert_noop!(ask(CLINICIAN, model_id, RECORD, 0), Error::<Test>::InvalidQuorum);
		assert_noop!(
			ask(CLINICIAN, model_id, RECORD, MAX_QUORUM + 1),
			Error::<Test>::InvalidQuorum
		);
		assert_ok!(ask(CLINICIAN, model_id, RECORD, MAX_QUORUM));
	});
}

#[test]
fn an_unknown_model_or_record_is_refused() {
	new_test_ext_checked(|| {
		let model_id = setup();
		assert_noop!(ask(CLINICIAN, 9, RECORD, 1), Error::<Test>::ModelNotFound);
		assert_noop!(ask(CLINICIAN, model_id, 99, 1), Error::<Test>::RecordNotFound);
	});
}

#[test]
fn an_erased_record_cannot_be_requested() {
	new_test_ext_checked(|| {
		let model_id = setup();
		MockRecordLookup::erase::<AccountId>(RECORD);
		assert_noop!(ask(CLINICIAN, model_id, RECORD, 1), Error::<Test>::RecordErased);
	});
}

#[test]
fn an_amended_record_is_requested_at_its_current_version() {
	new_test_ext_checked(|| {
		let model_id = setup();
		MockRecordLookup::amend::<AccountId>(RECORD, [0x79; 32]);
		let request_id = request(model_id, 1);
		assert_eq!(Requests::<Test>::get(request_id).map(|r| r.commitment), Some([0x79; 32]));
	});
}

#[test]
fn a_request_without_consent_is_refused() {
	new_test_ext_checked(|| {
		let model_id = setup();
		assert_noop!(ask(STRANGER, model_id, RECORD, 1), Error::<Test>::NoConsent);
		// Consent for another purpose does not do.
		MockConsentCheck::permit(&ALICE, &STRANGER, Purpose::Treatment, 5);
		assert_noop!(ask(STRANGER, model_id, RECORD, 1), Error::<Test>::NoConsent);
		// Consent of another patient does not do.
		assert_noop!(ask(CLINICIAN, model_id, BOB_RECORD, 1), Error::<Test>::NoConsent);
	});
}

#[test]
fn revoked_consent_blocks_new_requests() {
	new_test_ext_checked(|| {
		let model_id = setup();
		assert_ok!(ask(CLINICIAN, model_id, RECORD, 1));
		MockConsentCheck::revoke(&ALICE, &CLINICIAN, Purpose::AiAssistedDiagnosis);
		assert_noop!(ask(CLINICIAN, model_id, RECORD, 1), Error::<Test>::NoConsent);
	});
}

#[test]
fn a_patient_may_request_an_inference_on_their_own_record() {
	new_test_ext_checked(|| {
		let model_id = setup();
		assert_ok!(ask(ALICE, model_id, RECORD, 1));
		assert_ok!(ask(BOB, model_id, BOB_RECORD, 1));
	});
}

#[test]
fn requests_per_block_are_bounded() {
	new_test_ext_checked(|| {
		let model_id = setup();
		for _ in 0..MAX_REQUESTS_PER_BLOCK {
			assert_ok!(ask(CLINICIAN, model_id, RECORD, 1));
		}
		assert_noop!(ask(CLINICIAN, model_id, RECORD, 1), Error::<Test>::TooManyRequestsInBlock);
		run_to_block(2);
		assert_ok!(ask(CLINICIAN, model_id, RECORD, 1));
	});
}

#[test]
fn request_ids_can_run_out() {
	new_test_ext_checked(|| {
		let model_id = setup();
		NextRequestId::<Test>::put(RequestId::MAX);
		assert_noop!(ask(CLINICIAN, model_id, RECORD, 1), Error::<Test>::RequestIdsExhausted);
	});
}
