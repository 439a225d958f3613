//! Inference requests, from request to settlement: a request pins a record version under the
//! patient's consent; attestors answer it (a result or a failure, each an [`Answer`]); the
//! agreement rule ([`crate::agreement`]) settles it as attested or disputed, `quorum` failures
//! fail it, a withdrawn permission or the requester cancels it, and `on_initialize` expires it
//! at its deadline.

use crate::{
	agreement, Answer, Attestation, Attestations, AttestationsByModel, AttestationsByPatient,
	AttestationsBySeq, CancelReason, Config, Error, Event, InferenceFailure, InferenceOutput,
	ModelId, ModelOf, ModelStats, ModelStatus, Models, Moment, NextAttestationSeq, NextRequestId,
	OpenRequests, OutputValues, Pallet, PatientAttestationCount, RecordId, Request, RequestId,
	RequestOf, RequestStatus, Requests, RequestsByDeadline, Submission, WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{
	dispatch::{DispatchResult, DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::DispatchError,
	traits::{Get, SortedMembers, UnixTime},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::{ConsentCheck, DataTarget, Purpose, RecordLookup, RecordStatus};
use sp_runtime::{traits::Saturating, SaturatedConversion};

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
		RequestsByDeadline::<T>::try_mutate(deadline, |ids| ids.try_push(request_id))
			.map_err(|_| Error::<T>::TooManyRequestsInBlock)?;

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
	/// registered attestor, an open request within its deadline, no earlier submission by the
	/// same attestor. Decides whether `submit_result` and `report_failure` are free.
	pub fn accepts_submission(
		origin: &frame_system::pallet_prelude::OriginFor<T>,
		request_id: RequestId,
	) -> bool {
		let Ok(who) = frame_system::ensure_signed(origin.clone()) else { return false };
		if !T::Attestors::contains(&who) {
			return false;
		}
		let now = frame_system::Pallet::<T>::block_number();
		Requests::<T>::get(request_id).is_some_and(|request| {
			request.status.is_open() && now < request.deadline && !request.has_submitted(&who)
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
		let (request, model) = Self::check_submission(&attestor, request_id, now)?;
		ensure!(output.values.len() == model.output_size as usize, Error::<T>::WrongOutputSize);
		let values =
			OutputValues::try_from(output.values).map_err(|_| Error::<T>::WrongOutputSize)?;
		Self::record_submission(attestor, request_id, request, &model, now, Answer::Output(values))
	}

	/// Records a failure (the logic of `report_failure`): after the checks every submission
	/// passes, the failure must not be `RecordNotHeld`.
	pub(crate) fn do_report_failure(
		attestor: T::AccountId,
		request_id: RequestId,
		failure: InferenceFailure,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		let (request, model) = Self::check_submission(&attestor, request_id, now)?;
		ensure!(failure != InferenceFailure::RecordNotHeld, Error::<T>::RecordNotHeldIsNotAFailure);
		Self::record_submission(
			attestor,
			request_id,
			request,
			&model,
			now,
			Answer::Failure(failure),
		)
	}

	/// The checks every submission passes first, in this order: a registered attestor, a known
	/// request, still open, within its deadline at block `now`, not answered by this attestor
	/// yet, on a known model. Returns the request and its model.
	fn check_submission(
		attestor: &T::AccountId,
		request_id: RequestId,
		now: BlockNumberFor<T>,
	) -> Result<(RequestOf<T>, ModelOf<T>), Error<T>> {
		ensure!(T::Attestors::contains(attestor), Error::<T>::NotAttestor);
		let request = Requests::<T>::get(request_id).ok_or(Error::<T>::RequestNotFound)?;
		ensure!(request.status.is_open(), Error::<T>::RequestNotOpen);
		ensure!(now < request.deadline, Error::<T>::RequestExpired);
		ensure!(!request.has_submitted(attestor), Error::<T>::AlreadySubmitted);
		let model = Models::<T>::get(request.model_id).ok_or(Error::<T>::ModelNotFound)?;
		Ok((request, model))
	}

	/// Records a checked submission (result or failure) and settles the request if the
	/// agreement rule says so; cancels the request instead if it is no longer permitted.
	fn record_submission(
		attestor: T::AccountId,
		request_id: RequestId,
		mut request: RequestOf<T>,
		model: &ModelOf<T>,
		now: BlockNumberFor<T>,
		answer: Answer,
	) -> DispatchResultWithPostInfo {
		let quorum = request.quorum;
		let weight = |quorum: u32| {
			let base = match answer {
				Answer::Output(_) => T::WeightInfo::submit_result(quorum),
				Answer::Failure(_) => T::WeightInfo::report_failure(quorum),
			};
			base.saturating_add(T::ConsentCheck::check_weight())
				.saturating_add(T::RecordLookup::lookup_weight())
		};
		let post_info =
			PostDispatchInfo { actual_weight: Some(weight(quorum)), pays_fee: Pays::No };

		if let Some(reason) = Self::cancel_reason_for(&request, model, now) {
			Self::cancel(request_id, request, reason, attestor, now);
			return Ok(post_info);
		}

		request
			.submissions
			.try_push(Submission { attestor: attestor.clone(), answer: answer.clone(), at: now })
			.map_err(|_| Error::<T>::TooManySubmissions)?;
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
		ModelStats::<T>::mutate(request.model_id, |counts| counts.count_settled(status));
	}

	/// Cancels an open request and stores it.
	fn cancel(
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
