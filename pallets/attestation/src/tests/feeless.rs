//! When `submit_result` and `report_failure` are free (`#[pallet::feeless_if]`).

use super::*;
use frame_support::dispatch::CheckIfFeeless;

fn result_call(request_id: RequestId) -> RuntimeCall {
	RuntimeCall::AttestationPallet(Call::submit_result { request_id, output: output(&BENIGN) })
}

fn failure_call(request_id: RequestId, failure: InferenceFailure) -> RuntimeCall {
	RuntimeCall::AttestationPallet(Call::report_failure { request_id, failure })
}

#[test]
fn a_first_submission_of_a_registered_attestor_to_an_open_request_is_free() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		let a = RuntimeOrigin::signed(NODE_A);
		assert!(result_call(request_id).is_feeless(&a));
		assert!(failure_call(request_id, InferenceFailure::EngineError).is_feeless(&a));
		assert!(AttestationPallet::accepts_submission(&a, request_id));
	});
}

#[test]
fn other_submissions_pay() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		// Not an attestor, not signed, unknown request, record-not-held.
		assert!(!result_call(request_id).is_feeless(&RuntimeOrigin::signed(NOT_AN_ATTESTOR)));
		assert!(!result_call(request_id).is_feeless(&RuntimeOrigin::root()));
		assert!(!result_call(request_id).is_feeless(&RuntimeOrigin::none()));
		assert!(!result_call(42).is_feeless(&RuntimeOrigin::signed(NODE_A)));
		assert!(!failure_call(request_id, InferenceFailure::RecordNotHeld)
			.is_feeless(&RuntimeOrigin::signed(NODE_A)));
		// A second submission of the same attestor.
		submit(&NODE_A, request_id, &BENIGN);
		assert!(!result_call(request_id).is_feeless(&RuntimeOrigin::signed(NODE_A)));
		assert!(result_call(request_id).is_feeless(&RuntimeOrigin::signed(NODE_B)));
		// A settled request.
		submit(&NODE_B, request_id, &BENIGN);
		assert!(!result_call(request_id).is_feeless(&RuntimeOrigin::signed(NODE_C)));
		// Other calls are never free.
		let ask = RuntimeCall::AttestationPallet(Call::request_inference {
			model_id,
			record_id: RECORD,
			quorum: 1,
		});
		assert!(!ask.is_feeless(&RuntimeOrigin::signed(NODE_A)));
	});
}
