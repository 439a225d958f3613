//! Break-glass: `open_emergency_access` and `review_emergency_access`.

use super::*;
use frame_support::{assert_noop, assert_ok, BoundedVec};
use sp_runtime::DispatchError;

fn reason(code: &[u8]) -> BoundedVec<u8, <Test as Config>::MaxReasonLen> {
	BoundedVec::truncate_from(code.to_vec())
}

/// `provider` opens break-glass access to `patient`'s data; returns its id.
fn open(provider: u64, patient: u64) -> EmergencyAccessId {
	let access_id = NextEmergencyAccessId::<Test>::get();
	assert_ok!(ConsentPallet::open_emergency_access(
		RuntimeOrigin::signed(provider),
		patient,
		reason(b"ER-UNCONSCIOUS")
	));
	access_id
}

#[test]
fn care_provider_opens_time_boxed_access_the_patient_can_see() {
	new_test_ext_checked(|| {
		run_to_block(5);
		let access_id = open(ER_DOCTOR, ALICE);
		let access = EmergencyAccesses::<Test>::get(access_id).unwrap();
		assert_eq!(access.patient, ALICE);
		assert_eq!(access.provider, ER_DOCTOR);
		assert_eq!(access.opened_at, 5);
		assert_eq!(access.expires_at, 5 + EMERGENCY_DURATION);
		assert_eq!(access.review, None);
		assert_eq!(
			last_consent_event(),
			Event::EmergencyAccessOpened {
				access_id,
				patient: ALICE,
				provider: ER_DOCTOR,
				reason: reason(b"ER-UNCONSCIOUS"),
				expires_at: 5 + EMERGENCY_DURATION,
			}
		);
		assert_eq!(ConsentPallet::emergency_accesses_of_patient(ALICE), vec![(access_id, access)]);
		// No deposit is taken for an emergency.
		assert_eq!(Balances::free_balance(ER_DOCTOR), INITIAL_BALANCE);
	});
}

#[test]
fn emergency_access_lasts_the_configured_number_of_blocks() {
	new_test_ext_checked(|| {
		let access_id = open(ER_DOCTOR, ALICE);
		let expires_at = 1 + EMERGENCY_DURATION;
		assert_eq!(ConsentPallet::has_emergency_access_at(&ALICE, &ER_DOCTOR, 1), Some(access_id));
		assert_eq!(
			ConsentPallet::has_emergency_access_at(&ALICE, &ER_DOCTOR, expires_at - 1),
			Some(access_id)
		);
		assert_eq!(ConsentPallet::has_emergency_access_at(&ALICE, &ER_DOCTOR, expires_at), None);
		// Only the provider who opened it holds it, only for that patient.
		assert_eq!(ConsentPallet::has_emergency_access_at(&ALICE, &PARAMEDIC, 1), None);
		assert_eq!(ConsentPallet::has_emergency_access_at(&BOB, &ER_DOCTOR, 1), None);
	});
}

#[test]
fn break_glass_overrides_a_deny_for_emergency_treatment_only() {
	new_test_ext_checked(|| {
		let deny_id = grant(ALICE, ER_DOCTOR, deny(&[Purpose::Treatment], &[ALL_DATA]));
		let everything = DataTarget::class(DataClass::All);
		assert_eq!(
			ConsentPallet::check_access(ALICE, ER_DOCTOR, Purpose::EmergencyTreatment, everything),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		let access_id = open(ER_DOCTOR, ALICE);
		assert_eq!(
			ConsentPallet::check_access(ALICE, ER_DOCTOR, Purpose::EmergencyTreatment, everything),
			Ok(AccessBasis::EmergencyAccess(access_id))
		);
		// Not a consent: other purposes, and `is_permitted` itself, are unaffected.
		assert_eq!(
			ConsentPallet::check_access(ALICE, ER_DOCTOR, Purpose::Research, everything),
			Err(DenialReason::PurposeNotCovered)
		);
		assert_eq!(
			check(ALICE, ER_DOCTOR, Purpose::EmergencyTreatment, everything),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		run_to_block(1 + EMERGENCY_DURATION);
		assert_eq!(
			ConsentPallet::check_access(ALICE, ER_DOCTOR, Purpose::EmergencyTreatment, everything),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
	});
}

#[test]
fn a_consent_is_preferred_to_break_glass_when_both_apply() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, ER_DOCTOR, permit(&[Purpose::Treatment], &[ALL_DATA]));
		open(ER_DOCTOR, ALICE);
		assert_eq!(
			ConsentPallet::check_access(ALICE, ER_DOCTOR, Purpose::EmergencyTreatment, lab_data()),
			Ok(AccessBasis::Consent(consent_id))
		);
	});
}

