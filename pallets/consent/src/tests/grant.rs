//! `grant_consent` by the patient.

use super::*;
use frame_support::{assert_noop, assert_ok, BoundedVec};
use healthchain_primitives::{testing::MockHooks, OnConsentChange};
use sp_runtime::DispatchError;

#[test]
fn patient_grants_permit_recorded_with_indexes_counters_and_deposit() {
	new_test_ext_checked(|| {
		run_to_block(7);
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			permit(&[Purpose::Treatment, Purpose::AiAssistedDiagnosis], &[LAB]),
		);
		assert_eq!(consent_id, 0);
		assert_eq!(NextConsentId::<Test>::get(), 1);

		let consent = Consents::<Test>::get(consent_id).unwrap();
		assert_eq!(consent.patient, ALICE);
		assert_eq!(consent.grantee, HOSPITAL);
		assert_eq!(consent.decision, Decision::Permit);
		assert_eq!(consent.granted_by, ALICE);
		assert_eq!(consent.granted_at, 7);
		assert_eq!(consent.valid_from, 7);
		assert_eq!(consent.valid_until, None);
		assert_eq!(consent.revoked, None);
		assert_eq!(consent.deposit, CONSENT_DEPOSIT);

		assert_eq!(ConsentsByPair::<Test>::get(ALICE, HOSPITAL).into_inner(), vec![consent_id]);
		assert_eq!(ConsentsByPatient::<Test>::get(ALICE).into_inner(), vec![consent_id]);
		assert!(ConsentsByGrantee::<Test>::contains_key(HOSPITAL, consent_id));
		assert_eq!(ConsentCountByPurpose::<Test>::get(Decision::Permit, Purpose::Treatment), 1);
		assert_eq!(
			ConsentCountByPurpose::<Test>::get(Decision::Permit, Purpose::AiAssistedDiagnosis),
			1
		);
		assert_eq!(
			ConsentCountByDataClass::<Test>::get(Decision::Permit, DataClass::Laboratory),
			1
		);
		assert_eq!(held(HoldReason::ConsentDeposit, ALICE), CONSENT_DEPOSIT);
		assert_eq!(
			last_consent_event(),
			Event::ConsentGranted {
				consent_id,
				patient: ALICE,
				grantee: HOSPITAL,
				decision: Decision::Permit,
				actor: ALICE,
			}
		);
	});
}

#[test]
fn granted_permit_is_effective_in_the_same_block() {
	new_test_ext_checked(|| {
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::NoConsent)
		);
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(consent_id));
	});
}

#[test]
fn purposes_and_data_are_stored_as_sorted_sets() {
	new_test_ext_checked(|| {
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			permit(
				&[Purpose::AiAssistedDiagnosis, Purpose::Treatment],
				&[DataScope::Record(9), GENOMICS, LAB],
			),
		);
		let consent = Consents::<Test>::get(consent_id).unwrap();
		assert_eq!(
			consent.purposes.into_inner(),
			vec![Purpose::Treatment, Purpose::AiAssistedDiagnosis]
		);
		assert_eq!(consent.data.into_inner(), vec![LAB, GENOMICS, DataScope::Record(9)]);
	});
}

#[test]
fn policy_reference_is_stored() {
	new_test_ext_checked(|| {
		let mut provision = permit(&[Purpose::Treatment], &[LAB]);
		provision.policy = Some(BoundedVec::truncate_from(b"ipfs://bafy-consent".to_vec()));
		let consent_id = grant(ALICE, HOSPITAL, provision);
		assert_eq!(
			Consents::<Test>::get(consent_id).unwrap().policy.unwrap().into_inner(),
			b"ipfs://bafy-consent".to_vec()
		);
	});
}

#[test]
fn past_start_is_moved_to_the_current_block() {
	new_test_ext_checked(|| {
		run_to_block(50);
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), Some(3), None),
		);
		assert_eq!(Consents::<Test>::get(consent_id).unwrap().valid_from, 50);
	});
}

#[test]
fn future_start_makes_the_consent_not_yet_valid_until_then() {
	new_test_ext_checked(|| {
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), Some(10), Some(20)),
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::NotYetValid(consent_id))
		);
		run_to_block(10);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(consent_id));
		run_to_block(19);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(consent_id));
		run_to_block(20);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::Expired(consent_id))
		);
	});
}

#[test]
fn grant_requires_a_signed_origin() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::none(),
				Some(ALICE),
				HOSPITAL,
				permit(&[Purpose::Treatment], &[LAB])
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn grant_without_purpose_is_rejected() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				HOSPITAL,
				permit(&[], &[LAB])
			),
			Error::<Test>::NoPurpose
		);
	});
}

#[test]
fn grant_with_a_repeated_purpose_is_rejected() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				HOSPITAL,
				permit(&[Purpose::Research, Purpose::Treatment, Purpose::Research], &[LAB])
			),
			Error::<Test>::DuplicatePurpose
		);
	});
}

#[test]
fn grant_without_data_is_rejected() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				HOSPITAL,
				permit(&[Purpose::Treatment], &[])
			),
			Error::<Test>::NoDataScope
		);
	});
}

