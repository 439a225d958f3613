//! The pallet's invariants, checked by `try_state` and after every unit test: the indexes agree
//! with the consent map, the counters with the consents, the held deposits with the entries.

use crate::{pallet::*, types::*, BalanceOf};
use frame_support::{ensure, pallet_prelude::Get};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Checks that the indexes agree with the consent map, the counters with the consents,
	/// the held deposits with the entries, and the break-glass listings with the accesses.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::InspectHold;

		// Consents and their indexes.
		let next_consent_id = NextConsentId::<T>::get();
		let mut consents = 0usize;
		let mut expected = ConsentCounts::default();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (consent_id, consent) in Consents::<T>::iter() {
			consents += 1;
			ensure!(consent_id < next_consent_id, "consent id not below NextConsentId");
			ensure!(
				ConsentsByPair::<T>::get(&consent.patient, &consent.grantee).contains(&consent_id),
				"consent missing from its (patient, grantee) index"
			);
			ensure!(
				ConsentsByPatient::<T>::get(&consent.patient).contains(&consent_id),
				"consent missing from its patient index"
			);
			ensure!(
				ConsentsByGrantee::<T>::contains_key(&consent.grantee, consent_id),
				"consent missing from its grantee index"
			);
			ensure!(consent.patient != consent.grantee, "consent granted to its own patient");
			ensure!(
				!consent.purposes.is_empty() && consent.purposes.windows(2).all(|w| w[0] < w[1]),
				"purposes not a non-empty sorted set"
			);
			ensure!(
				!consent.data.is_empty() && consent.data.windows(2).all(|w| w[0] < w[1]),
				"data scope not a non-empty sorted set"
			);
			ensure!(
				consent.valid_until.is_none_or(|until| until > consent.valid_from),
				"consent period empty"
			);
			if consent.revoked.is_none() {
				expected.add(
					consent.decision,
					consent.purposes.iter().copied(),
					consent.data_classes(),
				);
			}
			let held = deposits.entry(consent.patient.clone()).or_default();
			*held = held.saturating_add(consent.deposit);
		}

		let mut indexed = 0usize;
		for (patient, grantee, ids) in ConsentsByPair::<T>::iter() {
			ensure!(!ids.is_empty(), "empty (patient, grantee) index kept");
			ensure!(ids.windows(2).all(|w| w[0] < w[1]), "(patient, grantee) index not sorted");
			for consent_id in ids.iter() {
				let consent =
					Consents::<T>::get(consent_id).ok_or("pair index names a missing consent")?;
				ensure!(
					consent.patient == patient && consent.grantee == grantee,
					"pair index entry under the wrong pair"
				);
			}
			indexed += ids.len();
		}
		ensure!(indexed == consents, "pair index and consent map differ in size");

		indexed = 0;
		for (patient, ids) in ConsentsByPatient::<T>::iter() {
			ensure!(!ids.is_empty(), "empty patient index kept");
			ensure!(ids.windows(2).all(|w| w[0] < w[1]), "patient index not sorted");
			for consent_id in ids.iter() {
				let consent = Consents::<T>::get(consent_id)
					.ok_or("patient index names a missing consent")?;
				ensure!(consent.patient == patient, "patient index entry under the wrong patient");
			}
			indexed += ids.len();
		}
		ensure!(indexed == consents, "patient index and consent map differ in size");

		indexed = 0;
		for (grantee, consent_id, ()) in ConsentsByGrantee::<T>::iter() {
			let consent =
				Consents::<T>::get(consent_id).ok_or("grantee index names a missing consent")?;
			ensure!(consent.grantee == grantee, "grantee index entry under the wrong grantee");
			indexed += 1;
		}
		ensure!(indexed == consents, "grantee index and consent map differ in size");

		// Counters.
		let mut stored = ConsentCounts::default();
		for (decision, purpose, count) in ConsentCountByPurpose::<T>::iter() {
			ensure!(count > 0, "zero purpose counter kept");
			stored.by_purpose.push(PurposeCount { decision, purpose, count });
		}
		for (decision, data_class, count) in ConsentCountByDataClass::<T>::iter() {
			ensure!(count > 0, "zero data class counter kept");
			stored.by_data_class.push(DataClassCount { decision, data_class, count });
		}
		ensure!(
			stored.by_purpose.len() == expected.by_purpose.len()
				&& expected
					.by_purpose
					.iter()
					.all(|c| stored.purpose(c.decision, c.purpose) == c.count),
			"purpose counters disagree with the consents"
		);
		ensure!(
			stored.by_data_class.len() == expected.by_data_class.len()
				&& expected
					.by_data_class
					.iter()
					.all(|c| stored.data_class(c.decision, c.data_class) == c.count),
			"data class counters disagree with the consents"
		);

		// Consent deposits.
		let consent_reason: T::RuntimeHoldReason = HoldReason::ConsentDeposit.into();
		for (patient, deposit) in deposits {
			ensure!(
				T::Currency::balance_on_hold(&consent_reason, &patient) == deposit,
				"consent deposits held differ from the consents' deposits"
			);
		}

		// Delegations.
		let mut delegations: BTreeMap<T::AccountId, (u32, BalanceOf<T>)> = BTreeMap::new();
		for (patient, delegate, delegation) in Delegations::<T>::iter() {
			ensure!(patient != delegate, "patient delegated to themselves");
			let entry = delegations.entry(patient).or_default();
			entry.0 += 1;
			entry.1 = entry.1.saturating_add(delegation.deposit);
		}
		let delegation_reason: T::RuntimeHoldReason = HoldReason::DelegationDeposit.into();
		for (patient, count) in DelegateCount::<T>::iter() {
			let (actual, deposit) = delegations.remove(&patient).unwrap_or_default();
			ensure!(count == actual && count > 0, "DelegateCount disagrees with Delegations");
			ensure!(
				count <= T::MaxDelegatesPerPatient::get(),
				"more delegations than MaxDelegatesPerPatient"
			);
			ensure!(
				T::Currency::balance_on_hold(&delegation_reason, &patient) == deposit,
				"delegation deposits held differ from the delegations' deposits"
			);
		}
		ensure!(delegations.is_empty(), "delegations without a DelegateCount");

		// Break-glass accesses.
		let next_access_id = NextEmergencyAccessId::<T>::get();
		let mut accesses = 0usize;
		for (access_id, access) in EmergencyAccesses::<T>::iter() {
			accesses += 1;
			ensure!(access_id < next_access_id, "access id not below NextEmergencyAccessId");
			ensure!(
				EmergencyAccessesByPatient::<T>::get(&access.patient).contains(&access_id),
				"break-glass access missing from its patient listing"
			);
			ensure!(!access.reason.is_empty(), "break-glass access without a reason");
			ensure!(access.opened_at < access.expires_at, "break-glass access never open");
		}
		indexed = 0;
		for (patient, ids) in EmergencyAccessesByPatient::<T>::iter() {
			ensure!(!ids.is_empty(), "empty break-glass listing kept");
			for access_id in ids.iter() {
				let access = EmergencyAccesses::<T>::get(access_id)
					.ok_or("break-glass listing names a missing access")?;
				ensure!(access.patient == patient, "break-glass listing under the wrong patient");
			}
			indexed += ids.len();
		}
		ensure!(indexed == accesses, "break-glass listings and access map differ in size");
		for (patient, provider, access_id) in LatestEmergencyAccess::<T>::iter() {
			let access = EmergencyAccesses::<T>::get(access_id)
				.ok_or("latest break-glass pointer names a missing access")?;
			ensure!(
				access.patient == patient && access.provider == provider,
				"latest break-glass pointer under the wrong pair"
			);
		}
		Ok(())
	}
}