#[test]
fn only_registered_care_providers_may_break_the_glass() {
	new_test_ext_checked(|| {
		for origin in
			[RuntimeOrigin::signed(HOSPITAL), RuntimeOrigin::signed(BOB), RuntimeOrigin::root()]
		{
			assert_noop!(
				ConsentPallet::open_emergency_access(origin, ALICE, reason(b"ER")),
				DispatchError::BadOrigin
			);
		}
	});
}

#[test]
fn break_glass_needs_a_reason_code() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::open_emergency_access(
				RuntimeOrigin::signed(ER_DOCTOR),
				ALICE,
				reason(b"")
			),
			Error::<Test>::EmptyReason
		);
	});
}

#[test]
fn care_provider_cannot_break_the_glass_on_themselves() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::open_emergency_access(
				RuntimeOrigin::signed(ER_DOCTOR),
				ER_DOCTOR,
				reason(b"ER")
			),
			Error::<Test>::CannotOpenForSelf
		);
	});
}

#[test]
fn a_second_access_while_one_is_open_is_refused_but_allowed_after_expiry() {
	new_test_ext_checked(|| {
		let first = open(ER_DOCTOR, ALICE);
		assert_noop!(
			ConsentPallet::open_emergency_access(
				RuntimeOrigin::signed(ER_DOCTOR),
				ALICE,
				reason(b"ER")
			),
			Error::<Test>::EmergencyAccessAlreadyOpen
		);
		// Another provider may open their own.
		let other = open(PARAMEDIC, ALICE);
		assert_ne!(first, other);
		run_to_block(1 + EMERGENCY_DURATION);
		let second = open(ER_DOCTOR, ALICE);
		assert_eq!(LatestEmergencyAccess::<Test>::get(ALICE, ER_DOCTOR), Some(second));
		assert_eq!(ConsentPallet::emergency_accesses_of_patient(ALICE).len(), 3);
	});
}

#[test]
fn full_listing_within_retention_refuses_new_access() {
	new_test_ext_checked(|| {
		// Four accesses (the cap), alternating providers, each after the previous expired.
		for i in 0..4u64 {
			run_to_block(1 + i * EMERGENCY_DURATION);
			open(if i % 2 == 0 { ER_DOCTOR } else { PARAMEDIC }, ALICE);
		}
		run_to_block(1 + 4 * EMERGENCY_DURATION);
		assert_noop!(
			ConsentPallet::open_emergency_access(
				RuntimeOrigin::signed(ER_DOCTOR),
				ALICE,
				reason(b"ER")
			),
			Error::<Test>::TooManyEmergencyAccesses
		);
	});
}

#[test]
fn full_listing_prunes_accesses_past_retention_so_emergencies_are_never_blocked() {
	new_test_ext_checked(|| {
		let old: Vec<_> = (0..4u64)
			.map(|i| {
				run_to_block(1 + i * EMERGENCY_DURATION);
				open(if i % 2 == 0 { ER_DOCTOR } else { PARAMEDIC }, ALICE)
			})
			.collect();
		// The first two are past expiry + retention at this block, the last two are not.
		run_to_block(1 + 2 * EMERGENCY_DURATION + RETENTION);
		let new_id = open(ER_DOCTOR, ALICE);
		let listed: Vec<_> = ConsentPallet::emergency_accesses_of_patient(ALICE)
			.into_iter()
			.map(|(id, _)| id)
			.collect();
		assert_eq!(listed, vec![old[2], old[3], new_id]);
		assert_eq!(EmergencyAccesses::<Test>::get(old[0]), None);
		assert_eq!(EmergencyAccesses::<Test>::get(old[1]), None);
		assert!(consent_events().contains(&Event::EmergencyAccessRemoved {
			access_id: old[0],
			patient: ALICE,
			actor: ER_DOCTOR,
		}));
		// The paramedic's pointer went with the pruned access; the doctor's points at the new.
		assert_eq!(LatestEmergencyAccess::<Test>::get(ALICE, PARAMEDIC), Some(old[3]));
		assert_eq!(LatestEmergencyAccess::<Test>::get(ALICE, ER_DOCTOR), Some(new_id));
	});
}

