//! The patient-visible access log: logging a disclosure once consent, an open break-glass
//! access or the patient's own request permits it, and rolling old entries into the
//! patient's hash-chained digest.

use crate::{
	AccessEntry, AccessEntryOf, AccessLogEntries, AccessLogOf, AccessLogs, Config, DisclosureBasis,
	Error, Event, Hash32, Pallet, Purpose, RecordId, Records,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	ensure,
	pallet_prelude::{DispatchError, DispatchResult, Get},
};
use healthchain_primitives::{ConsentCheck, DataTarget};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Logs that `custodian` (whose origin the call checked) disclosed record `record_id` to
	/// `accessor` for `purpose`, once the disclosure is found permitted; rolls the oldest
	/// entry into the digest first when the patient's log is full.
	pub(crate) fn do_log_access(
		custodian: T::AccountId,
		record_id: RecordId,
		accessor: T::AccountId,
		purpose: Purpose,
	) -> DispatchResult {
		let record = Records::<T>::get(record_id).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(record.custodian == custodian, Error::<T>::NotRecordCustodian);
		ensure!(!record.is_erased(), Error::<T>::RecordErased);
		let (now, time) = Self::now();
		let basis = if accessor == record.patient {
			DisclosureBasis::PatientRequest
		} else {
			let target = DataTarget::record(record.data_class, record_id);
			T::ConsentCheck::check_access(&record.patient, &accessor, purpose, &target, now)
				.map_err(Error::<T>::from)?
				.into()
		};

		let patient = record.patient;
		let mut log = AccessLogs::<T>::get(&patient);
		let seq = log.next;
		log.next = seq.checked_add(1).ok_or(Error::<T>::AccessLogExhausted)?;
		if log.kept() > u64::from(T::MaxAccessLogPerPatient::get()) {
			Self::fold_oldest(&patient, &mut log);
			Self::deposit_event(Event::AccessLogCompacted {
				patient: patient.clone(),
				folded: 1,
				total_folded: log.folded,
				digest: log.digest,
			});
		}
		let entry = AccessEntry {
			record_id,
			version: record.version,
			custodian,
			accessor,
			purpose,
			basis,
			at: now,
			time,
		};
		AccessLogEntries::<T>::insert(&patient, seq, &entry);
		AccessLogs::<T>::insert(&patient, log);
		Self::deposit_event(Event::AccessLogged { patient, seq, entry });
		Ok(())
	}

	/// Rolls up to `max_entries` of the oldest entries of `patient`'s access log that are past
	/// `AccessLogRetention` into the digest; returns how many it rolled up.
	pub(crate) fn do_compact_access_log(
		patient: T::AccountId,
		max_entries: u32,
	) -> Result<u32, DispatchError> {
		let (now, _) = Self::now();
		let retention = T::AccessLogRetention::get();
		let mut log = AccessLogs::<T>::get(&patient);
		let mut folded = 0u32;
		while folded < max_entries.min(T::MaxAccessLogPerPatient::get()) {
			let Some(oldest) = AccessLogEntries::<T>::get(&patient, log.folded) else { break };
			if oldest.at.saturating_add(retention) > now {
				break;
			}
			Self::fold_oldest(&patient, &mut log);
			folded.saturating_inc();
		}
		ensure!(folded > 0, Error::<T>::NothingToCompact);
		let (total_folded, digest) = (log.folded, log.digest);
		AccessLogs::<T>::insert(&patient, log);
		Self::deposit_event(Event::AccessLogCompacted { patient, folded, total_folded, digest });
		Ok(folded)
	}

	/// Rolls the oldest stored entry of `patient`'s log into the digest and removes it from
	/// storage. The caller writes `log` back.
	fn fold_oldest(patient: &T::AccountId, log: &mut AccessLogOf<T>) {
		if log.folded >= log.next {
			return;
		}
		if let Some(entry) = AccessLogEntries::<T>::take(patient, log.folded) {
			log.digest = Self::chain_digest(&log.digest, &entry);
			log.last_folded_at = Some(entry.at);
		}
		log.folded.saturating_inc();
	}

	/// One step of the access-log hash chain: `blake2_256(digest ++ SCALE(entry))`.
	pub fn chain_digest(digest: &Hash32, entry: &AccessEntryOf<T>) -> Hash32 {
		let mut preimage = Vec::with_capacity(32 + entry.size_hint());
		preimage.extend_from_slice(digest);
		entry.encode_to(&mut preimage);
		sp_io::hashing::blake2_256(&preimage)
	}
}
