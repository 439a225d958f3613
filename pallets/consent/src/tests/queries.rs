//! The pallet functions behind the runtime API.

use super::*;
use frame_support::assert_ok;

/// Pages through `fetch` with `limit`, returning every id seen, in order.
fn page_all(
	limit: u32,
	fetch: impl Fn(Option<ConsentId>, u32) -> Page<ConsentId, ConsentOf<Test>>,
) -> Vec<ConsentId> {
	let mut seen = Vec::new();
	let mut cursor = None;
	loop {
		let page = fetch(cursor, limit);
		assert!(page.items.len() <= limit.max(1) as usize);
		seen.extend(page.items.iter().map(|(id, _)| *id));
		match page.next {
			Some(next) => cursor = Some(next),
			None => return seen,
		}
	}
}

#[test]
fn consents_of_a_patient_are_paged_oldest_first() {
	new_test_ext_checked(|| {
		let mut ids = Vec::new();
		for grantee in [HOSPITAL, RESEARCH_ORG, ER_DOCTOR, HOSPITAL, PARAMEDIC] {
			ids.push(grant(ALICE, grantee, permit(&[Purpose::Treatment], &[LAB])));
			grant(BOB, grantee, permit(&[Purpose::Treatment], &[LAB]));
		}
		let first = ConsentPallet::consents_of_patient(ALICE, None, 2);
		assert_eq!(first.items.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids[..2].to_vec());
		assert_eq!(first.next, Some(ids[1]));
		assert!(first.items.iter().all(|(_, c)| c.patient == ALICE));
		for limit in [1, 2, 3, 5, 100] {
			assert_eq!(
				page_all(limit, |cursor, limit| ConsentPallet::consents_of_patient(
					ALICE, cursor, limit
				)),
				ids
			);
		}
		assert_eq!(ConsentPallet::consents_of_patient(DAVE, None, 10).items, vec![]);
	});
}

#[test]
fn patient_paging_survives_removal_of_the_cursor() {
	new_test_ext_checked(|| {
		let ids: Vec<_> = (0..4)
			.map(|_| {
				grant(
					ALICE,
					HOSPITAL,
					with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(5)),
				)
			})
			.collect();
		let first = ConsentPallet::consents_of_patient(ALICE, None, 2);
		run_to_block(5 + RETENTION);
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), ids[1]));
		let second = ConsentPallet::consents_of_patient(ALICE, first.next, 2);
		assert_eq!(second.items.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids[2..].to_vec());
		assert_eq!(second.next, None);
	});
}

#[test]
fn consents_held_by_a_grantee_are_paged() {
	new_test_ext_checked(|| {
		let mut ids = Vec::new();
		for patient in [ALICE, BOB, CAROL] {
			ids.push(grant(patient, HOSPITAL, permit(&[Purpose::Treatment], &[LAB])));
			ids.push(grant(patient, HOSPITAL, deny(&[Purpose::Research], &[GENOMICS])));
			grant(patient, RESEARCH_ORG, permit(&[Purpose::Research], &[LAB]));
		}
		for limit in [1, 2, 4, 100] {
			let mut seen = page_all(limit, |cursor, limit| {
				ConsentPallet::consents_of_grantee(HOSPITAL, cursor, limit)
			});
			seen.sort();
			assert_eq!(seen, ids);
		}
		let all = ConsentPallet::consents_of_grantee(HOSPITAL, None, 100);
		assert!(all.items.iter().all(|(_, c)| c.grantee == HOSPITAL));
		assert_eq!(ConsentPallet::consent(ids[0]).map(|c| c.patient), Some(ALICE));
		assert_eq!(ConsentPallet::consent(999), None);
	});
}

#[test]
fn check_permission_answers_at_the_current_block() {
	new_test_ext_checked(|| {
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::AiAssistedDiagnosis], &[LAB]), None, Some(10)),
		);
		assert_eq!(
			ConsentPallet::check_permission(
				ALICE,
				HOSPITAL,
				Purpose::AiAssistedDiagnosis,
				lab_data()
			),
			Ok(consent_id)
		);
		run_to_block(10);
		assert_eq!(
			ConsentPallet::check_permission(
				ALICE,
				HOSPITAL,
				Purpose::AiAssistedDiagnosis,
				lab_data()
			),
			Err(DenialReason::Expired(consent_id))
		);
		assert_eq!(
			ConsentPallet::check_access(ALICE, HOSPITAL, Purpose::AiAssistedDiagnosis, lab_data()),
			Err(DenialReason::Expired(consent_id))
		);
	});
}