#[test]
fn open_refunds_weight_when_nothing_is_pruned() {
	new_test_ext_checked(|| {
		let post = ConsentPallet::open_emergency_access(
			RuntimeOrigin::signed(ER_DOCTOR),
			ALICE,
			reason(b"ER"),
		)
		.unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::open_emergency_access(0)));
	});
}

#[test]
fn break_glass_fails_once_ids_are_exhausted() {
	new_test_ext_checked(|| {
		NextEmergencyAccessId::<Test>::put(u64::MAX);
		assert_noop!(
			ConsentPallet::open_emergency_access(
				RuntimeOrigin::signed(ER_DOCTOR),
				ALICE,
				reason(b"ER")
			),
			Error::<Test>::EmergencyAccessIdsExhausted
		);
	});
}

#[test]
fn reviewer_records_the_outcome_once() {
	new_test_ext_checked(|| {
		let access_id = open(ER_DOCTOR, ALICE);
		run_to_block(9);
		assert_ok!(ConsentPallet::review_emergency_access(
			RuntimeOrigin::root(),
			access_id,
			ReviewOutcome::Unjustified
		));
		assert_eq!(
			EmergencyAccesses::<Test>::get(access_id).unwrap().review,
			Some(EmergencyReview { outcome: ReviewOutcome::Unjustified, reviewed_at: 9 })
		);
		assert_eq!(
			last_consent_event(),
			Event::EmergencyAccessReviewed {
				access_id,
				patient: ALICE,
				provider: ER_DOCTOR,
				outcome: ReviewOutcome::Unjustified,
			}
		);
		assert_noop!(
			ConsentPallet::review_emergency_access(
				RuntimeOrigin::root(),
				access_id,
				ReviewOutcome::Justified
			),
			Error::<Test>::AlreadyReviewed
		);
	});
}

#[test]
fn only_the_review_origin_may_review() {
	new_test_ext_checked(|| {
		let access_id = open(ER_DOCTOR, ALICE);
		for who in [ALICE, ER_DOCTOR] {
			assert_noop!(
				ConsentPallet::review_emergency_access(
					RuntimeOrigin::signed(who),
					access_id,
					ReviewOutcome::Justified
				),
				DispatchError::BadOrigin
			);
		}
	});
}

#[test]
fn reviewing_an_unknown_access_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::review_emergency_access(
				RuntimeOrigin::root(),
				3,
				ReviewOutcome::Justified
			),
			Error::<Test>::EmergencyAccessNotFound
		);
	});
}

#[test]
fn unreviewed_accesses_are_listed_for_review() {
	new_test_ext_checked(|| {
		let first = open(ER_DOCTOR, ALICE);
		let second = open(PARAMEDIC, BOB);
		let third = open(ER_DOCTOR, BOB);
		assert_ok!(ConsentPallet::review_emergency_access(
			RuntimeOrigin::root(),
			second,
			ReviewOutcome::Justified
		));
		let page = ConsentPallet::emergency_accesses_pending_review(None, 100);
		let mut pending: Vec<_> = page.items.into_iter().map(|(id, _)| id).collect();
		pending.sort();
		assert_eq!(pending, vec![first, third]);
		assert_eq!(page.next, None);

		// Paged one at a time, the pages together list the same.
		let mut seen = Vec::new();
		let mut cursor = None;
		loop {
			let page = ConsentPallet::emergency_accesses_pending_review(cursor, 1);
			seen.extend(page.items.into_iter().map(|(id, _)| id));
			match page.next {
				Some(next) => cursor = Some(next),
				None => break,
			}
		}
		seen.sort();
		assert_eq!(seen, vec![first, third]);
	});
}
