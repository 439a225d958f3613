//! Batches: many records of one export anchored under one Merkle root, stored with the leaf
//! count so that an inclusion proof also pins the leaf's position.

use crate::{
	Anchor, Anchors, Batch, Batches, Config, DataClass, Error, Event, Hash32, NextBatchId, Pallet,
	SchemaOf,
};
use frame_support::{
	ensure,
	pallet_prelude::{DispatchResult, Get},
};

impl<T: Config> Pallet<T> {
	/// Anchors a batch held by `custodian` (whose origin the call checked) under `merkle_root`,
	/// covering `leaf_count` commitments.
	pub(crate) fn do_anchor_batch(
		custodian: T::AccountId,
		patient: Option<T::AccountId>,
		merkle_root: Hash32,
		leaf_count: u32,
		data_class: DataClass,
		schema: SchemaOf<T>,
	) -> DispatchResult {
		ensure!(leaf_count > 0, Error::<T>::EmptyBatch);
		ensure!(leaf_count <= T::MaxBatchSize::get(), Error::<T>::BatchTooLarge);
		ensure!(schema.is_valid(), Error::<T>::InvalidSchemaCode);
		Self::ensure_new_anchor(&merkle_root)?;
		let batch_id = NextBatchId::<T>::get();
		let next_id = batch_id.checked_add(1).ok_or(Error::<T>::BatchIdsExhausted)?;

		let (now, time) = Self::now();
		Batches::<T>::insert(
			batch_id,
			Batch {
				custodian: custodian.clone(),
				patient: patient.clone(),
				root: merkle_root,
				leaf_count,
				data_class,
				schema,
				anchored_at: now,
				anchored_time: time,
			},
		);
		Anchors::<T>::insert(merkle_root, Anchor::Batch(batch_id));
		NextBatchId::<T>::put(next_id);
		Self::deposit_event(Event::BatchAnchored {
			batch_id,
			custodian,
			patient,
			root: merkle_root,
			leaf_count,
			data_class,
		});
		Ok(())
	}
}