#[test]
fn counters_count_consents_neither_revoked_nor_removed() {
	new_test_ext_checked(|| {
		grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment, Purpose::AiAssistedDiagnosis], &[LAB]));
		grant(BOB, HOSPITAL, permit(&[Purpose::Treatment], &[LAB, IMAGING, DataScope::Record(3)]));
		let research_deny = grant(ALICE, RESEARCH_ORG, deny(&[Purpose::Research], &[ALL_DATA]));
		grant(
			CAROL,
			RESEARCH_ORG,
			with_period(permit(&[Purpose::Research], &[GENOMICS]), None, Some(10)),
		);

		let counts = ConsentPallet::consent_counts();
		assert_eq!(counts.purpose(Decision::Permit, Purpose::Treatment), 2);
		assert_eq!(counts.purpose(Decision::Permit, Purpose::AiAssistedDiagnosis), 1);
		assert_eq!(counts.purpose(Decision::Permit, Purpose::Research), 1);
		assert_eq!(counts.purpose(Decision::Deny, Purpose::Research), 1);
		assert_eq!(counts.data_class(Decision::Permit, DataClass::Laboratory), 2);
		assert_eq!(counts.data_class(Decision::Permit, DataClass::Imaging), 1);
		assert_eq!(counts.data_class(Decision::Permit, DataClass::Genomics), 1);
		assert_eq!(counts.data_class(Decision::Deny, DataClass::All), 1);
		// Only non-zero counts are listed.
		assert!(counts.by_purpose.iter().all(|c| c.count > 0));
		assert_eq!(counts.by_purpose.len(), 4);

		// Expired but not removed: still counted by the counters.
		run_to_block(10);
		assert_eq!(ConsentPallet::consent_counts().purpose(Decision::Permit, Purpose::Research), 1);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), research_deny));
		assert_eq!(ConsentPallet::consent_counts().purpose(Decision::Deny, Purpose::Research), 0);
		run_to_block(10 + RETENTION);
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), 3));
		assert_eq!(ConsentPallet::consent_counts().purpose(Decision::Permit, Purpose::Research), 0);
	});
}

#[test]
fn active_counts_exclude_expired_pending_and_revoked_consents() {
	new_test_ext_checked(|| {
		grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		grant(BOB, HOSPITAL, with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(5)));
		grant(CAROL, HOSPITAL, with_period(permit(&[Purpose::Treatment], &[LAB]), Some(50), None));
		let revoked = grant(ALICE, RESEARCH_ORG, permit(&[Purpose::Treatment], &[LAB]));
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), revoked));
		run_to_block(5);

		let whole = ConsentPallet::active_consent_counts(None, 100);
		assert_eq!(whole.scanned, 4);
		assert_eq!(whole.next, None);
		assert_eq!(whole.counts.purpose(Decision::Permit, Purpose::Treatment), 1);
		assert_eq!(whole.counts.data_class(Decision::Permit, DataClass::Laboratory), 1);

		// Summed over pages of one, the same.
		let mut total = 0;
		let mut scanned = 0;
		let mut cursor = None;
		loop {
			let page = ConsentPallet::active_consent_counts(cursor, 1);
			total += page.counts.purpose(Decision::Permit, Purpose::Treatment);
			scanned += page.scanned;
			match page.next {
				Some(next) => cursor = Some(next),
				None => break,
			}
		}
		assert_eq!((total, scanned), (1, 4));

		run_to_block(50);
		assert_eq!(
			ConsentPallet::active_consent_counts(None, 100)
				.counts
				.purpose(Decision::Permit, Purpose::Treatment),
			2
		);
	});
}

#[test]
fn page_size_is_clamped() {
	new_test_ext_checked(|| {
		for _ in 0..3 {
			grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		}
		// A limit of zero still returns one entry, so paging always progresses.
		let page = ConsentPallet::consents_of_patient(ALICE, None, 0);
		assert_eq!(page.items.len(), 1);
		assert_eq!(page.next, Some(0));
		assert_eq!(ConsentPallet::consents_of_patient(ALICE, None, u32::MAX).items.len(), 3);
	});
}
