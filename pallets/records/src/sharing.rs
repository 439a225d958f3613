//! Who holds a record: the custodian that anchored it, and the custodians it shared the record
//! with on chain. Only a holder's node has the record, so only a holder's attestor may attest
//! inferences on it (the attestation pallet asks [`RecordLookup::is_holder`]).
//!
//! Sharing is an on-chain act next to the off-chain copy: the custodian exports the record
//! (`store export-record`), the receiving hospital imports it (`store import-record-export`),
//! and the custodian calls `share_record`. Either side may later withdraw the share.

use crate::{Config, Error, Event, Pallet, RecordId, Records, SharedWith};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::SortedMembers};
#[cfg(doc)]
use healthchain_primitives::RecordLookup;

impl<T: Config> Pallet<T> {
	/// Shares record `record_id` of `custodian` (whose origin the call checked) with `holder`.
	pub(crate) fn do_share_record(
		custodian: T::AccountId,
		record_id: RecordId,
		holder: T::AccountId,
	) -> DispatchResult {
		let record = Records::<T>::get(record_id).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(record.custodian == custodian, Error::<T>::NotRecordCustodian);
		ensure!(!record.is_erased(), Error::<T>::RecordErased);
		ensure!(T::Custodians::contains(&holder), Error::<T>::NotACustodian);
		ensure!(holder != record.custodian, Error::<T>::AlreadyHolder);
		SharedWith::<T>::try_mutate(record_id, |holders| {
			ensure!(!holders.contains(&holder), Error::<T>::AlreadyHolder);
			holders.try_push(holder.clone()).map_err(|_| Error::<T>::TooManyShares)
		})?;
		Self::deposit_event(Event::RecordShared { record_id, holder });
		Ok(())
	}

	/// Withdraws the share of record `record_id` with `holder`, for `who`: the record's
	/// custodian or the holder itself.
	pub(crate) fn do_unshare_record(
		who: T::AccountId,
		record_id: RecordId,
		holder: T::AccountId,
	) -> DispatchResult {
		let record = Records::<T>::get(record_id).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(who == record.custodian || who == holder, Error::<T>::NotCustodianOrHolder);
		SharedWith::<T>::try_mutate_exists(record_id, |entry| {
			let holders = entry.as_mut().ok_or(Error::<T>::NotHolder)?;
			let position =
				holders.iter().position(|h| *h == holder).ok_or(Error::<T>::NotHolder)?;
			holders.remove(position);
			if holders.is_empty() {
				*entry = None;
			}
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::RecordUnshared { record_id, holder, by: who });
		Ok(())
	}

	/// Whether `who` holds record `record_id`: its custodian, or a custodian it was shared
	/// with.
	pub(crate) fn holds(record_id: RecordId, who: &T::AccountId) -> bool {
		Records::<T>::get(record_id).is_some_and(|record| record.custodian == *who)
			|| SharedWith::<T>::get(record_id).contains(who)
	}
}
