//! Benchmarks of the attestation pallet (frame-benchmarking v2), each over its call's worst
//! case. The agreement check is measured at its worst: a request with quorum `q` (up to
//! `MaxQuorum`) already holding `2q - 2` conflicting results and `q - 1` failures.

use super::*;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;
use frame_system::RawOrigin;
use healthchain_primitives::{
	AttestorRegistry, DataClass, DataTarget, OnConsentChange, OnRecordChange, Purpose,
};
use sp_runtime::traits::Saturating;

const SEED: u32 = 0;

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(<T as frame_system::Config>::RuntimeEvent::from(
		event,
	));
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

/// A byte string of the most length `S` allows.
fn max_bytes<S: Get<u32>>(byte: u8) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(vec![byte; S::get() as usize])
}

/// A distinct model hash for `n`.
fn model_hash(n: u32) -> ModelHash {
	let mut hash = [0xab; 32];
	hash[..4].copy_from_slice(&n.to_le_bytes());
	hash
}

/// The model output the benchmarks submit: the most values.
fn agreeing_output() -> Vec<i64> {
	vec![500_000; MAX_OUTPUT_VALUES as usize]
}

/// An output that agrees with [`agreeing_output`] everywhere but in its last value, so that
/// comparing the two reads every value.
fn conflicting_output() -> Vec<i64> {
	let mut values = agreeing_output();
	if let Some(last) = values.last_mut() {
		*last = -500_000;
	}
	values
}

/// An approved model with the most output values and the longest texts; returns its id.
fn approved_model<T: Config>(n: u32) -> Result<ModelId, BenchmarkError> {
	let model_id = Pallet::<T>::new_model(
		None,
		model_hash(n),
		[1; 32],
		max_bytes::<T::MaxNameLen>(b'n'),
		max_bytes::<T::MaxVersionLen>(b'v'),
		MAX_OUTPUT_VALUES,
		1_000,
		max_bytes::<T::MaxEngineVersionLen>(b'e'),
	)?;
	let approved_at = now::<T>();
	Models::<T>::mutate(model_id, |entry| {
		if let Some(model) = entry {
			model.status = ModelStatus::Approved;
			model.approved_at = Some(approved_at);
		}
	});
	Ok(model_id)
}

/// A registered attestor whose hospital holds record `record_id`.
fn attestor<T: Config>(i: u32, record_id: RecordId) -> Result<T::AccountId, BenchmarkError> {
	let who: T::AccountId = account("attestor", i, SEED);
	let hospital: T::AccountId = account("attestor-hospital", i, SEED);
	T::Attestors::set_up_attestor(&who, &hospital);
	if T::Attestors::custodian_of(&who) != Some(hospital.clone()) {
		// The runtime's attestor registry cannot be extended for benchmarks.
		return Err(BenchmarkError::Weightless);
	}
	T::RecordLookup::set_up_holder(record_id, &hospital)?;
	Ok(who)
}

/// The record of request `request_id`.
fn record_of<T: Config>(request_id: RequestId) -> Result<RecordId, BenchmarkError> {
	Ok(Requests::<T>::get(request_id).ok_or(BenchmarkError::Weightless)?.record_id)
}

/// Opens `count` requests of `requester` with the largest quorum on `record_id`, each filled
/// like [`fill_request`], moving to the next block whenever a deadline bucket is full.
fn open_on_record<T: Config>(
	model_id: ModelId,
	record_id: RecordId,
	requester: &T::AccountId,
	count: u32,
) -> Result<Vec<RequestId>, BenchmarkError> {
	let quorum = T::MaxQuorum::get();
	let mut ids = Vec::new();
	for _ in 0..count {
		let deadline = now::<T>().saturating_add(T::RequestTimeout::get());
		if RequestsByDeadline::<T>::decode_len(deadline).unwrap_or(0) as u32
			>= T::MaxRequestsPerBlock::get()
		{
			frame_system::Pallet::<T>::set_block_number(now::<T>().saturating_add(1u32.into()));
		}
		let request_id =
			Pallet::<T>::do_request_inference(requester.clone(), model_id, record_id, quorum)?;
		fill_request::<T>(request_id, quorum)?;
		ids.push(request_id);
	}
	Ok(ids)
}

