//! The queries behind the runtime API [`crate::runtime_api::AttestationApi`]: models,
//! attestors, requests and attestations, by id or page by page (the cursor rule of
//! `healthchain_primitives::page`: at most `MAX_PAGE_SIZE` entries a page, whatever `limit`
//! asks).

use crate::{
	AttestationInfo, AttestationInfoOf, AttestationSeq, Attestations, AttestationsByModel,
	AttestationsByPatient, AttestationsBySeq, Config, ModelCounts, ModelHash, ModelId,
	ModelIdByHash, ModelOf, ModelStats, ModelStatus, Models, NextAttestationSeq, NextModelId,
	OpenRequests, Page, Pallet, PatientAttestationCount, RequestId, RequestOf, Requests,
};
use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::{page_size, AttestorRegistry};

impl<T: Config> Pallet<T> {
	/// One model by id.
	pub fn model(model_id: ModelId) -> Option<ModelOf<T>> {
		Models::<T>::get(model_id)
	}

	/// The model registered under an ONNX file hash.
	pub fn model_by_hash(model_hash: ModelHash) -> Option<(ModelId, ModelOf<T>)> {
		let model_id = ModelIdByHash::<T>::get(model_hash)?;
		Models::<T>::get(model_id).map(|model| (model_id, model))
	}

	/// The models in id order, `limit` at most, after `start_after`.
	pub fn models(start_after: Option<ModelId>, limit: u32) -> Page<ModelId, ModelOf<T>> {
		let end = NextModelId::<T>::get();
		let start = start_after.map_or(0, |after| after.saturating_add(1));
		let mut items = Vec::new();
		let mut model_id = start;
		while model_id < end && (items.len() as u32) < page_size(limit) {
			if let Some(model) = Models::<T>::get(model_id) {
				items.push((model_id, model));
			}
			model_id = model_id.saturating_add(1);
		}
		let next = if model_id < end { items.last().map(|(id, _)| *id) } else { None };
		Page { items, next }
	}

	/// How the requests on a model ended; `None` if no model has this id.
	pub fn model_counts(model_id: ModelId) -> Option<ModelCounts> {
		Models::<T>::contains_key(model_id).then(|| ModelStats::<T>::get(model_id))
	}

	/// Whether `who` is an attestor (one of `T::Attestors`).
	pub fn is_attestor(who: T::AccountId) -> bool {
		T::Attestors::is_attestor(&who)
	}

	/// The attestors, sorted.
	pub fn attestors() -> Vec<T::AccountId> {
		T::Attestors::attestors()
	}

	/// One request by id, with every submission.
	pub fn request(request_id: RequestId) -> Option<RequestOf<T>> {
		Requests::<T>::get(request_id)
	}

	/// The open requests, in storage order, `limit` at most, after `start_after`.
	pub fn open_requests(
		start_after: Option<RequestId>,
		limit: u32,
	) -> Page<RequestId, RequestOf<T>> {
		let mut ids = match start_after {
			Some(after) => OpenRequests::<T>::iter_from(OpenRequests::<T>::hashed_key_for(after)),
			None => OpenRequests::<T>::iter(),
		}
		.map(|(request_id, ())| request_id);
		let mut items = Vec::new();
		let mut last = None;
		for request_id in ids.by_ref().take(page_size(limit) as usize) {
			last = Some(request_id);
			if let Some(request) = Requests::<T>::get(request_id) {
				items.push((request_id, request));
			}
		}
		let next = if ids.next().is_some() { last } else { None };
		Page { items, next }
	}

	/// The attestation of a request, with its model's current status.
	pub fn attestation(request_id: RequestId) -> Option<AttestationInfoOf<T>> {
		let attestation = Attestations::<T>::get(request_id)?;
		let model_status =
			Models::<T>::get(attestation.model_id).map_or(ModelStatus::Retired, |m| m.status);
		Some(AttestationInfo { attestation, model_status })
	}

	/// One page of a listing kept as positions `0..len` → request id.
	fn positional_page(
		len: u32,
		start_after: Option<u32>,
		limit: u32,
		at: impl Fn(u32) -> Option<RequestId>,
	) -> Page<u32, AttestationInfoOf<T>> {
		let start = start_after.map_or(0, |after| after.saturating_add(1));
		let end = start.saturating_add(page_size(limit)).min(len);
		let items = (start..end)
			.filter_map(|position| {
				at(position).and_then(Self::attestation).map(|info| (position, info))
			})
			.collect();
		Page { items, next: if end < len { end.checked_sub(1) } else { None } }
	}

	/// The attestations of a model, oldest first, `limit` at most, after position
	/// `start_after`.
	pub fn attestations_by_model(
		model_id: ModelId,
		start_after: Option<u32>,
		limit: u32,
	) -> Page<u32, AttestationInfoOf<T>> {
		let len = ModelStats::<T>::get(model_id).attested;
		Self::positional_page(len, start_after, limit, |position| {
			AttestationsByModel::<T>::get(model_id, position)
		})
	}

	/// The attestations about a patient, oldest first, `limit` at most, after position
	/// `start_after`.
	pub fn attestations_by_patient(
		patient: T::AccountId,
		start_after: Option<u32>,
		limit: u32,
	) -> Page<u32, AttestationInfoOf<T>> {
		let len = PatientAttestationCount::<T>::get(&patient);
		Self::positional_page(len, start_after, limit, |position| {
			AttestationsByPatient::<T>::get(&patient, position)
		})
	}

	/// The attestations recorded in blocks `from..=to`, oldest first, `limit` at most, after
	/// the listing position `start_after`.
	pub fn attestations_by_block_range(
		from: BlockNumberFor<T>,
		to: BlockNumberFor<T>,
		start_after: Option<AttestationSeq>,
		limit: u32,
	) -> Page<AttestationSeq, AttestationInfoOf<T>> {
		let end = NextAttestationSeq::<T>::get();
		let block_of = |seq: AttestationSeq| AttestationsBySeq::<T>::get(seq).map(|(b, _)| b);
		// The first position whose block is at least `from` (blocks never decrease).
		let first = {
			let (mut low, mut high) = (0, end);
			while low < high {
				let middle = low + (high - low) / 2;
				if block_of(middle).is_none_or(|block| block < from) {
					low = middle + 1;
				} else {
					high = middle;
				}
			}
			low
		};
		let mut seq = start_after.map_or(first, |after| after.saturating_add(1).max(first));
		let mut items = Vec::new();
		let size = page_size(limit) as usize;
		while seq < end && items.len() < size {
			let Some((block, request_id)) = AttestationsBySeq::<T>::get(seq) else {
				seq = seq.saturating_add(1);
				continue;
			};
			if block > to {
				return Page { items, next: None };
			}
			if let Some(info) = Self::attestation(request_id) {
				items.push((seq, info));
			}
			seq = seq.saturating_add(1);
		}
		let more = seq < end && block_of(seq).is_some_and(|block| block <= to);
		let next = if more { seq.checked_sub(1) } else { None };
		Page { items, next }
	}
}
