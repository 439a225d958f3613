//! Expiry of requests in `on_initialize`.

use super::*;
use crate::weights::WeightInfo;
use frame_support::{assert_noop, traits::Hooks};

#[test]
fn an_unsettled_request_expires_at_its_deadline() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		let deadline = 1 + REQUEST_TIMEOUT;
		submit(&NODE_A, request_id, &BENIGN);
		run_to_block(deadline - 1);
		assert_eq!(status(request_id), RequestStatus::Open);
		run_to_block(deadline);
		let request = Requests::<Test>::get(request_id).expect("request kept");
		assert_eq!(request.status, RequestStatus::Expired);
		assert_eq!(request.settled_at, Some(deadline));
		assert_eq!(request.submissions.len(), 1);
		assert_eq!(last_event(), Event::RequestExpired { request_id, model_id });
		assert_eq!(stats(model_id).expired, 1);
		assert!(!OpenRequests::<Test>::contains_key(request_id));
		assert!(!RequestsByDeadline::<Test>::contains_key(deadline));
		assert_noop!(
			AttestationPallet::submit_result(
				RuntimeOrigin::signed(NODE_B),
				request_id,
				output(&BENIGN)
			),
			Error::<Test>::RequestNotOpen
		);
	});
}

#[test]
fn a_result_in_the_last_block_before_the_deadline_counts() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		run_to_block(REQUEST_TIMEOUT);
		submit(&NODE_A, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Attested);
		run_to_block(REQUEST_TIMEOUT + 2);
		assert_eq!(status(request_id), RequestStatus::Attested);
		assert_eq!(stats(model_id).expired, 0);
	});
}

#[test]
fn expiry_only_touches_open_requests_and_is_charged_per_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let settled = request(model_id, 1);
		let open = request(model_id, 1);
		submit(&NODE_A, settled, &BENIGN);
		let deadline = 1 + REQUEST_TIMEOUT;
		run_to_block(deadline - 1);
		System::set_block_number(deadline);
		let weight = AttestationPallet::on_initialize(deadline);
		assert_eq!(weight, <() as WeightInfo>::expire_requests(2));
		assert_eq!(status(settled), RequestStatus::Attested);
		assert_eq!(status(open), RequestStatus::Expired);
		System::set_block_number(deadline + 1);
		assert_eq!(
			AttestationPallet::on_initialize(deadline + 1),
			<() as WeightInfo>::expire_requests(0)
		);
	});
}
