//! `report_failure`.

use super::*;
use frame_support::{assert_noop, assert_ok, dispatch::Pays};

fn report(
	attestor: &AccountId,
	request_id: RequestId,
	failure: InferenceFailure,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	AttestationPallet::report_failure(RuntimeOrigin::signed(attestor.clone()), request_id, failure)
}

#[test]
fn quorum_failures_fail_the_request_with_every_reason_kept() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		let post = report(&NODE_A, request_id, InferenceFailure::UnknownModel).expect("taken");
		assert_eq!(post.pays_fee, Pays::No);
		assert_eq!(
			last_event(),
			Event::FailureReported {
				request_id,
				attestor: NODE_A,
				failure: InferenceFailure::UnknownModel
			}
		);
		assert_eq!(status(request_id), RequestStatus::Open);
		assert_ok!(report(&NODE_B, request_id, InferenceFailure::MissingFeature(3)));
		let request = Requests::<Test>::get(request_id).expect("request kept");
		assert_eq!(request.status, RequestStatus::Failed);
		assert_eq!(
			request.submissions.iter().map(|s| s.answer.clone()).collect::<Vec<_>>(),
			vec![
				Answer::Failure(InferenceFailure::UnknownModel),
				Answer::Failure(InferenceFailure::MissingFeature(3)),
			]
		);
		assert_eq!(last_event(), Event::RequestFailed { request_id, model_id });
		assert_eq!(stats(model_id).failed, 1);
		assert!(!Attestations::<Test>::contains_key(request_id));
	});
}

#[test]
fn fewer_failures_than_quorum_do_not_prevent_an_attestation() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		assert_ok!(report(&NODE_A, request_id, InferenceFailure::TimeLimitExceeded));
		submit(&NODE_B, request_id, &BENIGN);
		submit(&NODE_C, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Attested);
		assert_eq!(
			Attestations::<Test>::get(request_id).map(|a| a.attestors.to_vec()),
			Some(vec![NODE_B, NODE_C])
		);
	});
}

#[test]
fn record_not_held_is_not_a_failure() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		assert_noop!(
			report(&NODE_A, request_id, InferenceFailure::RecordNotHeld),
			Error::<Test>::RecordNotHeldIsNotAFailure
		);
	});
}

#[test]
fn a_transient_fault_of_the_node_is_not_a_failure() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		for fault in [InferenceFailure::NodeBusy, InferenceFailure::WorkerUnavailable] {
			assert_noop!(
				report(&NODE_A, request_id, fault),
				Error::<Test>::LocalFaultIsNotAFailure
			);
		}
		assert_eq!(status(request_id), RequestStatus::Open);
	});
}

#[test]
fn only_a_registered_attestor_reports_once_on_an_open_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		assert_noop!(
			report(&NOT_AN_ATTESTOR, request_id, InferenceFailure::EngineError),
			Error::<Test>::NotAttestor
		);
		assert_noop!(
			report(&NODE_A, 42, InferenceFailure::EngineError),
			Error::<Test>::RequestNotFound
		);
		assert_ok!(report(&NODE_A, request_id, InferenceFailure::EngineError));
		assert_noop!(
			report(&NODE_A, request_id, InferenceFailure::EngineError),
			Error::<Test>::AlreadySubmitted
		);
		assert_ok!(report(&NODE_B, request_id, InferenceFailure::EngineError));
		assert_noop!(
			report(&NODE_C, request_id, InferenceFailure::EngineError),
			Error::<Test>::RequestNotOpen
		);
	});
}
