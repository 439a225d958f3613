//! `submit_result`: agreement, disagreement, the re-checks at submission, and its errors.

use super::*;
use frame_support::{assert_noop, assert_ok, dispatch::Pays};
use healthchain_primitives::{
	testing::{MockConsentCheck, MockRecordLookup},
	DenialReason, Purpose,
};
use sp_runtime::DispatchError;

fn try_submit(
	attestor: &AccountId,
	request_id: RequestId,
	values: &[i64],
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	AttestationPallet::submit_result(
		RuntimeOrigin::signed(attestor.clone()),
		request_id,
		output(values),
	)
}

#[test]
fn with_quorum_one_the_first_result_is_attested() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		run_to_block(3);
		submit(&NODE_A, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Attested);
		let attestation = Attestations::<Test>::get(request_id).expect("attested");
		assert_eq!(attestation.output.to_vec(), BENIGN.to_vec());
		assert_eq!(attestation.attestors.to_vec(), vec![NODE_A]);
		assert_eq!(attestation.attested_at, 3);
		assert_eq!(attestation.attested_time, GENESIS_TIME_MS + 3 * BLOCK_TIME_MS);
	});
}

#[test]
fn two_agreeing_results_attest_a_quorum_two_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		run_to_block(2);
		submit(&NODE_A, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Open);
		assert_eq!(
			last_event(),
			Event::ResultSubmitted {
				request_id,
				attestor: NODE_A,
				output: OutputValues::truncate_from(BENIGN.to_vec()),
			}
		);
		run_to_block(3);
		submit(&NODE_B, request_id, &BENIGN_DRIFTED);

		let request = Requests::<Test>::get(request_id).expect("request kept");
		assert_eq!(request.status, RequestStatus::Attested);
		assert_eq!(request.settled_at, Some(3));
		assert_eq!(request.submissions.len(), 2);
		assert!(!OpenRequests::<Test>::contains_key(request_id));

		let attestation = Attestations::<Test>::get(request_id).expect("attested");
		assert_eq!(attestation.request_id, request_id);
		assert_eq!(attestation.model_id, model_id);
		assert_eq!(attestation.model_hash, MODEL_HASH);
		assert_eq!(attestation.record_id, RECORD);
		assert_eq!(attestation.commitment, COMMITMENT);
		assert_eq!(attestation.patient, ALICE);
		assert_eq!(attestation.requester, CLINICIAN);
		// The output of the first member of the agreeing group.
		assert_eq!(attestation.output.to_vec(), BENIGN.to_vec());
		assert_eq!(attestation.attestors.to_vec(), vec![NODE_A, NODE_B]);
		assert_eq!(attestation.attested_at, 3);
		assert_eq!(attestation.seq, 0);

		assert_eq!(
			last_event(),
			Event::RequestAttested {
				request_id,
				model_id,
				record_id: RECORD,
				output: OutputValues::truncate_from(BENIGN.to_vec()),
				attestors: BoundedVec::truncate_from(vec![NODE_A, NODE_B]),
			}
		);
		assert_eq!(stats(model_id).attested, 1);
		assert_eq!(stats(model_id).open(), 0);
		assert_eq!(AttestationsByModel::<Test>::get(model_id, 0), Some(request_id));
		assert_eq!(AttestationsByPatient::<Test>::get(ALICE, 0), Some(request_id));
		assert_eq!(AttestationsBySeq::<Test>::get(0), Some((3, request_id)));
	});
}

#[test]
fn results_exactly_at_the_tolerance_agree_and_one_more_unit_does_not() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let agreeing = request(model_id, 2);
		submit(&NODE_A, agreeing, &[500_000, 500_000]);
		submit(&NODE_B, agreeing, &[500_000 + TOLERANCE as i64, 500_000 - TOLERANCE as i64]);
		assert_eq!(status(agreeing), RequestStatus::Attested);

		let apart = request(model_id, 2);
		submit(&NODE_A, apart, &[500_000, 500_000]);
		submit(&NODE_B, apart, &[500_000, 500_000 + TOLERANCE as i64 + 1]);
		assert_eq!(status(apart), RequestStatus::Open);
	});
}

#[test]
fn a_disagreement_is_outvoted_by_a_third_agreeing_result() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		submit(&NODE_B, request_id, &MALIGNANT);
		// Two conflicting results of the three a quorum-2 request takes: still open.
		assert_eq!(status(request_id), RequestStatus::Open);
		submit(&NODE_C, request_id, &BENIGN_DRIFTED);
		assert_eq!(status(request_id), RequestStatus::Attested);
		let attestation = Attestations::<Test>::get(request_id).expect("attested");
		assert_eq!(attestation.attestors.to_vec(), vec![NODE_A, NODE_C]);
		assert_eq!(attestation.output.to_vec(), BENIGN.to_vec());
		// The conflicting result is kept with the request.
		assert_eq!(submissions(request_id), 3);
	});
}

