use super::admit_clinic;
use crate::{mock::*, Error, Event, Hospitals, Roles, ValidatorCount};
use frame_support::{assert_noop, assert_ok, traits::SortedMembers};
use sp_runtime::DispatchError;

#[test]
fn set_roles_replaces_the_roles() {
	run_test(|| {
		admit_clinic(Roles { custodian: true, ..Default::default() });
		let roles = Roles { attestor: true, validator: true, ..Default::default() };
		assert_ok!(Consortium::set_roles(RuntimeOrigin::root(), CLINIC, roles));
		assert_eq!(Hospitals::<Test>::get(CLINIC).unwrap().roles, roles);
		assert!(!crate::Custodians::<Test>::contains(&CLINIC));
		assert!(crate::Attestors::<Test>::contains(&attestor_of(CLINIC)));
		assert_eq!(ValidatorCount::<Test>::get(), 4);
		assert!(consortium_events().contains(&Event::RolesChanged { hospital: CLINIC, roles }));
	});
}

#[test]
fn keeping_the_validator_role_leaves_the_validator_set_alone() {
	run_test(|| {
		let roles = Roles { validator: true, ..Default::default() };
		assert_ok!(Consortium::set_roles(RuntimeOrigin::root(), GENERAL, roles));
		assert_eq!(ValidatorCount::<Test>::get(), 3);
	});
}

#[test]
fn set_roles_keeps_the_minimum_of_validators() {
	run_test(|| {
		assert_ok!(Consortium::set_roles(RuntimeOrigin::root(), UNIVERSITY, Roles::default()));
		assert_noop!(
			Consortium::set_roles(RuntimeOrigin::root(), GENERAL, Roles::default()),
			Error::<Test>::TooFewValidators
		);
	});
}

#[test]
fn set_roles_needs_a_member_and_the_membership_origin() {
	run_test(|| {
		assert_noop!(
			Consortium::set_roles(RuntimeOrigin::root(), OUTSIDER, Roles::ALL),
			Error::<Test>::NotMember
		);
		assert_noop!(
			Consortium::set_roles(RuntimeOrigin::signed(GENERAL), GENERAL, Roles::ALL),
			DispatchError::BadOrigin
		);
	});
}