/// Retires model `model_id` without cancelling anything: every open request on it is then
/// cancelled at the next re-check, after the record and the consent were read.
fn retire<T: Config>(model_id: ModelId) {
	Models::<T>::mutate(model_id, |entry| {
		if let Some(model) = entry {
			model.status = ModelStatus::Retired;
			model.retired_at = Some(now::<T>());
		}
	});
}

/// A current record of a patient whose consent permits the requester; returns
/// (record id, requester).
fn permitted_record<T: Config>(i: u32) -> Result<(RecordId, T::AccountId), BenchmarkError> {
	let patient: T::AccountId = account("patient", i, SEED);
	let custodian: T::AccountId = account("custodian", 0, SEED);
	let requester: T::AccountId = account("requester", 0, SEED);
	let record_id = T::RecordLookup::set_up_record(&custodian, &patient, DataClass::Laboratory)?;
	let record = T::RecordLookup::record(record_id).ok_or(BenchmarkError::Weightless)?;
	T::ConsentCheck::set_up_permit(
		&patient,
		&requester,
		Purpose::AiAssistedDiagnosis,
		&DataTarget::record(record.data_class, record_id),
	)?;
	Ok((record_id, requester))
}

/// An open request with quorum `quorum` on a fresh permitted record of model `model_id`.
fn open_request<T: Config>(
	model_id: ModelId,
	i: u32,
	quorum: u32,
) -> Result<RequestId, BenchmarkError> {
	let (record_id, requester) = permitted_record::<T>(i)?;
	Ok(Pallet::<T>::do_request_inference(requester, model_id, record_id, quorum)?)
}

