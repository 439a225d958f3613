//! The runtime API dApps and researchers use to ask about consent without reading raw storage.
//!
//! The runtime implements it with one line per method, each calling the `Pallet` function of
//! the same name:
//!
//! ```ignore
//! impl pallet_consent::runtime_api::ConsentApi<
//!     Block,
//!     AccountId,
//!     pallet_consent::ConsentOf<Runtime>,
//!     pallet_consent::DelegationOf<Runtime>,
//!     pallet_consent::EmergencyAccessOf<Runtime>,
//! > for Runtime {
//!     fn consent(id: ConsentId) -> Option<pallet_consent::ConsentOf<Runtime>> {
//!         pallet_consent::Pallet::<Runtime>::consent(id)
//!     }
//!     fn consents_of_patient(
//!         patient: AccountId,
//!         start_after: Option<ConsentId>,
//!         limit: u32,
//!     ) -> Page<ConsentId, pallet_consent::ConsentOf<Runtime>> {
//!         pallet_consent::Pallet::<Runtime>::consents_of_patient(patient, start_after, limit)
//!     }
//!     // … likewise for every method below.
//! }
//! ```
//!
//! "Now" is the number of the block whose state is queried. Paged methods follow healthchain's
//! one cursor rule (`healthchain_primitives::page`): at most `MAX_PAGE_SIZE` entries, whatever
//! `limit` asks; pass a page's `next` as `start_after` to get the following page.

use crate::types::{
	AccessBasis, ActiveCountsPage, ConsentCounts, ConsentId, DataTarget, DenialReason,
	EmergencyAccessId, Page, Purpose,
};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Queries on patient consent, delegations and break-glass accesses.
	pub trait ConsentApi<AccountId, Consent, Delegation, EmergencyAccess>
	where
		AccountId: Codec,
		Consent: Codec,
		Delegation: Codec,
		EmergencyAccess: Codec,
	{
		/// One consent by id.
		fn consent(id: ConsentId) -> Option<Consent>;

		/// The consents a patient gave (every status, until removed), oldest first, paged.
		fn consents_of_patient(
			patient: AccountId,
			start_after: Option<ConsentId>,
			limit: u32,
		) -> Page<ConsentId, Consent>;

		/// The consents given to a grantee (every status, until removed), paged, in storage
		/// order.
		fn consents_of_grantee(
			grantee: AccountId,
			start_after: Option<ConsentId>,
			limit: u32,
		) -> Page<ConsentId, Consent>;

		/// Whether consent permits `grantee` to use `target` of `patient` for `purpose` now:
		/// the covering permit, or why not.
		fn check_permission(
			patient: AccountId,
			grantee: AccountId,
			purpose: Purpose,
			target: DataTarget,
		) -> Result<ConsentId, DenialReason>;

		/// Like `check_permission`, but an open break-glass access also counts for emergency
		/// treatment.
		fn check_access(
			patient: AccountId,
			grantee: AccountId,
			purpose: Purpose,
			target: DataTarget,
		) -> Result<AccessBasis, DenialReason>;

		/// Counts of consents neither revoked nor removed, by purpose and data class: numbers
		/// only. Consents whose period is over still count until removed; use
		/// `active_consent_counts` for an exact count at this block.
		fn consent_counts() -> ConsentCounts;

		/// Counts of the consents active at this block, by purpose and data class, over one
		/// page of the consent map. Add the pages up to count every consent.
		fn active_consent_counts(start_after: Option<ConsentId>, limit: u32) -> ActiveCountsPage;

		/// The delegates a patient appointed, expired ones included until removed.
		fn delegations_of_patient(patient: AccountId) -> Vec<(AccountId, Delegation)>;

		/// The break-glass accesses opened on a patient's data, until removed, oldest first.
		fn emergency_accesses_of_patient(
			patient: AccountId,
		) -> Vec<(EmergencyAccessId, EmergencyAccess)>;

		/// Break-glass accesses not yet reviewed, over one page of the access map.
		fn emergency_accesses_pending_review(
			start_after: Option<EmergencyAccessId>,
			limit: u32,
		) -> Page<EmergencyAccessId, EmergencyAccess>;
	}
}
