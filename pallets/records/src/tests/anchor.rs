//! `anchor_record` by a registered custodian.

use super::*;
use frame_support::{assert_noop, BoundedVec};
use sp_runtime::DispatchError;

#[test]
fn custodian_anchors_a_record_with_the_next_id_and_the_block_and_time() {
	new_test_ext_checked(|| {
		run_to_block(7);
		assert_eq!(anchor(ST_MARYS, ALICE, commitment(1)), 0);
		assert_eq!(anchor(GENERAL, ALICE, commitment(2)), 1);
		assert_eq!(anchor(ST_MARYS, BOB, commitment(3)), 2);
		let record = RecordsPallet::record(0).unwrap();
		assert_eq!(record.patient, ALICE);
		assert_eq!(record.custodian, ST_MARYS);
		assert_eq!(record.commitment, commitment(1));
		assert_eq!(record.data_class, DataClass::Laboratory);
		assert_eq!(record.schema, Schema::FhirR4Bundle);
		assert_eq!(record.version, 0);
		assert_eq!(record.anchored_at, 7);
		assert_eq!(record.anchored_time, time_of(7));
		assert_eq!(record.erasure, None);
		assert_eq!(NextRecordId::<Test>::get(), 3);
		assert_eq!(RecordsPallet::verify_record(0, commitment(1)), Verification::Current);
	});
}

#[test]
fn anchoring_emits_an_event_with_everything_but_the_time() {
	new_test_ext_checked(|| {
		assert_ok!(RecordsPallet::anchor_record(
			RuntimeOrigin::signed(ST_MARYS),
			ALICE,
			commitment(1),
			DataClass::Imaging,
			Schema::DicomStudyManifest,
		));
		assert_eq!(
			last_record_event(),
			Event::RecordAnchored {
				record_id: 0,
				patient: ALICE,
				custodian: ST_MARYS,
				commitment: commitment(1),
				data_class: DataClass::Imaging,
				schema: Schema::DicomStudyManifest,
			}
		);
	});
}

#[test]
fn non_custodian_cannot_anchor() {
	new_test_ext_checked(|| {
		assert_noop!(
			RecordsPallet::anchor_record(
				RuntimeOrigin::signed(CLINIC),
				ALICE,
				commitment(1),
				DataClass::Laboratory,
				fhir()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			RecordsPallet::anchor_record(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				commitment(1),
				DataClass::Laboratory,
				fhir()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			RecordsPallet::anchor_record(
				RuntimeOrigin::root(),
				ALICE,
				commitment(1),
				DataClass::Laboratory,
				fhir()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_same_commitment_cannot_be_anchored_twice_by_anyone_for_anyone() {
	new_test_ext_checked(|| {
		anchor(ST_MARYS, ALICE, commitment(1));
		for (custodian, patient) in [(ST_MARYS, ALICE), (ST_MARYS, BOB), (GENERAL, BOB)] {
			assert_noop!(
				RecordsPallet::anchor_record(
					RuntimeOrigin::signed(custodian),
					patient,
					commitment(1),
					DataClass::Imaging,
					fhir()
				),
				Error::<Test>::CommitmentAlreadyAnchored
			);
		}
	});
}

#[test]
fn a_superseded_version_or_a_batch_root_cannot_be_anchored_as_a_record() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		amend(ST_MARYS, record_id, commitment(2));
		assert_ok!(RecordsPallet::anchor_batch(
			RuntimeOrigin::signed(GENERAL),
			None,
			commitment(3),
			10,
			DataClass::Laboratory,
			fhir()
		));
		for value in [commitment(1), commitment(2), commitment(3)] {
			assert_noop!(
				RecordsPallet::anchor_record(
					RuntimeOrigin::signed(GENERAL),
					BOB,
					value,
					DataClass::Laboratory,
					fhir()
				),
				Error::<Test>::CommitmentAlreadyAnchored
			);
		}
	});
}

#[test]
fn an_all_zero_commitment_is_refused() {
	new_test_ext_checked(|| {
		assert_noop!(
			RecordsPallet::anchor_record(
				RuntimeOrigin::signed(ST_MARYS),
				ALICE,
				[0; 32],
				DataClass::Laboratory,
				fhir()
			),
			Error::<Test>::ZeroCommitment
		);
	});
}

#[test]
fn other_schema_must_be_a_non_empty_code_without_free_text() {
	new_test_ext_checked(|| {
		let other = |code: &[u8]| Schema::Other(BoundedVec::truncate_from(code.to_vec()));
		for bad in [&b""[..], b"John Doe", b"diagnosis:\xc3\xa9", b"a,b", b"x\n"] {
			assert_noop!(
				RecordsPallet::anchor_record(
					RuntimeOrigin::signed(ST_MARYS),
					ALICE,
					commitment(1),
					DataClass::ClinicalNotes,
					other(bad)
				),
				Error::<Test>::InvalidSchemaCode
			);
		}
		assert_ok!(RecordsPallet::anchor_record(
			RuntimeOrigin::signed(ST_MARYS),
			ALICE,
			commitment(1),
			DataClass::ClinicalNotes,
			other(b"openEHR-composition:v1.0/x_y")
		));
	});
}

#[test]
fn a_patient_has_at_most_max_records_and_others_are_unaffected() {
	new_test_ext_checked(|| {
		for i in 0..MAX_RECORDS_PER_PATIENT {
			anchor(ST_MARYS, ALICE, commitment(i as u8 + 1));
		}
		assert_noop!(
			RecordsPallet::anchor_record(
				RuntimeOrigin::signed(GENERAL),
				ALICE,
				commitment(100),
				DataClass::Laboratory,
				fhir()
			),
			Error::<Test>::TooManyRecordsForPatient
		);
		anchor(GENERAL, BOB, commitment(100));
		// Batches do not count against the cap.
		assert_ok!(RecordsPallet::anchor_batch(
			RuntimeOrigin::signed(GENERAL),
			Some(ALICE),
			commitment(101),
			1_000,
			DataClass::Laboratory,
			fhir()
		));
	});
}

#[test]
fn records_are_listed_per_patient_in_anchoring_order() {
	new_test_ext_checked(|| {
		let a0 = anchor(ST_MARYS, ALICE, commitment(1));
		let b0 = anchor(ST_MARYS, BOB, commitment(2));
		let a1 = anchor(GENERAL, ALICE, commitment(3));
		assert_eq!(PatientRecordCount::<Test>::get(ALICE), 2);
		assert_eq!(PatientRecords::<Test>::get(ALICE, 0), Some(a0));
		assert_eq!(PatientRecords::<Test>::get(ALICE, 1), Some(a1));
		assert_eq!(PatientRecords::<Test>::get(BOB, 0), Some(b0));
		assert_eq!(
			RecordsPallet::anchor_of(commitment(3)),
			Some(Anchor::Record { record_id: a1, version: 0 })
		);
	});
}

#[test]
fn the_anchor_call_weight_is_the_benchmarked_one() {
	use frame_support::dispatch::GetDispatchInfo;
	new_test_ext_checked(|| {
		let call = crate::Call::<Test>::anchor_record {
			patient: ALICE,
			commitment: commitment(1),
			data_class: DataClass::Laboratory,
			schema: fhir(),
		};
		assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::anchor_record());
	});
}
