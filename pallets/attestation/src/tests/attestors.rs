//! `add_attestor`, `remove_attestor`.

use super::*;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn governance_registers_an_attestor_that_needs_no_funds() {
	new_test_ext_checked(|| {
		assert_eq!(System::providers(&NODE_A), 0);
		assert_noop!(
			AttestationPallet::add_attestor(RuntimeOrigin::signed(ST_MARYS), NODE_A),
			DispatchError::BadOrigin
		);
		assert_ok!(AttestationPallet::add_attestor(RuntimeOrigin::root(), NODE_A));
		assert_eq!(Attestors::<Test>::get(NODE_A), Some(1));
		assert_eq!(System::providers(&NODE_A), 1);
		assert_eq!(last_event(), Event::AttestorAdded { attestor: NODE_A });
		assert_noop!(
			AttestationPallet::add_attestor(RuntimeOrigin::root(), NODE_A),
			Error::<Test>::AlreadyAttestor
		);
	});
}

#[test]
fn attestors_are_bounded() {
	new_test_ext_checked(|| {
		for tag in 0..MAX_ATTESTORS {
			assert_ok!(AttestationPallet::add_attestor(
				RuntimeOrigin::root(),
				account(100 + tag as u8)
			));
		}
		assert_noop!(
			AttestationPallet::add_attestor(RuntimeOrigin::root(), NODE_A),
			Error::<Test>::TooManyAttestors
		);
	});
}

#[test]
fn governance_removes_an_attestor_and_its_submissions_stay() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		assert_noop!(
			AttestationPallet::remove_attestor(RuntimeOrigin::signed(ST_MARYS), NODE_A),
			DispatchError::BadOrigin
		);
		assert_ok!(AttestationPallet::remove_attestor(RuntimeOrigin::root(), NODE_A));
		assert!(!Attestors::<Test>::contains_key(NODE_A));
		assert_eq!(System::providers(&NODE_A), 0);
		assert_eq!(last_event(), Event::AttestorRemoved { attestor: NODE_A });
		assert_eq!(submissions(request_id), 1);
		assert_noop!(
			AttestationPallet::remove_attestor(RuntimeOrigin::root(), NODE_A),
			Error::<Test>::NotAttestor
		);
		// A removed attestor may no longer submit.
		let other = request(model_id, 1);
		assert_noop!(
			AttestationPallet::submit_result(RuntimeOrigin::signed(NODE_A), other, output(&BENIGN)),
			Error::<Test>::NotAttestor
		);
	});
}