#[test]
fn grant_with_repeated_data_is_rejected() {
	new_test_ext_checked(|| {
		for data in [[LAB, IMAGING, LAB], [DataScope::Record(4), LAB, DataScope::Record(4)]] {
			assert_noop!(
				ConsentPallet::grant_consent(
					RuntimeOrigin::signed(ALICE),
					None,
					HOSPITAL,
					permit(&[Purpose::Treatment], &data)
				),
				Error::<Test>::DuplicateDataScope
			);
		}
	});
}

#[test]
fn grant_with_an_empty_policy_reference_is_rejected() {
	new_test_ext_checked(|| {
		let mut provision = permit(&[Purpose::Treatment], &[LAB]);
		provision.policy = Some(BoundedVec::new());
		assert_noop!(
			ConsentPallet::grant_consent(RuntimeOrigin::signed(ALICE), None, HOSPITAL, provision),
			Error::<Test>::EmptyPolicyReference
		);
	});
}

#[test]
fn grant_whose_period_is_empty_is_rejected() {
	new_test_ext_checked(|| {
		run_to_block(10);
		for (from, until) in
			[(Some(30), Some(30)), (Some(30), Some(20)), (None, Some(10)), (None, Some(5))]
		{
			assert_noop!(
				ConsentPallet::grant_consent(
					RuntimeOrigin::signed(ALICE),
					None,
					HOSPITAL,
					with_period(permit(&[Purpose::Treatment], &[LAB]), from, until)
				),
				Error::<Test>::EmptyPeriod
			);
		}
	});
}

#[test]
fn patient_cannot_grant_to_themselves() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				ALICE,
				permit(&[Purpose::Treatment], &[LAB])
			),
			Error::<Test>::CannotGrantToSelf
		);
	});
}

#[test]
fn consents_per_pair_are_capped() {
	new_test_ext_checked(|| {
		for _ in 0..8 {
			grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		}
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				HOSPITAL,
				permit(&[Purpose::Treatment], &[LAB])
			),
			Error::<Test>::TooManyConsentsForPair
		);
		// Another grantee still works.
		grant(ALICE, RESEARCH_ORG, permit(&[Purpose::Research], &[LAB]));
	});
}

#[test]
fn consents_per_patient_are_capped() {
	new_test_ext_checked(|| {
		for _ in 0..8 {
			grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
			grant(ALICE, RESEARCH_ORG, permit(&[Purpose::Research], &[LAB]));
		}
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				ER_DOCTOR,
				permit(&[Purpose::Treatment], &[LAB])
			),
			Error::<Test>::TooManyConsentsForPatient
		);
	});
}

#[test]
fn grant_without_funds_for_the_deposit_is_rejected() {
	new_test_ext_checked(|| {
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(DAVE),
				None,
				HOSPITAL,
				permit(&[Purpose::Treatment], &[LAB])
			),
			Error::<Test>::InsufficientBalanceForDeposit
		);
	});
}

#[test]
fn grant_fails_once_consent_ids_are_exhausted() {
	new_test_ext_checked(|| {
		NextConsentId::<Test>::put(u64::MAX);
		assert_noop!(
			ConsentPallet::grant_consent(
				RuntimeOrigin::signed(ALICE),
				None,
				HOSPITAL,
				permit(&[Purpose::Treatment], &[LAB])
			),
			Error::<Test>::ConsentIdsExhausted
		);
	});
}

#[test]
fn deposit_is_held_per_consent() {
	new_test_ext_checked(|| {
		grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		grant(ALICE, RESEARCH_ORG, deny(&[Purpose::Research], &[ALL_DATA]));
		assert_eq!(held(HoldReason::ConsentDeposit, ALICE), 2 * CONSENT_DEPOSIT);
		assert_eq!(Balances::free_balance(ALICE), INITIAL_BALANCE - 2 * CONSENT_DEPOSIT);
	});
}

#[test]
fn grant_weight_grows_with_purposes_and_data() {
	use frame_support::dispatch::GetDispatchInfo;
	let small = crate::Call::<Test>::grant_consent {
		on_behalf_of: None,
		grantee: HOSPITAL,
		provision: permit(&[Purpose::Treatment], &[LAB]),
	}
	.get_dispatch_info()
	.call_weight;
	let large = crate::Call::<Test>::grant_consent {
		on_behalf_of: None,
		grantee: HOSPITAL,
		provision: permit(&[Purpose::Treatment, Purpose::Research], &[LAB, IMAGING]),
	}
	.get_dispatch_info()
	.call_weight;
	assert!(large.all_gt(small));
	// The weight of the cancelling hook is charged on top, at its bound.
	let hook = <MockHooks as OnConsentChange<u64>>::max_weight();
	assert_eq!(small, <() as WeightInfo>::grant_consent(1, 1).saturating_add(hook));
}

#[test]
fn patients_grant_independently_of_each_other() {
	new_test_ext_checked(|| {
		grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_ok!(ConsentPallet::grant_consent(
			RuntimeOrigin::signed(BOB),
			None,
			HOSPITAL,
			permit(&[Purpose::Payment], &[ALL_DATA])
		));
		assert_eq!(check(BOB, HOSPITAL, Purpose::Payment, lab_data()), Ok(1));
		assert_eq!(
			check(BOB, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::PurposeNotCovered)
		);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(0));
		assert_eq!(ConsentCountByDataClass::<Test>::get(Decision::Permit, DataClass::All), 1);
	});
}
