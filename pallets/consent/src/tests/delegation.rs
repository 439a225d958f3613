//! Delegation: `appoint_delegate`, `withdraw_delegation`, and a delegate granting and revoking.

use super::*;
use frame_support::{assert_noop, assert_ok};

/// Alice appoints Carol as her guardian until `expires_at`.
fn appoint_carol(expires_at: u64) {
	assert_ok!(ConsentPallet::appoint_delegate(
		RuntimeOrigin::signed(ALICE),
		CAROL,
		RepresentativeRole::Guardian,
		expires_at
	));
}

/// Carol grants `provision` to `grantee` on Alice's behalf.
fn carol_grants(
	grantee: u64,
	provision: ProvisionOf<Test>,
) -> Result<ConsentId, sp_runtime::DispatchError> {
	let consent_id = NextConsentId::<Test>::get();
	ConsentPallet::grant_consent(RuntimeOrigin::signed(CAROL), Some(ALICE), grantee, provision)
		.map(|_| consent_id)
		.map_err(|e| e.error)
}

#[test]
fn patient_appoints_a_delegate_with_a_deposit() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		assert_eq!(
			Delegations::<Test>::get(ALICE, CAROL),
			Some(Delegation {
				role: RepresentativeRole::Guardian,
				appointed_at: 1,
				expires_at: 500,
				deposit: DELEGATION_DEPOSIT,
			})
		);
		assert_eq!(DelegateCount::<Test>::get(ALICE), 1);
		assert_eq!(held(HoldReason::DelegationDeposit, ALICE), DELEGATION_DEPOSIT);
		assert_eq!(
			last_consent_event(),
			Event::DelegateAppointed {
				patient: ALICE,
				delegate: CAROL,
				role: RepresentativeRole::Guardian,
				expires_at: 500,
			}
		);
	});
}

#[test]
fn reappointing_renews_without_a_second_deposit() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		run_to_block(40);
		assert_ok!(ConsentPallet::appoint_delegate(
			RuntimeOrigin::signed(ALICE),
			CAROL,
			RepresentativeRole::LegalProxy,
			900
		));
		let delegation = Delegations::<Test>::get(ALICE, CAROL).unwrap();
		assert_eq!(delegation.role, RepresentativeRole::LegalProxy);
		assert_eq!(delegation.appointed_at, 40);
		assert_eq!(delegation.expires_at, 900);
		assert_eq!(DelegateCount::<Test>::get(ALICE), 1);
		assert_eq!(held(HoldReason::DelegationDeposit, ALICE), DELEGATION_DEPOSIT);
	});
}

#[test]
fn patient_cannot_appoint_themselves() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::appoint_delegate(
				RuntimeOrigin::signed(ALICE),
				ALICE,
				RepresentativeRole::Other,
				500
			),
			Error::<Test>::CannotDelegateToSelf
		);
	});
}

#[test]
fn delegation_expiry_must_be_in_the_future() {
	new_test_ext_checked(|| {
		run_to_block(10);
		for expires_at in [0, 9, 10] {
			assert_noop!(
				ConsentPallet::appoint_delegate(
					RuntimeOrigin::signed(ALICE),
					CAROL,
					RepresentativeRole::Guardian,
					expires_at
				),
				Error::<Test>::ExpiryNotInFuture
			);
		}
	});
}

#[test]
fn delegates_per_patient_are_capped() {
	new_test_ext_checked(|| {
		for delegate in [CAROL, BOB, HOSPITAL] {
			assert_ok!(ConsentPallet::appoint_delegate(
				RuntimeOrigin::signed(ALICE),
				delegate,
				RepresentativeRole::Other,
				500
			));
		}
		assert_noop!(
			ConsentPallet::appoint_delegate(
				RuntimeOrigin::signed(ALICE),
				RESEARCH_ORG,
				RepresentativeRole::Other,
				500
			),
			Error::<Test>::TooManyDelegates
		);
	});
}

#[test]
fn appointing_without_funds_for_the_deposit_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::appoint_delegate(
				RuntimeOrigin::signed(DAVE),
				CAROL,
				RepresentativeRole::Guardian,
				500
			),
			Error::<Test>::InsufficientBalanceForDeposit
		);
	});
}

#[test]
fn delegate_grants_on_behalf_and_the_record_says_who_acted() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		let consent_id = carol_grants(
			HOSPITAL,
			with_period(permit(&[Purpose::Operations], &[ALL_DATA]), None, Some(400)),
		)
		.unwrap();
		let consent = Consents::<Test>::get(consent_id).unwrap();
		assert_eq!(consent.patient, ALICE);
		assert_eq!(consent.granted_by, CAROL);
		assert_eq!(
			last_consent_event(),
			Event::ConsentGranted {
				consent_id,
				patient: ALICE,
				grantee: HOSPITAL,
				decision: Decision::Permit,
				actor: CAROL,
			}
		);
		// The deposit is the patient's, not the delegate's.
		assert_eq!(held(HoldReason::ConsentDeposit, ALICE), CONSENT_DEPOSIT);
		assert_eq!(held(HoldReason::ConsentDeposit, CAROL), 0);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Operations, lab_data()), Ok(consent_id));
	});
}

#[test]
fn patient_naming_themselves_as_on_behalf_of_acts_as_patient() {
	new_test_ext_checked(|| {
		assert_ok!(ConsentPallet::grant_consent(
			RuntimeOrigin::signed(ALICE),
			Some(ALICE),
			HOSPITAL,
			permit(&[Purpose::Treatment], &[LAB])
		));
		assert_eq!(Consents::<Test>::get(0).unwrap().granted_by, ALICE);
	});
}

