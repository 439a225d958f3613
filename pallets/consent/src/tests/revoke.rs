//! `revoke_consent` by the patient.

use super::*;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};
use healthchain_primitives::{testing::MockHooks, OnConsentChange};
use sp_runtime::DispatchError;

#[test]
fn revoked_consent_blocks_new_requests_in_the_same_block() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(consent_id));
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::Revoked(consent_id))
		);
	});
}

#[test]
fn revocation_records_who_and_when_and_emits_an_event() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		run_to_block(12);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		let consent = Consents::<Test>::get(consent_id).unwrap();
		assert_eq!(consent.revoked, Some(Revocation { by: ALICE, at: 12 }));
		assert_eq!(consent.status_at(12), ConsentStatus::Revoked);
		assert_eq!(
			last_consent_event(),
			Event::ConsentRevoked { consent_id, patient: ALICE, grantee: HOSPITAL, actor: ALICE }
		);
	});
}

#[test]
fn revocation_updates_the_counters_but_keeps_the_deposit_until_removal() {
	new_test_ext_checked(|| {
		let consent_id =
			grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment, Purpose::Research], &[LAB]));
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		assert_eq!(ConsentCountByPurpose::<Test>::get(Decision::Permit, Purpose::Treatment), 0);
		assert_eq!(ConsentCountByPurpose::<Test>::get(Decision::Permit, Purpose::Research), 0);
		assert_eq!(
			ConsentCountByDataClass::<Test>::get(Decision::Permit, DataClass::Laboratory),
			0
		);
		assert_eq!(ConsentPallet::consent_counts(), ConsentCounts::default());
		assert_eq!(held(HoldReason::ConsentDeposit, ALICE), CONSENT_DEPOSIT);
		// Still indexed, so checks can say why they fail.
		assert!(ConsentsByPair::<Test>::get(ALICE, HOSPITAL).contains(&consent_id));
	});
}

#[test]
fn revoking_a_deny_restores_the_permits_it_overrode() {
	new_test_ext_checked(|| {
		let permit_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Research], &[ALL_DATA]));
		let deny_id = grant(ALICE, HOSPITAL, deny(&[Purpose::Research], &[GENOMICS]));
		let genomics = DataTarget::class(DataClass::Genomics);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Research, genomics),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), deny_id));
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Research, genomics), Ok(permit_id));
	});
}

#[test]
fn revoking_an_unknown_consent_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), 42),
			Error::<Test>::ConsentNotFound
		);
	});
}

#[test]
fn revoking_twice_fails() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		assert_noop!(
			ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id),
			Error::<Test>::AlreadyRevoked
		);
	});
}

#[test]
fn grantee_and_strangers_cannot_revoke() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		for who in [HOSPITAL, BOB] {
			assert_noop!(
				ConsentPallet::revoke_consent(RuntimeOrigin::signed(who), consent_id),
				Error::<Test>::NotPatientOrDelegate
			);
		}
		assert_noop!(
			ConsentPallet::revoke_consent(RuntimeOrigin::root(), consent_id),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn an_expired_consent_can_still_be_revoked() {
	new_test_ext_checked(|| {
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(5)),
		);
		run_to_block(9);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id));
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::Revoked(consent_id))
		);
	});
}

#[test]
fn revoke_refunds_the_weight_of_a_small_consent() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		let call = crate::Call::<Test>::revoke_consent { consent_id };
		let charged = call.get_dispatch_info().call_weight;
		// The weight of the cancelling hook is charged on top: at its bound, then what it used.
		let hook = <MockHooks as OnConsentChange<u64>>::max_weight();
		assert_eq!(charged, <() as WeightInfo>::revoke_consent(6, 8).saturating_add(hook));
		let post = ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id).unwrap();
		assert_eq!(
			post.actual_weight,
			Some(<() as WeightInfo>::revoke_consent(1, 1).saturating_add(MockHooks::WEIGHT))
		);
		assert!(post.actual_weight.unwrap().all_lt(charged));
	});
}
