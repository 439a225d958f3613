//! Withdrawal stops processing: the records and consent pallets tell this pallet, in the call
//! that erases or amends a record or withdraws a permission, and the open requests that may no
//! longer go on are cancelled in that same call, before any off-chain worker sees the next
//! block.
//!
//! - Erasing or amending a record re-checks the record's open requests
//!   ([`OpenRequestsByRecord`], at most `MaxOpenRequestsPerRecord`).
//! - Revoking a permit or granting a deny re-checks the open requests of the (patient,
//!   grantee) pair ([`OpenRequestsByPair`], at most `MaxOpenRequestsPerPair`).
//!
//! Each re-check is the rule of `cancel_request` ([`Pallet::cancel_reason`]): a request is
//! cancelled if its record version is no longer current, the consent no longer permits its
//! requester, or its model was retired. Three withdrawals do not call in, and are caught the
//! same way at the next touch (a submission, `cancel_request`) and by the off-chain worker,
//! which checks the rule before it reads a record: a consent that ends by time
//! (`valid_until`), a deny whose `valid_from` lies in the future, and a retired model, whose
//! open requests may be anywhere on the chain (bounding them per model would cap the chain's
//! throughput per model; the worker's check already keeps every node from running a retired
//! model).

use crate::{
	Config, OpenRequestsByPair, OpenRequestsByRecord, Pallet, RequestId, Requests, WeightInfo,
};
use alloc::vec::Vec;
use frame_support::{traits::Get, weights::Weight};
use healthchain_primitives::{
	ConsentCheck, OnConsentChange, OnRecordChange, RecordId, RecordLookup,
};

impl<T: Config> Pallet<T> {
	/// Cancels, for `by`, each of the open requests `ids` that may no longer go on; returns
	/// how many were looked at.
	fn cancel_withdrawn(ids: Vec<RequestId>, by: &T::AccountId) -> u32 {
		let now = frame_system::Pallet::<T>::block_number();
		let looked_at = ids.len() as u32;
		for request_id in ids {
			let Some(request) = Requests::<T>::get(request_id) else { continue };
			if !request.status.is_open() {
				continue;
			}
			if let Some(reason) = Self::cancel_reason(&request, now) {
				Self::cancel(request_id, request, reason, by.clone(), now);
			}
		}
		looked_at
	}

	/// The weight of the re-checks of `n` requests: one record lookup and one consent check
	/// each, besides the measured weight of looking at and cancelling them.
	fn recheck_weight(n: u32) -> Weight {
		T::ConsentCheck::check_weight()
			.saturating_add(T::RecordLookup::lookup_weight())
			.saturating_mul(u64::from(n))
	}

	/// The open requests on record `id` may no longer go on: cancel those that may not.
	fn record_changed(id: RecordId, by: &T::AccountId) -> Weight {
		let ids = OpenRequestsByRecord::<T>::get(id).into_inner();
		let looked_at = Self::cancel_withdrawn(ids, by);
		T::WeightInfo::cancel_on_record_change(looked_at)
			.saturating_add(Self::recheck_weight(looked_at))
	}
}

impl<T: Config> OnRecordChange<T::AccountId> for Pallet<T> {
	fn on_erased(id: RecordId, by: &T::AccountId) -> Weight {
		Self::record_changed(id, by)
	}

	fn on_amended(id: RecordId, by: &T::AccountId) -> Weight {
		Self::record_changed(id, by)
	}

	fn max_weight() -> Weight {
		let n = T::MaxOpenRequestsPerRecord::get();
		T::WeightInfo::cancel_on_record_change(n).saturating_add(Self::recheck_weight(n))
	}
}

impl<T: Config> OnConsentChange<T::AccountId> for Pallet<T> {
	fn on_permission_narrowed(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		by: &T::AccountId,
	) -> Weight {
		let ids = OpenRequestsByPair::<T>::get(patient, grantee).into_inner();
		let looked_at = Self::cancel_withdrawn(ids, by);
		T::WeightInfo::cancel_on_consent_change(looked_at)
			.saturating_add(Self::recheck_weight(looked_at))
	}

	fn max_weight() -> Weight {
		let n = T::MaxOpenRequestsPerPair::get();
		T::WeightInfo::cancel_on_consent_change(n).saturating_add(Self::recheck_weight(n))
	}
}
