//! Withdrawal stops processing: the record and consent hooks cancel the open requests that
//! may no longer go on, in the same call, and only those.

use super::*;
use frame_support::{assert_noop, assert_ok};
use healthchain_primitives::{
	testing::{MockConsentCheck, MockRecordLookup},
	DenialReason, OnConsentChange, OnRecordChange, Purpose,
};

fn cancelled(request_id: RequestId) -> Option<CancelReason> {
	match status(request_id) {
		RequestStatus::Cancelled(reason) => Some(reason),
		_ => None,
	}
}

#[test]
fn erasing_a_record_cancels_every_open_request_on_it_and_nothing_else() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let first = request(model_id, 2);
		let second = request(model_id, 1);
		// The patient's own request, and one on Bob's record.
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(ALICE),
			model_id,
			RECORD,
			2
		));
		let own = NextRequestId::<Test>::get() - 1;
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(BOB),
			model_id,
			BOB_RECORD,
			1
		));
		let bobs = NextRequestId::<Test>::get() - 1;
		// A settled request is left alone.
		submit(&NODE_A, second, &BENIGN);
		assert_eq!(OpenRequestsByRecord::<Test>::get(RECORD).to_vec(), vec![first, own]);

		MockRecordLookup::erase::<AccountId>(RECORD);
		let weight = <AttestationPallet as OnRecordChange<AccountId>>::on_erased(RECORD, &ALICE);
		assert_eq!(weight, <() as WeightInfo>::cancel_on_record_change(2));
		assert_eq!(cancelled(first), Some(CancelReason::RecordErased));
		assert_eq!(cancelled(own), Some(CancelReason::RecordErased));
		assert_eq!(status(second), RequestStatus::Attested);
		assert_eq!(status(bobs), RequestStatus::Open);
		assert!(!OpenRequestsByRecord::<Test>::contains_key(RECORD));
		assert!(!OpenRequestsByPair::<Test>::contains_key(ALICE, CLINICIAN));
		assert_eq!(
			last_event(),
			Event::RequestCancelled {
				request_id: own,
				reason: CancelReason::RecordErased,
				by: ALICE
			}
		);
	});
}

#[test]
fn amending_a_record_cancels_the_requests_on_the_superseded_version() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		MockRecordLookup::amend::<AccountId>(RECORD, [0x78; 32]);
		<AttestationPallet as OnRecordChange<AccountId>>::on_amended(RECORD, &ST_MARYS);
		assert_eq!(cancelled(request_id), Some(CancelReason::RecordSuperseded));
		// A request on the new version stays open after a change that does not touch it.
		let fresh = request(model_id, 2);
		<AttestationPallet as OnRecordChange<AccountId>>::on_amended(RECORD, &ST_MARYS);
		assert_eq!(status(fresh), RequestStatus::Open);
	});
}

#[test]
fn a_withdrawn_permission_cancels_the_pairs_requests_it_no_longer_permits() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let clinicians = request(model_id, 2);
		// Alice's own request and Bob's consent to the clinician are another matter.
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(ALICE),
			model_id,
			RECORD,
			2
		));
		let own = NextRequestId::<Test>::get() - 1;
		MockConsentCheck::permit(&BOB, &CLINICIAN, Purpose::AiAssistedDiagnosis, 2);
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(CLINICIAN),
			model_id,
			BOB_RECORD,
			2
		));
		let bobs = NextRequestId::<Test>::get() - 1;

		// A consent change that leaves the permission in place cancels nothing.
		<AttestationPallet as OnConsentChange<AccountId>>::on_permission_narrowed(
			&ALICE, &CLINICIAN, &ALICE,
		);
		assert_eq!(status(clinicians), RequestStatus::Open);

		MockConsentCheck::revoke(&ALICE, &CLINICIAN, Purpose::AiAssistedDiagnosis);
		let weight = <AttestationPallet as OnConsentChange<AccountId>>::on_permission_narrowed(
			&ALICE, &CLINICIAN, &ALICE,
		);
		assert_eq!(weight, <() as WeightInfo>::cancel_on_consent_change(1));
		assert_eq!(
			cancelled(clinicians),
			Some(CancelReason::ConsentWithdrawn(DenialReason::NoConsent))
		);
		assert_eq!(status(own), RequestStatus::Open);
		assert_eq!(status(bobs), RequestStatus::Open);
	});
}

#[test]
fn open_requests_per_record_and_per_pair_are_bounded() {
	new_test_ext_checked(|| {
		let model_id = setup();
		// One request per block, so that no deadline bucket fills up.
		for _ in 0..MAX_OPEN_PER_PAIR {
			request(model_id, 1);
			run_to_block(System::block_number() + 1);
		}
		assert_noop!(
			AttestationPallet::request_inference(
				RuntimeOrigin::signed(CLINICIAN),
				model_id,
				RECORD,
				1
			),
			Error::<Test>::TooManyOpenRequestsForPair
		);
		// The patient's own request is not a pair's; the record still has room for one.
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(ALICE),
			model_id,
			RECORD,
			1
		));
		assert_noop!(
			AttestationPallet::request_inference(RuntimeOrigin::signed(ALICE), model_id, RECORD, 1),
			Error::<Test>::TooManyOpenRequestsForRecord
		);
		// A request that settles makes room again.
		let first = Requests::<Test>::iter_keys().min().expect("a request");
		submit(&NODE_A, first, &BENIGN);
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(ALICE),
			model_id,
			RECORD,
			1
		));
	});
}
