use crate::{mock::*, AttestorOwner, Error, Event, Hospitals, Roles};
use frame_support::{assert_noop, assert_ok, traits::SortedMembers};

#[test]
fn a_hospital_rotates_its_attestor_account() {
	run_test(|| {
		assert_ok!(Consortium::set_attestor(RuntimeOrigin::signed(GENERAL), 500));
		assert_eq!(Hospitals::<Test>::get(GENERAL).unwrap().attestor, 500);
		assert_eq!(AttestorOwner::<Test>::get(500), Some(GENERAL));
		assert!(!AttestorOwner::<Test>::contains_key(attestor_of(GENERAL)));
		assert!(crate::Attestors::<Test>::contains(&500));
		assert!(!crate::Attestors::<Test>::contains(&attestor_of(GENERAL)));
		assert!(frame_system::Pallet::<Test>::account_exists(&500));
		assert!(!frame_system::Pallet::<Test>::account_exists(&attestor_of(GENERAL)));
		assert!(consortium_events().contains(&Event::AttestorChanged {
			hospital: GENERAL,
			old: attestor_of(GENERAL),
			new: 500
		}));
	});
}

#[test]
fn attestor_rotation_refuses_taken_same_and_non_member() {
	run_test(|| {
		assert_noop!(
			Consortium::set_attestor(RuntimeOrigin::signed(GENERAL), attestor_of(GENERAL)),
			Error::<Test>::SameAttestor
		);
		assert_noop!(
			Consortium::set_attestor(RuntimeOrigin::signed(GENERAL), attestor_of(ST_MARYS)),
			Error::<Test>::AttestorInUse
		);
		assert_noop!(
			Consortium::set_attestor(RuntimeOrigin::signed(GENERAL), ST_MARYS),
			Error::<Test>::AttestorInUse
		);
		assert_noop!(
			Consortium::set_attestor(RuntimeOrigin::signed(OUTSIDER), 500),
			Error::<Test>::NotMember
		);
	});
}

#[test]
fn a_hospital_may_not_attest_with_its_own_governance_account() {
	run_test(|| {
		assert_noop!(
			Consortium::set_attestor(RuntimeOrigin::signed(GENERAL), GENERAL),
			Error::<Test>::AttestorIsGovernanceAccount
		);
		assert_noop!(
			Consortium::admit_hospital(
				RuntimeOrigin::root(),
				CLINIC,
				b"Clinic".to_vec(),
				CLINIC,
				Roles::ALL
			),
			Error::<Test>::AttestorIsGovernanceAccount
		);
	});
}
