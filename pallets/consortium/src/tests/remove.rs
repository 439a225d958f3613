use super::admit_clinic;
use crate::{mock::*, AttestorOwner, Error, Event, Hospitals, Roles};
use frame_support::{assert_noop, assert_ok, traits::SortedMembers};
use sp_runtime::DispatchError;

#[test]
fn removal_takes_every_role_and_the_council_seat_at_once() {
	run_test(|| {
		assert_ok!(Consortium::remove_hospital(RuntimeOrigin::root(), UNIVERSITY));
		assert!(!Hospitals::<Test>::contains_key(UNIVERSITY));
		assert!(!AttestorOwner::<Test>::contains_key(attestor_of(UNIVERSITY)));
		assert_eq!(Council::members(), vec![ST_MARYS, GENERAL]);
		assert!(!crate::Custodians::<Test>::contains(&UNIVERSITY));
		assert!(!crate::Attestors::<Test>::contains(&attestor_of(UNIVERSITY)));
		assert!(!crate::CareProviders::<Test>::contains(&UNIVERSITY));
		assert!(consortium_events().contains(&Event::HospitalRemoved { hospital: UNIVERSITY }));
	});
}

#[test]
fn removal_gives_back_the_attestor_provider_reference() {
	run_test(|| {
		admit_clinic(Roles::ALL);
		assert!(frame_system::Pallet::<Test>::account_exists(&attestor_of(CLINIC)));
		assert_ok!(Consortium::remove_hospital(RuntimeOrigin::root(), CLINIC));
		assert!(!frame_system::Pallet::<Test>::account_exists(&attestor_of(CLINIC)));
	});
}

#[test]
fn the_minimum_of_validators_cannot_be_removed() {
	run_test(|| {
		assert_ok!(Consortium::remove_hospital(RuntimeOrigin::root(), UNIVERSITY));
		assert_noop!(
			Consortium::remove_hospital(RuntimeOrigin::root(), GENERAL),
			Error::<Test>::TooFewValidators
		);
		// A hospital that does not validate may still leave.
		admit_clinic(Roles { custodian: true, ..Default::default() });
		assert_ok!(Consortium::remove_hospital(RuntimeOrigin::root(), CLINIC));
	});
}

#[test]
fn removing_a_non_member_or_by_a_member_fails() {
	run_test(|| {
		assert_noop!(
			Consortium::remove_hospital(RuntimeOrigin::root(), OUTSIDER),
			Error::<Test>::NotMember
		);
		assert_noop!(
			Consortium::remove_hospital(RuntimeOrigin::signed(ST_MARYS), GENERAL),
			DispatchError::BadOrigin
		);
	});
}
