//! `erase_record` by the patient or the custodian.

use super::*;
use frame_support::assert_noop;
use healthchain_primitives::testing::MockConsentCheck;

#[test]
fn the_patient_erases_a_record_and_every_version_reads_erased() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		amend(ST_MARYS, record_id, commitment(2));
		run_to_block(8);
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(ALICE),
			record_id,
			ErasureReason::PatientRequest
		));
		let record = RecordsPallet::record(record_id).unwrap();
		assert_eq!(
			record.erasure,
			Some(Erasure {
				by: ALICE,
				reason: ErasureReason::PatientRequest,
				at: 8,
				time: time_of(8)
			})
		);
		assert_eq!(RecordsPallet::verify_record(record_id, commitment(1)), Verification::Erased);
		assert_eq!(RecordsPallet::verify_record(record_id, commitment(2)), Verification::Erased);
		assert_eq!(RecordsPallet::verify_record(record_id, commitment(3)), Verification::Unknown);
		assert_eq!(
			last_record_event(),
			Event::RecordErased {
				record_id,
				patient: ALICE,
				by: ALICE,
				reason: ErasureReason::PatientRequest
			}
		);
	});
}

#[test]
fn the_custodian_erases_a_record() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			ErasureReason::RetentionPeriodEnded
		));
		let erasure = RecordsPallet::record(record_id).unwrap().erasure.unwrap();
		assert_eq!((erasure.by, erasure.reason), (ST_MARYS, ErasureReason::RetentionPeriodEnded));
	});
}

#[test]
fn nobody_else_may_erase_a_record() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		for stranger in [GENERAL, BOB, CLINIC, RESEARCH_ORG] {
			assert_noop!(
				RecordsPallet::erase_record(
					RuntimeOrigin::signed(stranger),
					record_id,
					ErasureReason::Other
				),
				Error::<Test>::NotCustodianOrPatient
			);
		}
		assert_noop!(
			RecordsPallet::erase_record(
				RuntimeOrigin::root(),
				record_id,
				ErasureReason::LegalOrder
			),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn erasing_twice_or_an_unknown_record_fails() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			ErasureReason::EnteredInError
		));
		assert_noop!(
			RecordsPallet::erase_record(
				RuntimeOrigin::signed(ALICE),
				record_id,
				ErasureReason::Other
			),
			Error::<Test>::AlreadyErased
		);
		assert_noop!(
			RecordsPallet::erase_record(RuntimeOrigin::signed(ALICE), 5, ErasureReason::Other),
			Error::<Test>::RecordNotFound
		);
	});
}

#[test]
fn an_erased_record_cannot_be_used_for_new_requests() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		MockConsentCheck::permit(&ALICE, &RESEARCH_ORG, Purpose::Research, 3);
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(ALICE),
			record_id,
			ErasureReason::PatientRequest
		));
		// No disclosure, even with consent, and not to the patient either.
		for accessor in [RESEARCH_ORG, ALICE] {
			assert_noop!(
				RecordsPallet::log_access(
					RuntimeOrigin::signed(ST_MARYS),
					record_id,
					accessor,
					Purpose::Research
				),
				Error::<Test>::RecordErased
			);
		}
		// Other pallets see it erased.
		let summary = <RecordsPallet as RecordLookup<u64>>::record(record_id).unwrap();
		assert_eq!(summary.status, RecordStatus::Erased);
		assert_eq!(
			<RecordsPallet as RecordLookup<u64>>::status_of(record_id, &commitment(1)),
			Some(RecordStatus::Erased)
		);
	});
}

#[test]
fn the_anchor_of_an_erased_record_stays_as_evidence() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(ALICE),
			record_id,
			ErasureReason::PatientRequest
		));
		assert_eq!(RecordsPallet::record_history(record_id).len(), 1);
		assert_eq!(
			RecordsPallet::anchor_of(commitment(1)),
			Some(Anchor::Record { record_id, version: 0 })
		);
		assert_eq!(PatientRecords::<Test>::get(ALICE, 0), Some(record_id));
		// The commitment cannot be anchored again.
		assert_noop!(
			RecordsPallet::anchor_record(
				RuntimeOrigin::signed(ST_MARYS),
				ALICE,
				commitment(1),
				DataClass::Laboratory,
				fhir()
			),
			Error::<Test>::CommitmentAlreadyAnchored
		);
	});
}