/// Fills an open request of quorum `quorum` with `2 * quorum - 2` results in two groups of
/// `quorum - 1` that conflict (interleaved, the conflicting group first) and `quorum - 1`
/// failures, all by attestors that are not registered any more: the largest request that is
/// still open, one submission away from being attested or failed.
fn fill_request<T: Config>(request_id: RequestId, quorum: u32) -> Result<(), BenchmarkError> {
	let at = now::<T>();
	let pending = quorum.saturating_sub(1);
	Requests::<T>::try_mutate(request_id, |entry| {
		let request = entry.as_mut().ok_or(())?;
		let mut i = 0;
		let mut push = |answer: Answer| {
			let attestor: T::AccountId = account("earlier-attestor", i, SEED);
			let custodian: T::AccountId = account("earlier-hospital", i, SEED);
			i += 1;
			request
				.submissions
				.try_push(Submission { attestor, custodian, answer, at })
				.map_err(|_| ())
		};
		for _ in 0..pending {
			push(Answer::Output(OutputValues::truncate_from(conflicting_output())))?;
			push(Answer::Output(OutputValues::truncate_from(agreeing_output())))?;
		}
		for _ in 0..pending {
			push(Answer::Failure(InferenceFailure::TimeLimitExceeded))?;
		}
		Ok::<_, ()>(())
	})
	.map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A model with the longest texts is proposed.
	#[benchmark]
	fn propose_model() -> Result<(), BenchmarkError> {
		let origin = T::ModelProposerOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let proposer = T::ModelProposerOrigin::ensure_origin(origin.clone())
			.map_err(|_| BenchmarkError::Weightless)?;
		let model_hash = model_hash(0);
		let model_id = NextModelId::<T>::get();

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			model_hash,
			[1; 32],
			max_bytes::<T::MaxNameLen>(b'n'),
			max_bytes::<T::MaxVersionLen>(b'v'),
			MAX_OUTPUT_VALUES,
			1_000,
			max_bytes::<T::MaxEngineVersionLen>(b'e'),
		);

		assert_last_event::<T>(Event::ModelProposed { model_id, model_hash, proposer });
		Ok(())
	}

	/// A proposed model is approved.
	#[benchmark]
	fn approve_model() -> Result<(), BenchmarkError> {
		let origin = T::ModelApprovalOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let model_hash = model_hash(0);
		let model_id = Pallet::<T>::new_model(
			None,
			model_hash,
			[1; 32],
			max_bytes::<T::MaxNameLen>(b'n'),
			max_bytes::<T::MaxVersionLen>(b'v'),
			MAX_OUTPUT_VALUES,
			1_000,
			max_bytes::<T::MaxEngineVersionLen>(b'e'),
		)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model_id);

		assert_last_event::<T>(Event::ModelApproved { model_id, model_hash });
		Ok(())
	}

	/// An approved model is retired.
	#[benchmark]
	fn retire_model() -> Result<(), BenchmarkError> {
		let origin = T::ModelApprovalOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let model_id = approved_model::<T>(0)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model_id);

		assert_last_event::<T>(Event::ModelRetired { model_id, model_hash: model_hash(0) });
		Ok(())
	}

	/// A request with the largest quorum, into a deadline bucket one short of full and into
	/// record and pair listings as full as that allows (the consent check and the record
	/// lookup are charged separately, through their traits).
	#[benchmark]
	fn request_inference() -> Result<(), BenchmarkError> {
		let model_id = approved_model::<T>(0)?;
		let (record_id, requester) = permitted_record::<T>(0)?;
		let room = T::MaxRequestsPerBlock::get().saturating_sub(1);
		let on_record = T::MaxOpenRequestsPerRecord::get()
			.min(T::MaxOpenRequestsPerPair::get())
			.saturating_sub(1)
			.min(room);
		for _ in 0..on_record {
			Pallet::<T>::do_request_inference(requester.clone(), model_id, record_id, 1)?;
		}
		for i in on_record..room {
			open_request::<T>(model_id, i.saturating_add(1), 1)?;
		}
		let quorum = T::MaxQuorum::get();
		let request_id = NextRequestId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(requester.clone()), model_id, record_id, quorum);

		let request = Requests::<T>::get(request_id).ok_or(BenchmarkError::Weightless)?;
		assert_last_event::<T>(Event::InferenceRequested {
			request_id,
			model_id,
			record_id,
			commitment: request.commitment,
			requester,
			quorum,
			deadline: request.deadline,
		});
		Ok(())
	}

	/// The result that attests a request of quorum `q` holding `2q - 2` conflicting results
	/// and `q - 1` failures: the agreement check compares every pair of results, value by
	/// value, and the attestation goes into every listing.
	#[benchmark]
	fn submit_result(q: Linear<1, { T::MaxQuorum::get() }>) -> Result<(), BenchmarkError> {
		let model_id = approved_model::<T>(0)?;
		let request_id = open_request::<T>(model_id, 0, q)?;
		fill_request::<T>(request_id, q)?;
		let attestor = attestor::<T>(0, record_of::<T>(request_id)?)?;
		let output = InferenceOutput { values: agreeing_output() };

		#[extrinsic_call]
		_(RawOrigin::Signed(attestor), request_id, output);

		let request = Requests::<T>::get(request_id).ok_or(BenchmarkError::Weightless)?;
		assert_eq!(request.status, RequestStatus::Attested);
		Ok(())
	}

	/// The failure that fails a request of quorum `q` holding `2q - 2` conflicting results and
	/// `q - 1` failures.
	#[benchmark]
	fn report_failure(q: Linear<1, { T::MaxQuorum::get() }>) -> Result<(), BenchmarkError> {
		let model_id = approved_model::<T>(0)?;
		let request_id = open_request::<T>(model_id, 0, q)?;
		fill_request::<T>(request_id, q)?;
		let attestor = attestor::<T>(0, record_of::<T>(request_id)?)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(attestor), request_id, InferenceFailure::UnknownModel);

		assert_last_event::<T>(Event::RequestFailed { request_id, model_id });
		Ok(())
	}

	/// Someone other than the requester cancels a full request of the largest quorum after
	/// its model was retired: the record and the consent are checked first, then the model.
	#[benchmark]
	fn cancel_request() -> Result<(), BenchmarkError> {
		let model_id = approved_model::<T>(0)?;
		let request_id = open_request::<T>(model_id, 0, T::MaxQuorum::get())?;
		fill_request::<T>(request_id, T::MaxQuorum::get())?;
		retire::<T>(model_id);
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), request_id);

		assert_last_event::<T>(Event::RequestCancelled {
			request_id,
			reason: CancelReason::ModelRetired,
			by: caller,
		});
		Ok(())
	}

	/// `on_initialize` expires `n` open requests of the largest quorum, each full.
	#[benchmark]
	fn expire_requests(
		n: Linear<0, { T::MaxRequestsPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let model_id = approved_model::<T>(0)?;
		let quorum = T::MaxQuorum::get();
		for i in 0..n {
			let request_id = open_request::<T>(model_id, i, quorum)?;
			fill_request::<T>(request_id, quorum)?;
		}
		let deadline = now::<T>().saturating_add(T::RequestTimeout::get());
		frame_system::Pallet::<T>::set_block_number(deadline);
		let expired;

		#[block]
		{
			expired = Pallet::<T>::expire_requests(deadline);
		}

		assert_eq!(expired, n);
		assert_eq!(OpenRequests::<T>::count(), 0);
		Ok(())
	}

	/// Governance sets a model's minimum quorum.
	#[benchmark]
	fn set_min_quorum() -> Result<(), BenchmarkError> {
		let origin = T::ModelApprovalOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let model_id = approved_model::<T>(0)?;
		let min_quorum = T::MaxQuorum::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, model_id, min_quorum);

		assert_last_event::<T>(Event::ModelMinQuorumSet { model_id, min_quorum });
		Ok(())
	}

	/// A record with `n` open requests (each of the largest quorum, full), up to
	/// `MaxOpenRequestsPerRecord` from as many requesters as the per-pair bound needs, is erased
	/// or amended: each is re-checked (record, consent, model) and cancelled.
	#[benchmark]
	fn cancel_on_record_change(
		n: Linear<0, { T::MaxOpenRequestsPerRecord::get() }>,
	) -> Result<(), BenchmarkError> {
		let model_id = approved_model::<T>(0)?;
		let (record_id, first) = permitted_record::<T>(0)?;
		let record = T::RecordLookup::record(record_id).ok_or(BenchmarkError::Weightless)?;
		let per_pair = T::MaxOpenRequestsPerPair::get().max(1);
		let mut ids = Vec::new();
		let mut requester_index = 0u32;
		while (ids.len() as u32) < n {
			let requester = if requester_index == 0 {
				first.clone()
			} else {
				let requester: T::AccountId = account("requester", requester_index, SEED);
				T::ConsentCheck::set_up_permit(
					&record.patient,
					&requester,
					Purpose::AiAssistedDiagnosis,
					&DataTarget::record(record.data_class, record_id),
				)?;
				requester
			};
			let count = (n - ids.len() as u32).min(per_pair);
			ids.extend(open_on_record::<T>(model_id, record_id, &requester, count)?);
			requester_index += 1;
		}
		retire::<T>(model_id);
		let caller: T::AccountId = whitelisted_caller();

		#[block]
		{
			<Pallet<T> as OnRecordChange<T::AccountId>>::on_erased(record_id, &caller);
		}

		assert!(ids.iter().all(|id| !OpenRequests::<T>::contains_key(id)));
		Ok(())
	}

	/// A consent change of a (patient, requester) pair with `n` open requests (each of the
	/// largest quorum, full): each is re-checked and cancelled.
	#[benchmark]
	fn cancel_on_consent_change(
		n: Linear<0, { T::MaxOpenRequestsPerPair::get().min(T::MaxOpenRequestsPerRecord::get()) }>,
	) -> Result<(), BenchmarkError> {
		let model_id = approved_model::<T>(0)?;
		let (record_id, requester) = permitted_record::<T>(0)?;
		let patient = T::RecordLookup::record(record_id).ok_or(BenchmarkError::Weightless)?.patient;
		let ids = open_on_record::<T>(model_id, record_id, &requester, n)?;
		retire::<T>(model_id);

		#[block]
		{
			<Pallet<T> as OnConsentChange<T::AccountId>>::on_permission_narrowed(
				&patient, &requester, &patient,
			);
		}

		assert!(ids.iter().all(|id| !OpenRequests::<T>::contains_key(id)));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
