//! Queries for the runtime API (see [`crate::runtime_api::ConsentApi`]): consents and their
//! listings, consent checks at the current block, counters, delegations and break-glass accesses.

use crate::{pallet::*, types::*, ConsentOf, DelegationOf, EmergencyAccessOf};
use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::ConsentCheck;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// The page size for `limit`: `1..=MAX_PAGE_SIZE` (see `healthchain_primitives::page`).
	fn page_size(limit: u32) -> usize {
		healthchain_primitives::page_size(limit) as usize
	}

	/// One consent by id.
	pub fn consent(consent_id: ConsentId) -> Option<ConsentOf<T>> {
		Consents::<T>::get(consent_id)
	}

	/// The consents of a patient, oldest first, `limit` at most, after `start_after`.
	pub fn consents_of_patient(
		patient: T::AccountId,
		start_after: Option<ConsentId>,
		limit: u32,
	) -> Page<ConsentId, ConsentOf<T>> {
		let ids = ConsentsByPatient::<T>::get(&patient);
		let start = start_after
			.map_or(0, |after| ids.iter().position(|id| *id > after).unwrap_or(ids.len()));
		let end = start.saturating_add(Self::page_size(limit)).min(ids.len());
		let page = ids.get(start..end).unwrap_or_default();
		Page {
			items: page.iter().filter_map(|id| Consents::<T>::get(id).map(|c| (*id, c))).collect(),
			next: if end < ids.len() { page.last().copied() } else { None },
		}
	}

	/// The consents given to a grantee, in storage order, `limit` at most, after
	/// `start_after`.
	pub fn consents_of_grantee(
		grantee: T::AccountId,
		start_after: Option<ConsentId>,
		limit: u32,
	) -> Page<ConsentId, ConsentOf<T>> {
		let mut ids = match start_after {
			Some(after) => ConsentsByGrantee::<T>::iter_key_prefix_from(
				&grantee,
				ConsentsByGrantee::<T>::hashed_key_for(&grantee, after),
			),
			None => ConsentsByGrantee::<T>::iter_key_prefix(&grantee),
		};
		let mut items = Vec::new();
		let mut last = None;
		for consent_id in ids.by_ref().take(Self::page_size(limit)) {
			last = Some(consent_id);
			if let Some(consent) = Consents::<T>::get(consent_id) {
				items.push((consent_id, consent));
			}
		}
		let next = if ids.next().is_some() { last } else { None };
		Page { items, next }
	}

	/// Whether consent permits the request at the current block, and why not.
	pub fn check_permission(
		patient: T::AccountId,
		grantee: T::AccountId,
		purpose: Purpose,
		target: DataTarget,
	) -> Result<ConsentId, DenialReason> {
		let now = frame_system::Pallet::<T>::block_number();
		Self::evaluate(&patient, &grantee, purpose, &target, now)
	}

	/// Like [`Self::check_permission`], with break-glass access counting for emergency
	/// treatment.
	pub fn check_access(
		patient: T::AccountId,
		grantee: T::AccountId,
		purpose: Purpose,
		target: DataTarget,
	) -> Result<AccessBasis, DenialReason> {
		let now = frame_system::Pallet::<T>::block_number();
		<Self as ConsentCheck<T::AccountId, BlockNumberFor<T>>>::check_access(
			&patient, &grantee, purpose, &target, now,
		)
	}

	/// The counters of consents neither revoked nor removed, by purpose and data class.
	pub fn consent_counts() -> ConsentCounts {
		let mut counts = ConsentCounts::default();
		for decision in Decision::ALL {
			for purpose in Purpose::ALL {
				let count = ConsentCountByPurpose::<T>::get(decision, purpose);
				if count > 0 {
					counts.by_purpose.push(PurposeCount { decision, purpose, count });
				}
			}
			for data_class in DataClass::ALL {
				let count = ConsentCountByDataClass::<T>::get(decision, data_class);
				if count > 0 {
					counts.by_data_class.push(DataClassCount { decision, data_class, count });
				}
			}
		}
		counts
	}

	/// Counts of the consents active at the current block over one page of the consent map.
	pub fn active_consent_counts(start_after: Option<ConsentId>, limit: u32) -> ActiveCountsPage {
		let now = frame_system::Pallet::<T>::block_number();
		let mut consents = match start_after {
			Some(after) => Consents::<T>::iter_from(Consents::<T>::hashed_key_for(after)),
			None => Consents::<T>::iter(),
		};
		let mut counts = ConsentCounts::default();
		let mut scanned = 0u32;
		let mut last = None;
		for (consent_id, consent) in consents.by_ref().take(Self::page_size(limit)) {
			scanned.saturating_inc();
			last = Some(consent_id);
			if consent.status_at(now) == ConsentStatus::Active {
				counts.add(
					consent.decision,
					consent.purposes.iter().copied(),
					consent.data_classes(),
				);
			}
		}
		let next = if consents.next().is_some() { last } else { None };
		ActiveCountsPage { counts, scanned, next }
	}

	/// The representatives a patient appointed, expired ones included until removed.
	pub fn delegations_of_patient(patient: T::AccountId) -> Vec<(T::AccountId, DelegationOf<T>)> {
		Delegations::<T>::iter_prefix(&patient).collect()
	}

	/// The break-glass accesses on a patient's data, oldest first.
	pub fn emergency_accesses_of_patient(
		patient: T::AccountId,
	) -> Vec<(EmergencyAccessId, EmergencyAccessOf<T>)> {
		EmergencyAccessesByPatient::<T>::get(&patient)
			.into_iter()
			.filter_map(|id| EmergencyAccesses::<T>::get(id).map(|access| (id, access)))
			.collect()
	}

	/// The unreviewed break-glass accesses among one page of the access map.
	pub fn emergency_accesses_pending_review(
		start_after: Option<EmergencyAccessId>,
		limit: u32,
	) -> Page<EmergencyAccessId, EmergencyAccessOf<T>> {
		let mut accesses = match start_after {
			Some(after) => {
				EmergencyAccesses::<T>::iter_from(EmergencyAccesses::<T>::hashed_key_for(after))
			},
			None => EmergencyAccesses::<T>::iter(),
		};
		let mut items = Vec::new();
		let mut last = None;
		for (access_id, access) in accesses.by_ref().take(Self::page_size(limit)) {
			last = Some(access_id);
			if access.review.is_none() {
				items.push((access_id, access));
			}
		}
		let next = if accesses.next().is_some() { last } else { None };
		Page { items, next }
	}
}
