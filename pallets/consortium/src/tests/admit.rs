use super::admit_clinic;
use crate::{mock::*, Error, Event, Hospitals, Roles};
use frame_support::{assert_noop, traits::SortedMembers};
use sp_runtime::DispatchError;

#[test]
fn admission_gives_every_asked_role_and_a_council_seat_in_one_call() {
	run_test(|| {
		admit_clinic(Roles::ALL);
		let entry = Hospitals::<Test>::get(CLINIC).unwrap();
		assert_eq!(entry.admitted_at, 1);
		assert_eq!(Council::members(), vec![ST_MARYS, GENERAL, UNIVERSITY, CLINIC]);
		assert!(crate::Custodians::<Test>::contains(&CLINIC));
		assert!(crate::Attestors::<Test>::contains(&attestor_of(CLINIC)));
		assert!(crate::CareProviders::<Test>::contains(&CLINIC));
		assert_eq!(crate::ValidatorOf::<Test>::convert(CLINIC), Some(CLINIC));
		assert!(consortium_events().contains(&Event::HospitalAdmitted {
			hospital: CLINIC,
			attestor: attestor_of(CLINIC),
			roles: Roles::ALL,
		}));
	});
}

use sp_runtime::traits::Convert;

#[test]
fn admission_gives_only_the_asked_roles() {
	run_test(|| {
		admit_clinic(Roles { custodian: true, ..Default::default() });
		assert!(crate::Custodians::<Test>::contains(&CLINIC));
		assert!(!crate::Attestors::<Test>::contains(&attestor_of(CLINIC)));
		assert!(!crate::CareProviders::<Test>::contains(&CLINIC));
		assert_eq!(crate::ValidatorOf::<Test>::convert(CLINIC), None);
		// A council seat comes with membership, whatever the roles.
		assert!(Council::members().contains(&CLINIC));
	});
}

#[test]
fn only_the_membership_origin_admits() {
	run_test(|| {
		assert_noop!(
			Consortium::admit_hospital(
				RuntimeOrigin::signed(ST_MARYS),
				CLINIC,
				b"Clinic".to_vec(),
				attestor_of(CLINIC),
				Roles::ALL
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn bad_admissions_fail_with_named_errors_and_change_nothing() {
	run_test(|| {
		let admit = |hospital, name: &[u8], attestor| {
			Consortium::admit_hospital(
				RuntimeOrigin::root(),
				hospital,
				name.to_vec(),
				attestor,
				Roles::ALL,
			)
		};
		assert_noop!(admit(GENERAL, b"Again", 300), Error::<Test>::AlreadyMember);
		assert_noop!(admit(CLINIC, b"", 300), Error::<Test>::EmptyName);
		assert_noop!(
			admit(CLINIC, &[b'x'; MAX_NAME_LEN as usize + 1], 300),
			Error::<Test>::NameTooLong
		);
		assert_noop!(admit(CLINIC, b"Clinic", attestor_of(GENERAL)), Error::<Test>::AttestorInUse);
		assert_noop!(admit(CLINIC, b"Clinic", GENERAL), Error::<Test>::AttestorInUse);
		assert_noop!(
			admit(attestor_of(GENERAL), b"Clinic", 300),
			Error::<Test>::AccountIsAnAttestor
		);
	});
}

#[test]
fn admission_beyond_max_hospitals_is_refused() {
	run_test(|| {
		for i in 0..(MAX_HOSPITALS - 3) as u64 {
			frame_support::assert_ok!(Consortium::admit_hospital(
				RuntimeOrigin::root(),
				200 + i,
				b"H".to_vec(),
				300 + i,
				Roles::default()
			));
		}
		assert_noop!(
			Consortium::admit_hospital(
				RuntimeOrigin::root(),
				250,
				b"H".to_vec(),
				350,
				Roles::default()
			),
			Error::<Test>::TooManyHospitals
		);
	});
}
