//! The runtime-API queries, the `RecordLookup` trait and its testing mock.

use super::*;
use healthchain_primitives::testing::MockRecordLookup;

#[test]
fn verify_answers_current_superseded_erased_and_unknown() {
	new_test_ext_checked(|| {
		let a = anchor(ST_MARYS, ALICE, commitment(1));
		amend(ST_MARYS, a, commitment(2));
		let b = anchor(ST_MARYS, BOB, commitment(3));
		assert_eq!(RecordsPallet::verify_record(a, commitment(2)), Verification::Current);
		assert_eq!(RecordsPallet::verify_record(a, commitment(1)), Verification::Superseded);
		// Another record's commitment, an unanchored one, an unknown record.
		assert_eq!(RecordsPallet::verify_record(a, commitment(3)), Verification::Unknown);
		assert_eq!(RecordsPallet::verify_record(a, commitment(9)), Verification::Unknown);
		assert_eq!(RecordsPallet::verify_record(7, commitment(1)), Verification::Unknown);
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(BOB),
			b,
			ErasureReason::Other
		));
		assert_eq!(RecordsPallet::verify_record(b, commitment(3)), Verification::Erased);
		// A batch root is not a record.
		assert_ok!(RecordsPallet::anchor_batch(
			RuntimeOrigin::signed(ST_MARYS),
			None,
			commitment(4),
			4,
			DataClass::Laboratory,
			fhir()
		));
		assert_eq!(RecordsPallet::verify_record(0, commitment(4)), Verification::Unknown);
		assert_eq!(RecordsPallet::anchor_of(commitment(4)), Some(Anchor::Batch(0)));
		assert_eq!(RecordsPallet::anchor_of(commitment(9)), None);
	});
}

#[test]
fn records_of_a_patient_are_paged_oldest_first() {
	new_test_ext_checked(|| {
		let ids: Vec<RecordId> = (1..=5).map(|i| anchor(ST_MARYS, ALICE, commitment(i))).collect();
		anchor(ST_MARYS, BOB, commitment(9));
		let first = RecordsPallet::records_of_patient(ALICE, None, 2);
		assert_eq!(first.items.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids[..2]);
		assert_eq!(first.next, Some(ids[1]));
		let second = RecordsPallet::records_of_patient(ALICE, first.next, 2);
		assert_eq!(second.items.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids[2..4]);
		assert_eq!(second.next, Some(ids[3]));
		let last = RecordsPallet::records_of_patient(ALICE, second.next, 2);
		assert_eq!(last.items.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids[4..]);
		assert_eq!(last.next, None);
		assert!(last.items.iter().all(|(_, record)| record.patient == ALICE));
		// A cursor past the patient's newest record (Bob's record id) gives an empty page.
		let bob_record = ids[4] + 1;
		assert_eq!(
			RecordsPallet::records_of_patient(ALICE, Some(bob_record), 2),
			Page { items: vec![], next: None }
		);
		assert_eq!(
			RecordsPallet::records_of_patient(ALICE, Some(ids[0]), 10)
				.items
				.iter()
				.map(|(id, _)| *id)
				.collect::<Vec<_>>(),
			ids[1..]
		);
		// A zero limit still returns one entry.
		assert_eq!(RecordsPallet::records_of_patient(ALICE, None, 0).items.len(), 1);
		assert_eq!(RecordsPallet::records_of_patient(RESEARCH_ORG, None, 10).items.len(), 0);
	});
}

#[test]
fn the_access_log_is_paged_oldest_first() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		for _ in 0..4 {
			assert_ok!(RecordsPallet::log_access(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				ALICE,
				Purpose::Treatment
			));
		}
		let first = RecordsPallet::access_log_of_patient(ALICE, None, 3);
		assert_eq!(first.items.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), vec![0, 1, 2]);
		assert_eq!(first.next, Some(2));
		let second = RecordsPallet::access_log_of_patient(ALICE, first.next, 3);
		assert_eq!(second.items.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), vec![3]);
		assert_eq!(second.next, None);
		assert_eq!(
			RecordsPallet::access_log_of_patient(BOB, None, 3),
			Page { items: vec![], next: None }
		);
	});
}

#[test]
fn record_lookup_summarises_the_current_version() {
	new_test_ext_checked(|| {
		let record_id = anchor_as(ST_MARYS, ALICE, commitment(1), DataClass::Imaging);
		amend(ST_MARYS, record_id, commitment(2));
		assert_eq!(
			<RecordsPallet as RecordLookup<u64>>::record(record_id),
			Some(RecordSummary {
				patient: ALICE,
				custodian: ST_MARYS,
				commitment: commitment(2),
				version: 1,
				data_class: DataClass::Imaging,
				status: RecordStatus::Current,
			})
		);
		assert_eq!(<RecordsPallet as RecordLookup<u64>>::record(record_id + 1), None);
		assert_eq!(
			<RecordsPallet as RecordLookup<u64>>::status_of(record_id, &commitment(1)),
			Some(RecordStatus::Superseded)
		);
		assert_eq!(
			<RecordsPallet as RecordLookup<u64>>::status_of(record_id, &commitment(2)),
			Some(RecordStatus::Current)
		);
		assert_eq!(
			<RecordsPallet as RecordLookup<u64>>::status_of(record_id, &commitment(3)),
			None
		);
		assert_eq!(
			<RecordsPallet as RecordLookup<u64>>::lookup_weight(),
			<() as WeightInfo>::lookup()
		);
		assert_eq!(<() as RecordLookup<u64>>::record(record_id), None);
	});
}

#[test]
fn the_testing_mock_behaves_like_the_pallet() {
	MockRecordLookup::reset();
	let summary =
		MockRecordLookup::anchor(3, &ALICE, &ST_MARYS, commitment(1), DataClass::Laboratory);
	assert_eq!(<MockRecordLookup as RecordLookup<u64>>::record(3), Some(summary));
	assert_eq!(<MockRecordLookup as RecordLookup<u64>>::record(4), None);
	MockRecordLookup::amend::<u64>(3, commitment(2));
	assert_eq!(
		<MockRecordLookup as RecordLookup<u64>>::status_of(3, &commitment(1)),
		Some(RecordStatus::Superseded)
	);
	assert_eq!(
		<MockRecordLookup as RecordLookup<u64>>::status_of(3, &commitment(2)),
		Some(RecordStatus::Current)
	);
	assert_eq!(<MockRecordLookup as RecordLookup<u64>>::record(3).unwrap().version, 1);
	MockRecordLookup::erase::<u64>(3);
	assert_eq!(
		<MockRecordLookup as RecordLookup<u64>>::record(3).unwrap().status,
		RecordStatus::Erased
	);
	assert_eq!(
		<MockRecordLookup as RecordLookup<u64>>::status_of(3, &commitment(1)),
		Some(RecordStatus::Erased)
	);
	assert_eq!(<MockRecordLookup as RecordLookup<u64>>::status_of(3, &commitment(9)), None);
	MockRecordLookup::reset();
	assert_eq!(<MockRecordLookup as RecordLookup<u64>>::record(3), None);
}
