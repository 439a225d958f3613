use super::admit_clinic;
use crate::{mock::*, Error, Event, Roles, SessionLength};
use frame_support::{assert_noop, assert_ok};
use pallet_session::ShouldEndSession;
use sp_runtime::traits::Convert;

/// Sets the clinic's session keys as its node would.
fn set_clinic_keys() {
	assert_ok!(Session::set_keys(
		RuntimeOrigin::signed(CLINIC),
		MockSessionKeys::from(CLINIC),
		vec![]
	));
}

#[test]
fn an_admitted_validator_validates_within_two_sessions() {
	run_test(|| {
		admit_clinic(Roles::ALL);
		set_clinic_keys();
		let admitted_in = pallet_session::CurrentIndex::<Test>::get();
		run_to_session(admitted_in + 1);
		assert!(!session_validators().contains(&CLINIC), "queued for one session first");
		run_to_session(admitted_in + 2);
		assert_eq!(session_validators(), vec![ST_MARYS, GENERAL, UNIVERSITY, CLINIC]);
		assert!(consortium_events()
			.contains(&Event::ValidatorSetPlanned { session: admitted_in + 2, validators: 4 }));
	});
}

#[test]
fn a_removed_validator_stops_within_two_sessions() {
	run_test(|| {
		assert_ok!(Consortium::remove_hospital(RuntimeOrigin::root(), UNIVERSITY));
		let removed_in = pallet_session::CurrentIndex::<Test>::get();
		run_to_session(removed_in + 2);
		assert_eq!(session_validators(), vec![ST_MARYS, GENERAL]);
	});
}

#[test]
fn a_validator_that_sets_its_keys_late_joins_two_boundaries_later() {
	run_test(|| {
		admit_clinic(Roles::ALL);
		run_to_session(2);
		assert!(!session_validators().contains(&CLINIC), "no keys, no validating");
		set_clinic_keys();
		run_to_session(4);
		assert!(session_validators().contains(&CLINIC));
	});
}

#[test]
fn losing_the_validator_role_stops_validating_within_two_sessions() {
	run_test(|| {
		assert_ok!(Consortium::set_roles(RuntimeOrigin::root(), GENERAL, Roles::default()));
		let changed_in = pallet_session::CurrentIndex::<Test>::get();
		run_to_session(changed_in + 2);
		assert_eq!(session_validators(), vec![ST_MARYS, UNIVERSITY]);
	});
}

#[test]
fn a_new_session_length_moves_the_next_boundary() {
	run_test(|| {
		assert_ok!(Consortium::set_session_length(RuntimeOrigin::root(), 8));
		run_to_block(8);
		assert_eq!(pallet_session::CurrentIndex::<Test>::get(), 1);
		run_to_block(15);
		assert_eq!(pallet_session::CurrentIndex::<Test>::get(), 1);
		run_to_block(16);
		assert_eq!(pallet_session::CurrentIndex::<Test>::get(), 2);
	});
}

#[test]
fn an_unchanged_set_emits_no_planning_event() {
	run_test(|| {
		run_to_session(3);
		let planned = consortium_events()
			.into_iter()
			.filter(|e| matches!(e, Event::ValidatorSetPlanned { .. }))
			.count();
		assert_eq!(planned, 0);
		assert_eq!(session_validators(), vec![ST_MARYS, GENERAL, UNIVERSITY]);
	});
}

#[test]
fn non_members_and_non_validators_cannot_set_session_keys() {
	run_test(|| {
		assert_noop!(
			Session::set_keys(
				RuntimeOrigin::signed(OUTSIDER),
				MockSessionKeys::from(OUTSIDER),
				vec![]
			),
			pallet_session::Error::<Test>::NoAssociatedValidatorId
		);
		admit_clinic(Roles { custodian: true, ..Default::default() });
		assert_eq!(crate::ValidatorOf::<Test>::convert(CLINIC), None);
		assert_noop!(
			Session::set_keys(RuntimeOrigin::signed(CLINIC), MockSessionKeys::from(CLINIC), vec![]),
			pallet_session::Error::<Test>::NoAssociatedValidatorId
		);
	});
}

#[test]
fn setting_keys_holds_the_key_deposit() {
	run_test(|| {
		admit_clinic(Roles::ALL);
		set_clinic_keys();
		assert_eq!(Balances::reserved_balance(CLINIC), KEY_DEPOSIT);
	});
}

#[test]
fn sessions_end_at_multiples_of_the_session_length() {
	run_test(|| {
		assert!(Consortium::should_end_session(SESSION_LENGTH));
		assert!(!Consortium::should_end_session(SESSION_LENGTH + 1));
		assert_ok!(Consortium::set_session_length(RuntimeOrigin::root(), 7));
		assert_eq!(SessionLength::<Test>::get(), 7);
		assert!(Consortium::should_end_session(14));
		assert!(!Consortium::should_end_session(10));
		assert!(consortium_events().contains(&Event::SessionLengthSet { blocks: 7 }));
	});
}

#[test]
fn session_length_must_be_positive_and_set_by_the_membership_origin() {
	run_test(|| {
		assert_noop!(
			Consortium::set_session_length(RuntimeOrigin::root(), 0),
			Error::<Test>::ZeroSessionLength
		);
		assert_noop!(
			Consortium::set_session_length(RuntimeOrigin::signed(GENERAL), 9),
			sp_runtime::DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_next_rotation_is_estimated_from_the_session_length() {
	use frame_support::traits::EstimateNextSessionRotation;
	run_test(|| {
		assert_eq!(Consortium::estimate_next_session_rotation(3).0, Some(5));
		assert_eq!(Consortium::estimate_next_session_rotation(5).0, Some(10));
		assert_eq!(Consortium::average_session_length(), SESSION_LENGTH);
		let progress = Consortium::estimate_current_session_progress(4).0.unwrap();
		assert_eq!(progress, sp_runtime::Permill::from_percent(100));
	});
}

#[test]
fn a_validator_set_without_keys_is_planned_again_once_keys_return() {
	run_test(|| {
		use pallet_session::SessionManager;
		let founders = [ST_MARYS, GENERAL, UNIVERSITY];
		let keys: Vec<_> = founders.iter().map(pallet_session::NextKeys::<Test>::get).collect();
		// Every validator's keys are gone: nothing is planned and the last plan is forgotten.
		for founder in founders {
			pallet_session::NextKeys::<Test>::remove(founder);
		}
		assert_eq!(<Consortium as SessionManager<u64>>::new_session(50), None);
		assert!(crate::PlannedValidators::<Test>::get().is_empty());
		// One validator's keys return: it is planned, though it was in the last plan before.
		pallet_session::NextKeys::<Test>::insert(GENERAL, keys[1].clone().expect("genesis keys"));
		assert_eq!(<Consortium as SessionManager<u64>>::new_session(51), Some(vec![GENERAL]));
		assert_eq!(<Consortium as SessionManager<u64>>::new_session(52), None);
	});
}
