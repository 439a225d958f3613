//! What a custodian leaving the consortium changes: its anchors stay valid and readable, and
//! it can no longer act.

use super::*;
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[test]
fn a_removed_custodians_anchors_stay_valid_and_readable_but_it_can_no_longer_act() {
	new_test_ext_checked(|| {
		let record_id = anchor(GENERAL, ALICE, commitment(1));
		amend(GENERAL, record_id, commitment(2));
		assert_ok!(RecordsPallet::anchor_batch(
			RuntimeOrigin::signed(GENERAL),
			None,
			commitment(3),
			2,
			DataClass::Laboratory,
			fhir()
		));
		Custodians::remove(GENERAL);

		// Past anchors: unchanged, verifiable, still naming the custodian.
		assert_eq!(RecordsPallet::verify_record(record_id, commitment(2)), Verification::Current);
		assert_eq!(
			RecordsPallet::verify_record(record_id, commitment(1)),
			Verification::Superseded
		);
		assert_eq!(RecordsPallet::record(record_id).unwrap().custodian, GENERAL);
		assert_eq!(RecordsPallet::batch(0).unwrap().custodian, GENERAL);
		let summary = <RecordsPallet as RecordLookup<u64>>::record(record_id).unwrap();
		assert_eq!((summary.custodian, summary.status), (GENERAL, RecordStatus::Current));

		// No new anchors, amendments or disclosures.
		assert_noop!(
			RecordsPallet::anchor_record(
				RuntimeOrigin::signed(GENERAL),
				ALICE,
				commitment(4),
				DataClass::Laboratory,
				fhir()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(GENERAL),
				record_id,
				commitment(4),
				AmendmentReason::Correction
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			RecordsPallet::log_access(
				RuntimeOrigin::signed(GENERAL),
				record_id,
				ALICE,
				Purpose::Treatment
			),
			DispatchError::BadOrigin
		);
		// It cannot erase either; the patient still can.
		assert_noop!(
			RecordsPallet::erase_record(
				RuntimeOrigin::signed(GENERAL),
				record_id,
				ErasureReason::Other
			),
			Error::<Test>::NotCustodianOrPatient
		);
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(ALICE),
			record_id,
			ErasureReason::PatientRequest
		));
	});
}

#[test]
fn another_custodian_cannot_take_over_a_record() {
	new_test_ext_checked(|| {
		let record_id = anchor(GENERAL, ALICE, commitment(1));
		Custodians::remove(GENERAL);
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				commitment(2),
				AmendmentReason::Correction
			),
			Error::<Test>::NotRecordCustodian
		);
		assert_noop!(
			RecordsPallet::log_access(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				ALICE,
				Purpose::Treatment
			),
			Error::<Test>::NotRecordCustodian
		);
	});
}
