//! Cleanup by anyone after the retention period: `remove_consent`, `remove_delegation`,
//! `remove_emergency_access`.

use super::*;
use frame_support::{assert_noop, assert_ok, BoundedVec};
use sp_runtime::DispatchError;

#[test]
fn revoked_consent_is_removed_after_retention_and_the_deposit_returns_to_the_patient() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		run_to_block(10);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		run_to_block(10 + RETENTION);
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), consent_id));

		assert_eq!(Consents::<Test>::get(consent_id), None);
		assert!(!ConsentsByPair::<Test>::contains_key(ALICE, HOSPITAL));
		assert!(!ConsentsByPatient::<Test>::contains_key(ALICE));
		assert!(!ConsentsByGrantee::<Test>::contains_key(HOSPITAL, consent_id));
		assert_eq!(held(HoldReason::ConsentDeposit, ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		assert_eq!(Balances::free_balance(BOB), INITIAL_BALANCE);
		assert_eq!(
			last_consent_event(),
			Event::ConsentRemoved {
				consent_id,
				patient: ALICE,
				deposit: CONSENT_DEPOSIT,
				actor: BOB,
			}
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::NoConsent)
		);
	});
}

#[test]
fn expired_consent_is_removed_after_retention_and_leaves_the_counters() {
	new_test_ext_checked(|| {
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB, IMAGING]), None, Some(30)),
		);
		let kept = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_eq!(ConsentCountByPurpose::<Test>::get(Decision::Permit, Purpose::Treatment), 2);
		run_to_block(30 + RETENTION);
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(HOSPITAL), consent_id));
		assert_eq!(ConsentCountByPurpose::<Test>::get(Decision::Permit, Purpose::Treatment), 1);
		assert_eq!(ConsentCountByDataClass::<Test>::get(Decision::Permit, DataClass::Imaging), 0);
		assert_eq!(
			ConsentCountByDataClass::<Test>::get(Decision::Permit, DataClass::Laboratory),
			1
		);
		assert_eq!(ConsentsByPair::<Test>::get(ALICE, HOSPITAL).into_inner(), vec![kept]);
		assert_eq!(held(HoldReason::ConsentDeposit, ALICE), CONSENT_DEPOSIT);
	});
}

#[test]
fn consent_revoked_after_expiry_is_retained_from_its_expiry() {
	new_test_ext_checked(|| {
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(20)),
		);
		run_to_block(50);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		run_to_block(20 + RETENTION);
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), consent_id));
	});
}

#[test]
fn consent_still_in_force_cannot_be_removed() {
	new_test_ext_checked(|| {
		let open_ended = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		let bounded = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Research], &[LAB]), None, Some(5_000)),
		);
		let pending = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Payment], &[LAB]), Some(6_000), None),
		);
		run_to_block(4_999);
		for consent_id in [open_ended, bounded, pending] {
			assert_noop!(
				ConsentPallet::remove_consent(RuntimeOrigin::signed(ALICE), consent_id),
				Error::<Test>::ConsentStillInForce
			);
		}
	});
}

#[test]
fn removal_waits_for_the_retention_period() {
	new_test_ext_checked(|| {
		let revoked = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		let expiring = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Research], &[LAB]), None, Some(10)),
		);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), revoked));
		run_to_block(1 + RETENTION - 1);
		assert_noop!(
			ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), revoked),
			Error::<Test>::RetentionPeriodNotOver
		);
		run_to_block(10 + RETENTION - 1);
		assert_noop!(
			ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), expiring),
			Error::<Test>::RetentionPeriodNotOver
		);
		run_to_block(10 + RETENTION);
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), revoked));
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), expiring));
	});
}

#[test]
fn removing_an_unknown_consent_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), 7),
			Error::<Test>::ConsentNotFound
		);
		assert_noop!(
			ConsentPallet::remove_consent(RuntimeOrigin::none(), 7),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn removal_frees_room_under_the_pair_cap() {
	new_test_ext_checked(|| {
		let ids: Vec<_> =
			(0..8).map(|_| grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]))).collect();
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), ids[3]));
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				HOSPITAL,
				permit(&[Purpose::Treatment], &[LAB])
			),
			Error::<Test>::TooManyConsentsForPair
		);
		run_to_block(1 + RETENTION);
		assert_ok!(ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), ids[3]));
		let new_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		let mut expected = ids.clone();
		expected.remove(3);
		expected.push(new_id);
		assert_eq!(ConsentsByPair::<Test>::get(ALICE, HOSPITAL).into_inner(), expected);
	});
}

#[test]
fn remove_refunds_the_weight_of_a_small_consent() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		run_to_block(1 + RETENTION);
		let post = ConsentPallet::remove_consent(RuntimeOrigin::signed(BOB), consent_id).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::remove_consent(1, 1)));
	});
}

#[test]
fn expired_delegation_is_removed_by_anyone_after_retention() {
	new_test_ext_checked(|| {
		assert_ok!(ConsentPallet::appoint_delegate(
			RuntimeOrigin::signed(ALICE),
			CAROL,
			RepresentativeRole::Guardian,
			40
		));
		run_to_block(40 + RETENTION - 1);
		assert_noop!(
			ConsentPallet::remove_delegation(RuntimeOrigin::signed(BOB), ALICE, CAROL),
			Error::<Test>::RetentionPeriodNotOver
		);
		run_to_block(40 + RETENTION);
		assert_ok!(ConsentPallet::remove_delegation(RuntimeOrigin::signed(BOB), ALICE, CAROL));
		assert_eq!(Delegations::<Test>::get(ALICE, CAROL), None);
		assert_eq!(DelegateCount::<Test>::get(ALICE), 0);
		assert_eq!(held(HoldReason::DelegationDeposit, ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE);
		assert_eq!(
			last_consent_event(),
			Event::DelegationRemoved { patient: ALICE, delegate: CAROL, actor: BOB }
		);
	});
}

#[test]
fn removing_an_unknown_delegation_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::remove_delegation(RuntimeOrigin::signed(BOB), ALICE, CAROL),
			Error::<Test>::DelegationNotFound
		);
	});
}

#[test]
fn expired_emergency_access_is_removed_by_anyone_after_retention() {
	new_test_ext_checked(|| {
		assert_ok!(ConsentPallet::open_emergency_access(
			RuntimeOrigin::signed(ER_DOCTOR),
			ALICE,
			BoundedVec::truncate_from(b"ER".to_vec())
		));
		let expires_at = 1 + EMERGENCY_DURATION;
		run_to_block(expires_at + RETENTION - 1);
		assert_noop!(
			ConsentPallet::remove_emergency_access(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::RetentionPeriodNotOver
		);
		run_to_block(expires_at + RETENTION);
		assert_ok!(ConsentPallet::remove_emergency_access(RuntimeOrigin::signed(BOB), 0));
		assert_eq!(EmergencyAccesses::<Test>::get(0), None);
		assert!(!EmergencyAccessesByPatient::<Test>::contains_key(ALICE));
		assert_eq!(LatestEmergencyAccess::<Test>::get(ALICE, ER_DOCTOR), None);
		assert_eq!(
			last_consent_event(),
			Event::EmergencyAccessRemoved { access_id: 0, patient: ALICE, actor: BOB }
		);
	});
}

#[test]
fn removing_an_unknown_emergency_access_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::remove_emergency_access(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::EmergencyAccessNotFound
		);
	});
}
