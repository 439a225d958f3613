//! The model registry: a model is proposed (or registered at genesis), approved by governance,
//! given a minimum quorum by governance, and retired by governance. A model's ONNX file hash
//! is registered once, under one id.

use crate::{
	Config, Error, Event, Hash32, Model, ModelHash, ModelId, ModelIdByHash, ModelStatus, Models,
	NextModelId, Pallet, MAX_OUTPUT_VALUES,
};
use frame_support::{
	dispatch::DispatchResult, ensure, pallet_prelude::DispatchError, traits::Get, BoundedVec,
};

impl<T: Config> Pallet<T> {
	/// Registers a new model as `Proposed` after checking its fields; returns its id.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn new_model(
		proposer: Option<T::AccountId>,
		model_hash: ModelHash,
		card_hash: Hash32,
		name: BoundedVec<u8, T::MaxNameLen>,
		version: BoundedVec<u8, T::MaxVersionLen>,
		output_size: u32,
		tolerance_ppm: u32,
		engine_version: BoundedVec<u8, T::MaxEngineVersionLen>,
	) -> Result<ModelId, DispatchError> {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		ensure!(!version.is_empty(), Error::<T>::EmptyVersion);
		ensure!(!engine_version.is_empty(), Error::<T>::EmptyEngineVersion);
		ensure!((1..=MAX_OUTPUT_VALUES).contains(&output_size), Error::<T>::InvalidOutputSize);
		ensure!(!ModelIdByHash::<T>::contains_key(model_hash), Error::<T>::ModelAlreadyRegistered);
		let model_id = NextModelId::<T>::get();
		let next_id = model_id.checked_add(1).ok_or(Error::<T>::ModelIdsExhausted)?;
		Models::<T>::insert(
			model_id,
			Model {
				model_hash,
				card_hash,
				name,
				version,
				output_size,
				tolerance_ppm,
				engine_version,
				status: ModelStatus::Proposed,
				proposer,
				proposed_at: frame_system::Pallet::<T>::block_number(),
				approved_at: None,
				retired_at: None,
				min_quorum: 1,
			},
		);
		ModelIdByHash::<T>::insert(model_hash, model_id);
		NextModelId::<T>::put(next_id);
		Ok(model_id)
	}

	/// Approves the proposed model `model_id` (the logic of `approve_model`).
	pub(crate) fn do_approve_model(model_id: ModelId) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let model_hash = Models::<T>::try_mutate(model_id, |entry| {
			let model = entry.as_mut().ok_or(Error::<T>::ModelNotFound)?;
			match model.status {
				ModelStatus::Proposed => {},
				ModelStatus::Approved => return Err(Error::<T>::ModelAlreadyApproved),
				ModelStatus::Retired => return Err(Error::<T>::ModelAlreadyRetired),
			}
			model.status = ModelStatus::Approved;
			model.approved_at = Some(now);
			Ok(model.model_hash)
		})?;
		Self::deposit_event(Event::ModelApproved { model_id, model_hash });
		Ok(())
	}

	/// Retires the model `model_id`, approved or only proposed (the logic of `retire_model`).
	pub(crate) fn do_retire_model(model_id: ModelId) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let model_hash = Models::<T>::try_mutate(model_id, |entry| {
			let model = entry.as_mut().ok_or(Error::<T>::ModelNotFound)?;
			ensure!(model.status != ModelStatus::Retired, Error::<T>::ModelAlreadyRetired);
			model.status = ModelStatus::Retired;
			model.retired_at = Some(now);
			Ok::<_, Error<T>>(model.model_hash)
		})?;
		Self::deposit_event(Event::ModelRetired { model_id, model_hash });
		Ok(())
	}

	/// Sets the minimum quorum of model `model_id` (the logic of `set_min_quorum`): proposed
	/// or approved, not retired.
	pub(crate) fn do_set_min_quorum(model_id: ModelId, min_quorum: u32) -> DispatchResult {
		ensure!((1..=T::MaxQuorum::get()).contains(&min_quorum), Error::<T>::InvalidQuorum);
		Models::<T>::try_mutate(model_id, |entry| {
			let model = entry.as_mut().ok_or(Error::<T>::ModelNotFound)?;
			ensure!(model.status != ModelStatus::Retired, Error::<T>::ModelAlreadyRetired);
			model.min_quorum = min_quorum;
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::ModelMinQuorumSet { model_id, min_quorum });
		Ok(())
	}
}
