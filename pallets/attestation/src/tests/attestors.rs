//! The attestor set comes from `Config::Attestors`: the pallet keeps no list of its own.

use super::*;
use frame_support::{assert_noop, assert_ok};

#[test]
fn the_queries_read_the_configured_attestor_set() {
	new_test_ext_checked(|| {
		assert!(AttestationPallet::attestors().is_empty());
		assert!(!AttestationPallet::is_attestor(NODE_A));
		register(&[NODE_B, NODE_A]);
		assert_eq!(AttestationPallet::attestors(), vec![NODE_A, NODE_B]);
		assert!(AttestationPallet::is_attestor(NODE_A));
		assert!(!AttestationPallet::is_attestor(NOT_AN_ATTESTOR));
	});
}

#[test]
fn an_account_outside_the_set_may_not_submit() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		assert_noop!(
			AttestationPallet::submit_result(
				RuntimeOrigin::signed(NOT_AN_ATTESTOR),
				request_id,
				output(&BENIGN)
			),
			Error::<Test>::NotAttestor
		);
		assert!(!AttestationPallet::accepts_submission(
			&RuntimeOrigin::signed(NOT_AN_ATTESTOR),
			request_id
		));
	});
}

#[test]
fn an_attestor_dropped_from_the_set_may_no_longer_submit_and_its_submissions_stay() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		deregister(&NODE_A);
		assert!(!AttestationPallet::is_attestor(NODE_A));
		assert_eq!(submissions(request_id), 1);
		let other = request(model_id, 1);
		assert_noop!(
			AttestationPallet::submit_result(RuntimeOrigin::signed(NODE_A), other, output(&BENIGN)),
			Error::<Test>::NotAttestor
		);
		// The remaining attestors still settle the first request.
		submit(&NODE_B, request_id, &BENIGN);
		assert_ok!(AttestationPallet::do_try_state());
	});
}