#[test]
fn conflicting_results_dispute_the_request_and_are_all_kept() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		submit(&NODE_B, request_id, &MALIGNANT);
		submit(&NODE_C, request_id, &[500_000, 500_000]);
		let request = Requests::<Test>::get(request_id).expect("request kept");
		assert_eq!(request.status, RequestStatus::Disputed);
		assert_eq!(request.submissions.len(), 3);
		assert!(!Attestations::<Test>::contains_key(request_id));
		assert_eq!(last_event(), Event::RequestDisputed { request_id, model_id, results: 3 });
		assert_eq!(stats(model_id).disputed, 1);
		// A disputed request takes no more results.
		assert_noop!(try_submit(&NODE_D, request_id, &BENIGN), Error::<Test>::RequestNotOpen);
	});
}

#[test]
fn a_quorum_three_request_is_disputed_once_three_agreeing_results_cannot_be_reached() {
	new_test_ext_checked(|| {
		let model_id = setup();
		register(&[account(24)]);
		let request_id = request(model_id, 3);
		submit(&NODE_A, request_id, &BENIGN);
		submit(&NODE_B, request_id, &MALIGNANT);
		submit(&NODE_C, request_id, &BENIGN);
		submit(&NODE_D, request_id, &MALIGNANT);
		// Two groups of two, one result left of five: either group can still make three.
		assert_eq!(status(request_id), RequestStatus::Open);
		submit(&account(24), request_id, &[0, 1_000_000]);
		assert_eq!(status(request_id), RequestStatus::Disputed);
	});
}

#[test]
fn an_unregistered_signer_cannot_submit() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		assert_noop!(try_submit(&NOT_AN_ATTESTOR, request_id, &BENIGN), Error::<Test>::NotAttestor);
		assert_noop!(
			AttestationPallet::submit_result(RuntimeOrigin::none(), request_id, output(&BENIGN)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			AttestationPallet::submit_result(RuntimeOrigin::root(), request_id, output(&BENIGN)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn an_attestor_submits_once_per_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		assert_noop!(try_submit(&NODE_A, request_id, &BENIGN), Error::<Test>::AlreadySubmitted);
		assert_noop!(
			AttestationPallet::report_failure(
				RuntimeOrigin::signed(NODE_A),
				request_id,
				InferenceFailure::EngineError
			),
			Error::<Test>::AlreadySubmitted
		);
		assert_eq!(submissions(request_id), 1);
	});
}

#[test]
fn an_output_of_the_wrong_size_is_refused() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		assert_noop!(try_submit(&NODE_A, request_id, &[1]), Error::<Test>::WrongOutputSize);
		assert_noop!(try_submit(&NODE_A, request_id, &[1, 2, 3]), Error::<Test>::WrongOutputSize);
		assert_noop!(try_submit(&NODE_A, request_id, &[0; 17]), Error::<Test>::WrongOutputSize);
	});
}

#[test]
fn a_result_for_an_unknown_or_settled_request_is_refused() {
	new_test_ext_checked(|| {
		let model_id = setup();
		assert_noop!(try_submit(&NODE_A, 42, &BENIGN), Error::<Test>::RequestNotFound);
		let request_id = request(model_id, 1);
		submit(&NODE_A, request_id, &BENIGN);
		assert_noop!(try_submit(&NODE_B, request_id, &BENIGN), Error::<Test>::RequestNotOpen);
	});
}

#[test]
fn a_valid_submission_pays_no_fee() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		let post = try_submit(&NODE_A, request_id, &BENIGN).expect("accepted");
		assert_eq!(post.pays_fee, Pays::No);
		assert!(post.actual_weight.is_some());
		let post = try_submit(&NODE_B, request_id, &BENIGN).expect("accepted");
		assert_eq!(post.pays_fee, Pays::No);
	});
}

#[test]
fn consent_revoked_mid_flight_cancels_the_request_and_records_no_result() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 2);
		submit(&NODE_A, request_id, &BENIGN);
		MockConsentCheck::revoke(&ALICE, &CLINICIAN, Purpose::AiAssistedDiagnosis);

		let post = try_submit(&NODE_B, request_id, &BENIGN).expect("the submission cancels");
		assert_eq!(post.pays_fee, Pays::No);
		let request = Requests::<Test>::get(request_id).expect("request kept");
		let reason = CancelReason::ConsentWithdrawn(DenialReason::NoConsent);
		assert_eq!(request.status, RequestStatus::Cancelled(reason));
		// Node B's result was not recorded; node A's earlier one stays as evidence.
		assert_eq!(request.submissions.len(), 1);
		assert!(!request.has_submitted(&GENERAL));
		assert!(!Attestations::<Test>::contains_key(request_id));
		assert_eq!(last_event(), Event::RequestCancelled { request_id, reason, by: NODE_B });
		assert_eq!(stats(model_id).cancelled, 1);
		assert_noop!(try_submit(&NODE_C, request_id, &BENIGN), Error::<Test>::RequestNotOpen);
	});
}