#[test]
fn delegate_consent_cannot_outlive_the_delegation() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		for until in [None, Some(501), Some(10_000)] {
			assert_noop!(
				ConsentPallet::grant_consent(
					RuntimeOrigin::signed(CAROL),
					Some(ALICE),
					HOSPITAL,
					with_period(permit(&[Purpose::Treatment], &[LAB]), None, until)
				),
				Error::<Test>::ConsentOutlivesDelegation
			);
		}
		// Denies are bounded the same way.
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(CAROL),
				Some(ALICE),
				RESEARCH_ORG,
				deny(&[Purpose::Research], &[ALL_DATA])
			),
			Error::<Test>::ConsentOutlivesDelegation
		);
		// Ending exactly with the delegation is fine.
		let consent_id = carol_grants(
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(500)),
		)
		.unwrap();
		run_to_block(500);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::Expired(consent_id))
		);
	});
}

#[test]
fn delegate_cannot_permit_themselves() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(CAROL),
				Some(ALICE),
				CAROL,
				with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(100))
			),
			Error::<Test>::DelegateCannotPermitSelf
		);
		// Denying themselves is harmless.
		assert!(carol_grants(
			CAROL,
			with_period(deny(&[Purpose::Research], &[LAB]), None, Some(100))
		)
		.is_ok());
	});
}

#[test]
fn delegate_cannot_grant_what_the_patient_could_not() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(CAROL),
				Some(ALICE),
				ALICE,
				with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(100))
			),
			Error::<Test>::CannotGrantToSelf
		);
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(CAROL),
				Some(ALICE),
				HOSPITAL,
				with_period(permit(&[], &[LAB]), None, Some(100))
			),
			Error::<Test>::NoPurpose
		);
		for _ in 0..8 {
			carol_grants(
				HOSPITAL,
				with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(100)),
			)
			.unwrap();
		}
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(CAROL),
				Some(ALICE),
				HOSPITAL,
				with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(100))
			),
			Error::<Test>::TooManyConsentsForPair
		);
	});
}

#[test]
fn stranger_cannot_grant_on_behalf_of_a_patient() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(BOB),
				Some(ALICE),
				HOSPITAL,
				with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(100))
			),
			Error::<Test>::NotPatientOrDelegate
		);
	});
}

#[test]
fn expired_delegate_can_neither_grant_nor_revoke() {
	new_test_ext_checked(|| {
		appoint_carol(50);
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		run_to_block(50);
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(CAROL),
				Some(ALICE),
				HOSPITAL,
				with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(50))
			),
			Error::<Test>::DelegationExpired
		);
		assert_noop!(
			ConsentPallet::revoke_consent(RuntimeOrigin::signed(CAROL), consent_id),
			Error::<Test>::DelegationExpired
		);
	});
}

#[test]
fn delegate_revokes_on_behalf_and_the_record_says_who_acted() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		run_to_block(30);
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(CAROL), consent_id));
		assert_eq!(
			Consents::<Test>::get(consent_id).unwrap().revoked,
			Some(Revocation { by: CAROL, at: 30 })
		);
		assert_eq!(
			last_consent_event(),
			Event::ConsentRevoked { consent_id, patient: ALICE, grantee: HOSPITAL, actor: CAROL }
		);
	});
}

#[test]
fn delegate_of_one_patient_cannot_revoke_another_patients_consent() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		let consent_id = grant(BOB, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_noop!(
			ConsentPallet::revoke_consent(RuntimeOrigin::signed(CAROL), consent_id),
			Error::<Test>::NotPatientOrDelegate
		);
	});
}

#[test]
fn withdrawn_delegate_can_no_longer_act() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		let consent_id = carol_grants(
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(400)),
		)
		.unwrap();
		assert_ok!(ConsentPallet::withdraw_delegation(RuntimeOrigin::signed(ALICE), CAROL));
		assert_eq!(Delegations::<Test>::get(ALICE, CAROL), None);
		assert_eq!(DelegateCount::<Test>::get(ALICE), 0);
		assert_eq!(held(HoldReason::DelegationDeposit, ALICE), 0);
		assert_eq!(
			last_consent_event(),
			Event::DelegationWithdrawn { patient: ALICE, delegate: CAROL }
		);
		assert_noop!(
			ConsentPallet::revoke_consent(RuntimeOrigin::signed(CAROL), consent_id),
			Error::<Test>::NotPatientOrDelegate
		);
		// What Carol granted remains Alice's consent.
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(consent_id));
	});
}

#[test]
fn withdrawing_an_unknown_delegation_fails() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::withdraw_delegation(RuntimeOrigin::signed(ALICE), CAROL),
			Error::<Test>::DelegationNotFound
		);
		// Only the patient can withdraw: Carol has no delegation *from herself* to Alice.
		appoint_carol(500);
		assert_noop!(
			ConsentPallet::withdraw_delegation(RuntimeOrigin::signed(CAROL), ALICE),
			Error::<Test>::DelegationNotFound
		);
	});
}

#[test]
fn delegations_are_listed_for_the_patient() {
	new_test_ext_checked(|| {
		appoint_carol(500);
		assert_ok!(ConsentPallet::appoint_delegate(
			RuntimeOrigin::signed(ALICE),
			BOB,
			RepresentativeRole::LegalProxy,
			800
		));
		let mut delegates: Vec<_> =
			ConsentPallet::delegations_of_patient(ALICE).into_iter().map(|(d, _)| d).collect();
		delegates.sort();
		assert_eq!(delegates, vec![BOB, CAROL]);
		assert!(ConsentPallet::delegations_of_patient(BOB).is_empty());
	});
}
