//! `amend_record` by the record's custodian: versions and history.

use super::*;
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[test]
fn amendment_makes_a_new_current_version_and_supersedes_the_old() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		run_to_block(5);
		amend(ST_MARYS, record_id, commitment(2));
		let record = RecordsPallet::record(record_id).unwrap();
		assert_eq!((record.version, record.commitment), (1, commitment(2)));
		// The record keeps its id, patient, custodian, class and original anchoring time.
		assert_eq!((record.patient, record.custodian, record.anchored_at), (ALICE, ST_MARYS, 1));
		assert_eq!(
			RecordsPallet::verify_record(record_id, commitment(1)),
			Verification::Superseded
		);
		assert_eq!(RecordsPallet::verify_record(record_id, commitment(2)), Verification::Current);
		assert_eq!(
			last_record_event(),
			Event::RecordAmended {
				record_id,
				version: 1,
				commitment: commitment(2),
				previous: commitment(1),
				reason: AmendmentReason::Correction,
			}
		);
	});
}

#[test]
fn the_history_of_a_record_is_readable_in_order() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		run_to_block(3);
		assert_ok!(RecordsPallet::amend_record(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			commitment(2),
			AmendmentReason::Addendum
		));
		run_to_block(9);
		assert_ok!(RecordsPallet::amend_record(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			commitment(3),
			AmendmentReason::Update
		));
		let history = RecordsPallet::record_history(record_id);
		assert_eq!(
			history,
			vec![
				RecordVersion {
					commitment: commitment(1),
					anchored_at: 1,
					anchored_time: time_of(1),
					amendment: None
				},
				RecordVersion {
					commitment: commitment(2),
					anchored_at: 3,
					anchored_time: time_of(3),
					amendment: Some(AmendmentReason::Addendum)
				},
				RecordVersion {
					commitment: commitment(3),
					anchored_at: 9,
					anchored_time: time_of(9),
					amendment: Some(AmendmentReason::Update)
				},
			]
		);
		assert_eq!(
			history.last().unwrap().commitment,
			RecordsPallet::record(record_id).unwrap().commitment
		);
		assert_eq!(
			RecordsPallet::anchor_of(commitment(2)),
			Some(Anchor::Record { record_id, version: 1 })
		);
		assert!(RecordsPallet::record_history(99).is_empty());
	});
}

#[test]
fn only_the_custodian_that_anchored_a_record_may_amend_it() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(GENERAL),
				record_id,
				commitment(2),
				AmendmentReason::Correction
			),
			Error::<Test>::NotRecordCustodian
		);
		// Not even the patient: only the custodian holds the data.
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(ALICE),
				record_id,
				commitment(2),
				AmendmentReason::Correction
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn amending_an_unknown_record_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(ST_MARYS),
				7,
				commitment(2),
				AmendmentReason::Correction
			),
			Error::<Test>::RecordNotFound
		);
	});
}

#[test]
fn an_amendment_cannot_reuse_any_anchored_commitment() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		anchor(ST_MARYS, BOB, commitment(9));
		amend(ST_MARYS, record_id, commitment(2));
		// Its own earlier version (going back is a new version with a new salt), another
		// record's commitment, the current one, and zero.
		for (value, error) in [
			(commitment(1), Error::<Test>::CommitmentAlreadyAnchored),
			(commitment(2), Error::<Test>::CommitmentAlreadyAnchored),
			(commitment(9), Error::<Test>::CommitmentAlreadyAnchored),
			([0; 32], Error::<Test>::ZeroCommitment),
		] {
			assert_noop!(
				RecordsPallet::amend_record(
					RuntimeOrigin::signed(ST_MARYS),
					record_id,
					value,
					AmendmentReason::Correction
				),
				error
			);
		}
	});
}

#[test]
fn an_erased_record_cannot_be_amended() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(ALICE),
			record_id,
			ErasureReason::PatientRequest
		));
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				commitment(2),
				AmendmentReason::Correction
			),
			Error::<Test>::RecordErased
		);
	});
}

#[test]
fn at_max_versions_an_amendment_is_refused_and_the_record_stays_current() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		for v in 1..MAX_VERSIONS {
			amend(ST_MARYS, record_id, commitment(v as u8 + 1));
		}
		let last = commitment(MAX_VERSIONS as u8);
		assert_eq!(RecordsPallet::record(record_id).unwrap().version, MAX_VERSIONS - 1);
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				commitment(100),
				AmendmentReason::Correction
			),
			Error::<Test>::TooManyVersions
		);
		assert_eq!(RecordsPallet::verify_record(record_id, last), Verification::Current);
		assert_eq!(RecordsPallet::record_history(record_id).len(), MAX_VERSIONS as usize);
		// The way on: anchor the document as a new record.
		anchor(ST_MARYS, ALICE, commitment(100));
	});
}