#[test]
fn a_record_erased_mid_flight_cancels_the_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		MockRecordLookup::erase::<AccountId>(RECORD);
		assert_ok!(try_submit(&NODE_A, request_id, &BENIGN));
		assert_eq!(status(request_id), RequestStatus::Cancelled(CancelReason::RecordErased));
		assert_eq!(submissions(request_id), 0);
	});
}

#[test]
fn a_record_amended_mid_flight_cancels_the_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		MockRecordLookup::amend::<AccountId>(RECORD, [0x79; 32]);
		assert_ok!(try_submit(&NODE_A, request_id, &BENIGN));
		assert_eq!(status(request_id), RequestStatus::Cancelled(CancelReason::RecordSuperseded));
	});
}

#[test]
fn a_result_for_a_retired_model_is_not_recorded() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let attested = request(model_id, 1);
		submit(&NODE_A, attested, &BENIGN);
		let open = request(model_id, 1);
		assert_ok!(AttestationPallet::retire_model(RuntimeOrigin::root(), model_id));

		assert_ok!(try_submit(&NODE_B, open, &BENIGN));
		assert_eq!(status(open), RequestStatus::Cancelled(CancelReason::ModelRetired));
		assert_eq!(submissions(open), 0);
		assert!(!Attestations::<Test>::contains_key(open));

		// The attestation made before the retirement stays, and says its model is retired.
		let info = AttestationPallet::attestation(attested).expect("attestation kept");
		assert_eq!(info.attestation.output.to_vec(), BENIGN.to_vec());
		assert_eq!(info.model_status, ModelStatus::Retired);
	});
}

#[test]
fn a_patients_own_request_is_not_cancelled_for_want_of_consent() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = NextRequestId::<Test>::get();
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(ALICE),
			model_id,
			RECORD,
			1
		));
		MockConsentCheck::reset();
		submit(&NODE_A, request_id, &BENIGN);
		assert_eq!(status(request_id), RequestStatus::Attested);
	});
}

#[test]
fn a_record_that_disappeared_cancels_the_request() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		MockRecordLookup::reset();
		// No hospital holds a record that is gone: the answer is refused and changes nothing…
		assert_noop!(try_submit(&NODE_A, request_id, &BENIGN), Error::<Test>::NotRecordHolder);
		// …and anyone may cancel the request for it.
		assert_ok!(AttestationPallet::cancel_request(RuntimeOrigin::signed(STRANGER), request_id));
		assert_eq!(status(request_id), RequestStatus::Cancelled(CancelReason::RecordMissing));
	});
}

#[test]
fn a_result_past_the_deadline_is_refused_even_before_the_expiry_hook_ran() {
	// The hook normally expires the request first; this checks the call's own guard, so the
	// invariants (no open request past its deadline) are not checked here.
	new_test_ext().execute_with(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		System::set_block_number(1 + REQUEST_TIMEOUT);
		assert_noop!(try_submit(&NODE_A, request_id, &BENIGN), Error::<Test>::RequestExpired);
		assert!(!AttestationPallet::accepts_submission(&RuntimeOrigin::signed(NODE_A), request_id));
	});
}

#[test]
fn a_request_never_takes_more_submissions_than_its_bound() {
	// Unreachable through the calls (the last submission a request can take settles it); the
	// guard is checked on a request forced full, so the invariants are not checked here.
	new_test_ext().execute_with(|| {
		let model_id = setup();
		let request_id = request(model_id, 1);
		Requests::<Test>::mutate(request_id, |entry| {
			let request = entry.as_mut().expect("request stored");
			for i in 0..max_submissions(MAX_QUORUM) {
				let submission = Submission {
					attestor: account(200 + i as u8),
					custodian: account(200 + i as u8),
					answer: Answer::Failure(InferenceFailure::EngineError),
					at: 1,
				};
				assert!(request.submissions.try_push(submission).is_ok());
			}
			request.quorum = MAX_QUORUM;
		});
		assert_noop!(
			AttestationPallet::report_failure(
				RuntimeOrigin::signed(NODE_A),
				request_id,
				InferenceFailure::EngineError
			),
			Error::<Test>::TooManySubmissions
		);
	});
}
