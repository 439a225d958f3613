//! Inference requests, from request to settlement: a request pins a record version under the
//! patient's consent; attestors answer it (a result or a failure, each an [`Answer`]); the
//! agreement rule ([`crate::agreement`]) settles it as attested or disputed, `quorum` failures
//! fail it, a withdrawn permission or the requester cancels it, and `on_initialize` expires it
//! at its deadline.

use crate::{
	agreement, Answer, Attestation, Attestations, AttestationsByModel, AttestationsByPatient,
	AttestationsBySeq, CancelReason, Config, Error, Event, InferenceFailure, InferenceOutput,
	ModelId, ModelOf, ModelStats, ModelStatus, Models, Moment, NextAttestationSeq, NextRequestId,
	OpenRequests, OpenRequestsByPair, OpenRequestsByRecord, OutputValues, Pallet,
	PatientAttestationCount, RecordId, Request, RequestId, RequestOf, RequestStatus, Requests,
	RequestsByDeadline, Submission, WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{
	dispatch::{DispatchResult, DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::DispatchError,
	traits::{Get, UnixTime},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::{
	AttestorRegistry, ConsentCheck, DataTarget, Purpose, RecordLookup, RecordStatus,
};
use sp_runtime::{traits::Saturating, SaturatedConversion};

/// What the checks of a submission return: the request, its model and the attestor's
/// custodian.
type CheckedSubmission<T> = (RequestOf<T>, ModelOf<T>, <T as frame_system::Config>::AccountId);

impl<T: Config> Pallet<T> {
	/// The wall-clock time now, in milliseconds.
	fn now_ms() -> Moment {
		T::Time::now().as_millis().saturated_into()
	}

	/// Makes an inference request after the checks of `request_inference`; returns its id.
	pub(crate) fn do_request_inference(
		requester: T::AccountId,
		model_id: ModelId,
		record_id: RecordId,
		quorum: u32,
	) -> Result<RequestId, DispatchError> {
		ensure!((1..=T::MaxQuorum::get()).contains(&quorum), Error::<T>::InvalidQuorum);
		let model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
		ensure!(model.status == ModelStatus::Approved, Error::<T>::ModelNotApproved);
		ensure!(quorum >= model.min_quorum, Error::<T>::QuorumBelowModelMinimum);
		let record = T::RecordLookup::record(record_id).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(record.status == RecordStatus::Current, Error::<T>::RecordErased);
		let now = frame_system::Pallet::<T>::block_number();
		if requester != record.patient {
			T::ConsentCheck::is_permitted(
				&record.patient,
				&requester,
				Purpose::AiAssistedDiagnosis,
				&DataTarget::record(record.data_class, record_id),
				now,
			)
			.map_err(|_| Error::<T>::NoConsent)?;
		}

		let request_id = NextRequestId::<T>::get();
		let next_id = request_id.checked_add(1).ok_or(Error::<T>::RequestIdsExhausted)?;
		let deadline = now.saturating_add(T::RequestTimeout::get());
		let mut by_deadline = RequestsByDeadline::<T>::get(deadline);
		by_deadline.try_push(request_id).map_err(|_| Error::<T>::TooManyRequestsInBlock)?;
		let mut by_record = OpenRequestsByRecord::<T>::get(record_id);
		by_record.try_push(request_id).map_err(|_| Error::<T>::TooManyOpenRequestsForRecord)?;
		// A patient's own requests need no consent, so no consent change concerns them.
		let by_pair = if requester != record.patient {
			let mut by_pair = OpenRequestsByPair::<T>::get(&record.patient, &requester);
			by_pair.try_push(request_id).map_err(|_| Error::<T>::TooManyOpenRequestsForPair)?;
			Some(by_pair)
		} else {
			None
		};
		RequestsByDeadline::<T>::insert(deadline, by_deadline);
		OpenRequestsByRecord::<T>::insert(record_id, by_record);
		if let Some(by_pair) = by_pair {
			OpenRequestsByPair::<T>::insert(&record.patient, &requester, by_pair);
		}

		Requests::<T>::insert(
			request_id,
			Request {
				requester: requester.clone(),
				model_id,
				model_hash: model.model_hash,
				record_id,
				commitment: record.commitment,
				patient: record.patient,
				custodian: record.custodian,
				data_class: record.data_class,
				quorum,
				requested_at: now,
				requested_time: Self::now_ms(),
				deadline,
				status: RequestStatus::Open,
				settled_at: None,
				submissions: BoundedVec::new(),
			},
		);
		OpenRequests::<T>::insert(request_id, ());
		ModelStats::<T>::mutate(model_id, |counts| {
			counts.requested = counts.requested.saturating_add(1)
		});
		NextRequestId::<T>::put(next_id);
		Self::deposit_event(Event::InferenceRequested {
			request_id,
			model_id,
			record_id,
			commitment: record.commitment,
			requester,
			quorum,
			deadline,
		});
		Ok(request_id)
	}

	/// Whether a submission by `origin` to `request_id` is one the pallet will take: a
	/// registered attestor whose custodian holds the record and has not submitted yet, an open
	/// request within its deadline. Decides whether `submit_result` and `report_failure` are
	/// free.
	pub fn accepts_submission(
		origin: &frame_system::pallet_prelude::OriginFor<T>,
		request_id: RequestId,
	) -> bool {
		let Ok(who) = frame_system::ensure_signed(origin.clone()) else { return false };
		let Some(custodian) = T::Attestors::custodian_of(&who) else { return false };
		let now = frame_system::Pallet::<T>::block_number();
		Requests::<T>::get(request_id).is_some_and(|request| {
			request.status.is_open()
				&& now < request.deadline
				&& !request.has_submitted(&custodian)
				&& T::RecordLookup::is_holder(request.record_id, &custodian)
		})
	}

	/// Records a result (the logic of `submit_result`): after the checks every submission
	/// passes, the output must have the model's `output_size` values.
	pub(crate) fn do_submit_result(
		attestor: T::AccountId,
		request_id: RequestId,
		output: InferenceOutput,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		let (request, model, custodian) = Self::check_submission(&attestor, request_id, now)?;
		ensure!(output.values.len() == model.output_size as usize, Error::<T>::WrongOutputSize);
		let values =
			OutputValues::try_from(output.values).map_err(|_| Error::<T>::WrongOutputSize)?;
		let submission =
			Submission { attestor, custodian, answer: Answer::Output(values), at: now };
		Self::record_submission(request_id, request, &model, now, submission)
	}

	/// Records a failure (the logic of `report_failure`): after the checks every submission
	/// passes, the failure must not be `RecordNotHeld`.
	pub(crate) fn do_report_failure(
		attestor: T::AccountId,
		request_id: RequestId,
		failure: InferenceFailure,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		let (request, model, custodian) = Self::check_submission(&attestor, request_id, now)?;
		ensure!(failure != InferenceFailure::RecordNotHeld, Error::<T>::RecordNotHeldIsNotAFailure);
		ensure!(!failure.is_transient(), Error::<T>::LocalFaultIsNotAFailure);
		let submission =
			Submission { attestor, custodian, answer: Answer::Failure(failure), at: now };
		Self::record_submission(request_id, request, &model, now, submission)
	}

	/// The checks every submission passes first, in this order: a registered attestor, a known
	/// request, still open, within its deadline at block `now`, not answered by the attestor's
	/// custodian yet, a custodian that holds the record, on a known model. Returns the
	/// request, its model and the attestor's custodian.
	fn check_submission(
		attestor: &T::AccountId,
		request_id: RequestId,
		now: BlockNumberFor<T>,
	) -> Result<CheckedSubmission<T>, Error<T>> {
		let custodian = T::Attestors::custodian_of(attestor).ok_or(Error::<T>::NotAttestor)?;
		let request = Requests::<T>::get(request_id).ok_or(Error::<T>::RequestNotFound)?;
		ensure!(request.status.is_open(), Error::<T>::RequestNotOpen);
		ensure!(now < request.deadline, Error::<T>::RequestExpired);
		ensure!(!request.has_submitted(&custodian), Error::<T>::AlreadySubmitted);
		ensure!(
			T::RecordLookup::is_holder(request.record_id, &custodian),
			Error::<T>::NotRecordHolder
		);
		let model = Models::<T>::get(request.model_id).ok_or(Error::<T>::ModelNotFound)?;
		Ok((request, model, custodian))
	}

	/// Records a checked submission (result or failure) and settles the request if the
	/// agreement rule says so; cancels the request instead if it is no longer permitted.
	fn record_submission(
		request_id: RequestId,
		mut request: RequestOf<T>,
		model: &ModelOf<T>,
		now: BlockNumberFor<T>,
		submission: crate::SubmissionOf<T>,
	) -> DispatchResultWithPostInfo {
		let quorum = request.quorum;
		let weight = |quorum: u32| {
			let base = match submission.answer {
				Answer::Output(_) => T::WeightInfo::submit_result(quorum),
				Answer::Failure(_) => T::WeightInfo::report_failure(quorum),
			};
			base.saturating_add(T::ConsentCheck::check_weight())
				.saturating_add(T::RecordLookup::lookup_weight())
		};
		let post_info =
			PostDispatchInfo { actual_weight: Some(weight(quorum)), pays_fee: Pays::No };

		if let Some(reason) = Self::cancel_reason_for(&request, model, now) {
			Self::cancel(request_id, request, reason, submission.attestor, now);
			return Ok(post_info);
		}

		let (attestor, answer) = (submission.attestor.clone(), submission.answer.clone());
		request.submissions.try_push(submission).map_err(|_| Error::<T>::TooManySubmissions)?;
		match answer {
			Answer::Output(output) => {
				Self::deposit_event(Event::ResultSubmitted { request_id, attestor, output })
			},
			Answer::Failure(failure) => {
				Self::deposit_event(Event::FailureReported { request_id, attestor, failure })
			},
		}

		if request.failure_count() >= quorum {
			Self::settle(request_id, &mut request, RequestStatus::Failed, now);
			Self::deposit_event(Event::RequestFailed { request_id, model_id: request.model_id });
		} else {
			let results: Vec<&[i64]> =
				request.results().map(|(_, values)| values.as_slice()).collect();
			match agreement::evaluate(&results, quorum, model.tolerance_ppm) {
				agreement::Outcome::Pending => {},
				agreement::Outcome::Disputed => {
					let results = results.len() as u32;
					Self::settle(request_id, &mut request, RequestStatus::Disputed, now);
					Self::deposit_event(Event::RequestDisputed {
						request_id,
						model_id: request.model_id,
						results,
					});
				},
				agreement::Outcome::Attested(members) => {
					Self::attest(request_id, &mut request, &members, now)
				},
			}
		}
		Requests::<T>::insert(request_id, request);
		Ok(post_info)
	}

	/// Cancels the open request `request_id` for `who` (the logic of `cancel_request`): for
	/// the reason it may no longer go on, or as withdrawn if `who` is its requester.
	pub(crate) fn do_cancel_request(who: T::AccountId, request_id: RequestId) -> DispatchResult {
		let request = Requests::<T>::get(request_id).ok_or(Error::<T>::RequestNotFound)?;
		ensure!(request.status.is_open(), Error::<T>::RequestNotOpen);
		let now = frame_system::Pallet::<T>::block_number();
		let reason = match Self::cancel_reason(&request, now) {
			Some(reason) => reason,
			None if who == request.requester => CancelReason::WithdrawnByRequester,
			None => return Err(Error::<T>::RequestStillPermitted.into()),
		};
		Self::cancel(request_id, request, reason, who, now);
		Ok(())
	}

	/// Why an open request may no longer go on, if it may not (its model read from storage).
	pub(crate) fn cancel_reason(
		request: &RequestOf<T>,
		now: BlockNumberFor<T>,
	) -> Option<CancelReason> {
		match Models::<T>::get(request.model_id) {
			Some(model) => Self::cancel_reason_for(request, &model, now),
			None => Some(CancelReason::ModelRetired),
		}
	}

	/// Why an open request may no longer go on, if it may not: the pinned record version is no
	/// longer current, the patient's consent no longer permits the requester, or the model was
	/// retired (checked in this order; all three are read in the worst case).
	fn cancel_reason_for(
		request: &RequestOf<T>,
		model: &ModelOf<T>,
		now: BlockNumberFor<T>,
	) -> Option<CancelReason> {
		match T::RecordLookup::status_of(request.record_id, &request.commitment) {
			None => return Some(CancelReason::RecordMissing),
			Some(RecordStatus::Erased) => return Some(CancelReason::RecordErased),
			Some(RecordStatus::Superseded) => return Some(CancelReason::RecordSuperseded),
			Some(RecordStatus::Current) => {},
		}
		if request.requester != request.patient {
			if let Err(reason) = T::ConsentCheck::is_permitted(
				&request.patient,
				&request.requester,
				Purpose::AiAssistedDiagnosis,
				&DataTarget::record(request.data_class, request.record_id),
				now,
			) {
				return Some(CancelReason::ConsentWithdrawn(reason));
			}
		}
		if model.status != ModelStatus::Approved {
			return Some(CancelReason::ModelRetired);
		}
		None
	}

	/// Marks a request settled with `status`: out of the open set, counted for its model.
	fn settle(
		request_id: RequestId,
		request: &mut RequestOf<T>,
		status: RequestStatus,
		now: BlockNumberFor<T>,
	) {
		request.status = status;
		request.settled_at = Some(now);
		OpenRequests::<T>::remove(request_id);
		Self::forget_open(request_id, request);
		ModelStats::<T>::mutate(request.model_id, |counts| counts.count_settled(status));
	}

	/// Takes a request that leaves `Open` out of the open-request listings of its record and
	/// of its (patient, requester) pair.
	fn forget_open(request_id: RequestId, request: &RequestOf<T>) {
		OpenRequestsByRecord::<T>::mutate_exists(request.record_id, |entry| {
			if let Some(ids) = entry {
				ids.retain(|id| *id != request_id);
				if ids.is_empty() {
					*entry = None;
				}
			}
		});
		if request.requester != request.patient {
			OpenRequestsByPair::<T>::mutate_exists(&request.patient, &request.requester, |entry| {
				if let Some(ids) = entry {
					ids.retain(|id| *id != request_id);
					if ids.is_empty() {
						*entry = None;
					}
				}
			});
		}
	}

	/// Cancels an open request and stores it.
	pub(crate) fn cancel(
		request_id: RequestId,
		mut request: RequestOf<T>,
		reason: CancelReason,
		by: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		Self::settle(request_id, &mut request, RequestStatus::Cancelled(reason), now);
		Requests::<T>::insert(request_id, request);
		Self::deposit_event(Event::RequestCancelled { request_id, reason, by });
	}

	/// Settles a request as attested by the results at positions `members` (in result order)
	/// and records the attestation in every listing.
	fn attest(
		request_id: RequestId,
		request: &mut RequestOf<T>,
		members: &[usize],
		now: BlockNumberFor<T>,
	) {
		let results: Vec<(&T::AccountId, &OutputValues)> = request.results().collect();
		let output = members
			.first()
			.and_then(|first| results.get(*first))
			.map(|(_, values)| (*values).clone())
			.unwrap_or_default();
		let attestors = BoundedVec::truncate_from(
			members
				.iter()
				.filter_map(|position| results.get(*position).map(|(who, _)| (*who).clone()))
				.collect(),
		);
		let model_id = request.model_id;
		Self::settle(request_id, request, RequestStatus::Attested, now);

		let seq = NextAttestationSeq::<T>::get();
		NextAttestationSeq::<T>::put(seq.saturating_add(1));
		AttestationsBySeq::<T>::insert(seq, (now, request_id));
		// `settle` counted this attestation: the model's listing position is one less.
		let model_position = ModelStats::<T>::get(model_id).attested.saturating_sub(1);
		AttestationsByModel::<T>::insert(model_id, model_position, request_id);
		let patient_position = PatientAttestationCount::<T>::mutate(&request.patient, |count| {
			let position = *count;
			*count = count.saturating_add(1);
			position
		});
		AttestationsByPatient::<T>::insert(&request.patient, patient_position, request_id);
		Attestations::<T>::insert(
			request_id,
			Attestation {
				request_id,
				model_id,
				model_hash: request.model_hash,
				record_id: request.record_id,
				commitment: request.commitment,
				patient: request.patient.clone(),
				requester: request.requester.clone(),
				output: output.clone(),
				attestors: attestors.clone(),
				attested_at: now,
				attested_time: Self::now_ms(),
				seq,
			},
		);
		Self::deposit_event(Event::RequestAttested {
			request_id,
			model_id,
			record_id: request.record_id,
			output,
			attestors,
		});
	}

	/// Expires the open requests whose deadline is `now`; returns how many ids were looked at.
	pub(crate) fn expire_requests(now: BlockNumberFor<T>) -> u32 {
		let ids = RequestsByDeadline::<T>::take(now);
		let looked_at = ids.len() as u32;
		for request_id in ids {
			let Some(mut request) = Requests::<T>::get(request_id) else { continue };
			if !request.status.is_open() {
				continue;
			}
			Self::settle(request_id, &mut request, RequestStatus::Expired, now);
			let model_id = request.model_id;
			Requests::<T>::insert(request_id, request);
			Self::deposit_event(Event::RequestExpired { request_id, model_id });
		}
		looked_at
	}
}
