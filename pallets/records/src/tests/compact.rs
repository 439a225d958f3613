//! `compact_access_log`: rolling old access-log entries into the patient's digest.

use super::*;
use frame_support::{assert_noop, dispatch::GetDispatchInfo};

/// Logs `count` disclosures of a record of Alice to herself, one per block from block 1.
fn log_disclosures(count: u64) -> RecordId {
	let record_id = anchor(ST_MARYS, ALICE, commitment(1));
	for block in 1..=count {
		run_to_block(block);
		assert_ok!(RecordsPallet::log_access(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			ALICE,
			Purpose::Treatment
		));
	}
	record_id
}

#[test]
fn entries_within_retention_cannot_be_compacted() {
	new_test_ext_checked(|| {
		log_disclosures(3);
		run_to_block(ACCESS_LOG_RETENTION);
		assert_noop!(
			RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), ALICE, 10),
			Error::<Test>::NothingToCompact
		);
		assert_noop!(
			RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), BOB, 10),
			Error::<Test>::NothingToCompact
		);
	});
}

#[test]
fn anyone_compacts_old_entries_into_a_hash_chain_with_count_and_last_block() {
	new_test_ext_checked(|| {
		log_disclosures(4);
		// Entries of blocks 1 and 2 are past retention at block 2 + retention; 3 and 4 are not.
		run_to_block(2 + ACCESS_LOG_RETENTION);
		assert_ok!(RecordsPallet::compact_access_log(
			RuntimeOrigin::signed(RESEARCH_ORG),
			ALICE,
			10
		));
		let log = AccessLogs::<Test>::get(ALICE);
		assert_eq!((log.next, log.folded, log.last_folded_at), (4, 2, Some(2)));
		assert_eq!(log.digest, digest_from_events(ALICE, 2));
		assert_eq!(
			last_record_event(),
			Event::AccessLogCompacted {
				patient: ALICE,
				folded: 2,
				total_folded: 2,
				digest: log.digest
			}
		);
		// The listing now starts at the oldest kept entry.
		let page = RecordsPallet::access_log_of_patient(ALICE, None, 10);
		assert_eq!(page.items.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), vec![2, 3]);
		assert_eq!(RecordsPallet::access_log_digest(ALICE), log);
	});
}

#[test]
fn compaction_continues_the_same_chain_and_respects_max_entries() {
	new_test_ext_checked(|| {
		log_disclosures(5);
		run_to_block(10 + ACCESS_LOG_RETENTION);
		assert_ok!(RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), ALICE, 2));
		assert_eq!(AccessLogs::<Test>::get(ALICE).folded, 2);
		assert_ok!(RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), ALICE, 2));
		assert_ok!(RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), ALICE, 2));
		let log = AccessLogs::<Test>::get(ALICE);
		assert_eq!((log.folded, log.last_folded_at), (5, Some(5)));
		assert_eq!(log.digest, digest_from_events(ALICE, 5));
		assert_eq!(AccessLogEntries::<Test>::iter_prefix(ALICE).count(), 0);
		assert_noop!(
			RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), ALICE, 2),
			Error::<Test>::NothingToCompact
		);
		assert_noop!(
			RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), ALICE, 0),
			Error::<Test>::NothingToCompact
		);
	});
}

#[test]
fn compaction_charges_for_the_entries_it_rolled_up() {
	new_test_ext_checked(|| {
		log_disclosures(3);
		run_to_block(1 + ACCESS_LOG_RETENTION);
		let call = crate::Call::<Test>::compact_access_log { patient: ALICE, max_entries: 1_000 };
		assert_eq!(
			call.get_dispatch_info().call_weight,
			<() as WeightInfo>::compact_access_log(MAX_ACCESS_LOG)
		);
		let post =
			RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), ALICE, 1_000).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::compact_access_log(1)));
	});
}
