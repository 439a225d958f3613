//! `cancel_request`.

use super::*;
use frame_support::{assert_noop, assert_ok};
use healthchain_primitives::{
	testing::{MockConsentCheck, MockRecordLookup},
	DenialReason, Purpose,
};

fn cancel(who: &AccountId, request_id: RequestId) -> frame_support::dispatch::DispatchResult {
	AttestationPallet::cancel_request(RuntimeOrigin::signed(who.clone()), request_id)
}

#[test]
fn the_requester_may_withdraw_an_open_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		assert_ok!(cancel(&CLINICIAN, request_id));
		let reason = CancelReason::WithdrawnByRequester;
		assert_eq!(status(request_id), RequestStatus::Cancelled(reason));
		assert_eq!(last_event(), Event::RequestCancelled { request_id, reason, by: CLINICIAN });
		assert_eq!(stats(model_id).cancelled, 1);
		assert!(!OpenRequests::<Test>::contains_key(request_id));
		assert_noop!(cancel(&CLINICIAN, request_id), Error::<Test>::RequestNotOpen);
	});
}

#[test]
fn nobody_else_may_cancel_a_request_that_is_still_permitted() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		assert_noop!(cancel(&STRANGER, request_id), Error::<Test>::RequestStillPermitted);
		assert_noop!(cancel(&ALICE, request_id), Error::<Test>::RequestStillPermitted);
		assert_noop!(cancel(&STRANGER, 42), Error::<Test>::RequestNotFound);
	});
}

#[test]
fn anyone_may_cancel_once_the_patient_revoked_consent() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		MockConsentCheck::revoke(&ALICE, &CLINICIAN, Purpose::AiAssistedDiagnosis);
		assert_ok!(cancel(&ALICE, request_id));
		assert_eq!(
			status(request_id),
			RequestStatus::Cancelled(CancelReason::ConsentWithdrawn(DenialReason::NoConsent))
		);
	});
}

#[test]
fn anyone_may_cancel_once_the_record_is_erased_or_the_model_retired() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let erased = request(model_id, 1);
		let retired = request(model_id, 1);
		MockRecordLookup::erase::<AccountId>(RECORD);
		assert_ok!(cancel(&STRANGER, erased));
		assert_eq!(status(erased), RequestStatus::Cancelled(CancelReason::RecordErased));

		MockRecordLookup::anchor(RECORD, &ALICE, &ST_MARYS, COMMITMENT, DataClass::Laboratory);
		assert_ok!(AttestationPallet::retire_model(RuntimeOrigin::root(), model_id));
		assert_ok!(cancel(&STRANGER, retired));
		assert_eq!(status(retired), RequestStatus::Cancelled(CancelReason::ModelRetired));
	});
}

#[test]
fn the_objective_reason_wins_over_a_withdrawal() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		MockRecordLookup::amend::<AccountId>(RECORD, [0x79; 32]);
		assert_ok!(cancel(&CLINICIAN, request_id));
		assert_eq!(status(request_id), RequestStatus::Cancelled(CancelReason::RecordSuperseded));
	});
}
