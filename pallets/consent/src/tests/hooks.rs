//! The hook through which the consent pallet tells the attestation pallet that a permission
//! may have been withdrawn: called by a revoked permit and a granted deny, by nothing else.

use super::*;
use codec::Encode;
use frame_support::assert_noop;
use healthchain_primitives::testing::{HookCall, MockHooks};

fn narrowed(patient: u64, grantee: u64, by: u64) -> HookCall {
	HookCall::PermissionNarrowed {
		patient: patient.encode(),
		grantee: grantee.encode(),
		by: by.encode(),
	}
}

#[test]
fn revoking_a_permit_tells_the_hook_and_charges_it() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::AiAssistedDiagnosis], &[LAB]));
		assert!(MockHooks::calls().is_empty(), "a new permit narrows nothing");
		let revoked = ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), consent_id)
			.expect("revoked");
		assert_eq!(MockHooks::calls(), vec![narrowed(ALICE, HOSPITAL, ALICE)]);
		assert_eq!(
			revoked.actual_weight,
			Some(<() as WeightInfo>::revoke_consent(1, 1).saturating_add(MockHooks::WEIGHT))
		);
	});
}

#[test]
fn granting_a_deny_tells_the_hook_and_revoking_it_does_not() {
	new_test_ext_checked(|| {
		let deny_id = grant(ALICE, HOSPITAL, deny(&[Purpose::AiAssistedDiagnosis], &[LAB]));
		assert_eq!(MockHooks::calls(), vec![narrowed(ALICE, HOSPITAL, ALICE)]);
		MockHooks::reset();
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), deny_id));
		assert!(MockHooks::calls().is_empty(), "lifting a deny withdraws nothing");
	});
}

#[test]
fn a_delegate_revoking_is_named_and_a_refused_revocation_tells_nobody() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::AiAssistedDiagnosis], &[LAB]));
		assert_noop!(
			ConsentPallet::revoke_consent(RuntimeOrigin::signed(BOB), consent_id),
			Error::<Test>::NotPatientOrDelegate
		);
		assert!(MockHooks::calls().is_empty());
		assert_ok!(ConsentPallet::appoint_delegate(
			RuntimeOrigin::signed(ALICE),
			CAROL,
			RepresentativeRole::Guardian,
			100
		));
		assert_ok!(ConsentPallet::revoke_consent(RuntimeOrigin::signed(CAROL), consent_id));
		assert_eq!(MockHooks::calls(), vec![narrowed(ALICE, HOSPITAL, CAROL)]);
	});
}
