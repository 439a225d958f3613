#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod break_glass;
mod check;
mod consents;
mod delegates;
#[cfg(test)]
mod mock;
mod queries;
pub mod runtime_api;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

pub use healthchain_primitives::{ConsentCheck, DenyAll, PermitAll};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible::{Inspect, MutateHold};
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::OnConsentChange;
use sp_runtime::traits::Zero;

/// The balance type of the currency deposits are held in.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored consent of runtime `T`.
pub type ConsentOf<T> = Consent<T>;
/// A provision (the argument of `grant_consent`) of runtime `T`.
pub type ProvisionOf<T> = Provision<T>;
/// A delegation of runtime `T`.
pub type DelegationOf<T> = Delegation<BlockNumberFor<T>, BalanceOf<T>>;
/// A break-glass access of runtime `T`.
pub type EmergencyAccessOf<T> = EmergencyAccess<T>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible::Mutate};
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	/// The consent pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the consent pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency storage deposits are held in (on the patient's account).
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;

		/// The overarching hold reason, which this pallet's `HoldReason` is part of.
		type RuntimeHoldReason: From<HoldReason>;

		/// Who may open a break-glass emergency access: a registered care provider. Returns
		/// the provider's account (e.g. a membership of clinicians wired in the runtime).
		type CareProviderOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// Who may record the review of a break-glass access (e.g. a compliance council; root
		/// in development).
		type ReviewOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Storage deposit held on the patient's account for each consent, returned when the
		/// consent is removed.
		#[pallet::constant]
		type ConsentDeposit: Get<BalanceOf<Self>>;

		/// Storage deposit held on the patient's account for each delegation, returned when
		/// the delegation is withdrawn or removed.
		#[pallet::constant]
		type DelegationDeposit: Get<BalanceOf<Self>>;

		/// Most purposes one consent may name.
		#[pallet::constant]
		type MaxPurposes: Get<u32>;

		/// Most data entries (classes and records) one consent may name.
		#[pallet::constant]
		type MaxDataScope: Get<u32>;

		/// Longest reference to the off-chain consent document, in bytes.
		#[pallet::constant]
		type MaxPolicyLen: Get<u32>;

		/// Most consents one patient may hold for one grantee (revoked and expired ones count
		/// until removed). Bounds the time and weight of every consent check.
		#[pallet::constant]
		type MaxConsentsPerPair: Get<u32>;

		/// Most consents one patient may hold in total (until removed).
		#[pallet::constant]
		type MaxConsentsPerPatient: Get<u32>;

		/// Most delegates one patient may appoint at once.
		#[pallet::constant]
		type MaxDelegatesPerPatient: Get<u32>;

		/// Longest break-glass reason code, in bytes.
		#[pallet::constant]
		type MaxReasonLen: Get<u32>;

		/// Most break-glass accesses kept per patient; when full, accesses past their
		/// retention period are pruned to make room.
		#[pallet::constant]
		type MaxEmergencyAccessesPerPatient: Get<u32>;

		/// How many blocks a break-glass access lasts.
		#[pallet::constant]
		type EmergencyAccessDuration: Get<BlockNumberFor<Self>>;

		/// How many blocks a revoked or expired consent, an expired delegation or an expired
		/// break-glass access is kept for audit and review before anyone may remove it.
		#[pallet::constant]
		type RetentionPeriod: Get<BlockNumberFor<Self>>;

		/// Told in the same call when a consent change may have withdrawn a permission (a permit
		/// revoked, a deny granted): in the healthchain runtime, the attestation pallet, which
		/// cancels the open inference requests no longer permitted.
		type OnConsentChange: OnConsentChange<Self::AccountId>;

		/// Weights of this pallet's calls and checks.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Storage deposit of a consent.
		ConsentDeposit,
		/// Storage deposit of a delegation.
		DelegationDeposit,
	}

	/// Every consent not yet removed, by id.
	#[pallet::storage]
	pub type Consents<T: Config> = StorageMap<_, Twox64Concat, ConsentId, ConsentOf<T>>;

	/// The id the next consent will get.
	#[pallet::storage]
	pub type NextConsentId<T> = StorageValue<_, ConsentId, ValueQuery>;

	/// The consents of a (patient, grantee) pair, oldest first: what a consent check reads.
	#[pallet::storage]
	pub type ConsentsByPair<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ConsentId, T::MaxConsentsPerPair>,
		ValueQuery,
	>;

	/// The consents of a patient, oldest first.
	#[pallet::storage]
	pub type ConsentsByPatient<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<ConsentId, T::MaxConsentsPerPatient>,
		ValueQuery,
	>;

	/// The consents given to a grantee, as a set of (grantee, consent id) keys. Not capped:
	/// a cap would let anyone fill a hospital's list; each entry is paid for by its deposit.
	#[pallet::storage]
	pub type ConsentsByGrantee<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, ConsentId, ()>;

	/// Number of consents neither revoked nor removed, by decision and purpose.
	#[pallet::storage]
	pub type ConsentCountByPurpose<T> =
		StorageDoubleMap<_, Twox64Concat, Decision, Twox64Concat, Purpose, u32, ValueQuery>;

	/// Number of consents neither revoked nor removed, by decision and data class.
	#[pallet::storage]
	pub type ConsentCountByDataClass<T> =
		StorageDoubleMap<_, Twox64Concat, Decision, Twox64Concat, DataClass, u32, ValueQuery>;

	/// Delegates appointed by patients: (patient, delegate) → delegation.
	#[pallet::storage]
	pub type Delegations<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		DelegationOf<T>,
	>;

	/// Number of delegations of a patient (expired ones included until removed).
	#[pallet::storage]
	pub type DelegateCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Every break-glass access not yet removed, by id.
	#[pallet::storage]
	pub type EmergencyAccesses<T: Config> =
		StorageMap<_, Twox64Concat, EmergencyAccessId, EmergencyAccessOf<T>>;

	/// The id the next break-glass access will get.
	#[pallet::storage]
	pub type NextEmergencyAccessId<T> = StorageValue<_, EmergencyAccessId, ValueQuery>;

	/// The break-glass accesses on a patient's data, oldest first: the review listing.
	#[pallet::storage]
	pub type EmergencyAccessesByPatient<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<EmergencyAccessId, T::MaxEmergencyAccessesPerPatient>,
		ValueQuery,
	>;

	/// The latest break-glass access of a (patient, care provider) pair: what an emergency
	/// check reads.
	#[pallet::storage]
	pub type LatestEmergencyAccess<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		EmergencyAccessId,
	>;

	/// What happened to consents, delegations and break-glass accesses.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A consent was granted.
		ConsentGranted {
			/// The new consent.
			consent_id: ConsentId,
			/// Whose data it is about.
			patient: T::AccountId,
			/// Who it is given to.
			grantee: T::AccountId,
			/// Permit or deny.
			decision: Decision,
			/// Who granted it: the patient, or a delegate acting for them.
			actor: T::AccountId,
		},
		/// A consent was revoked; it stops applying in this block.
		ConsentRevoked {
			/// The revoked consent.
			consent_id: ConsentId,
			/// Whose data it is about.
			patient: T::AccountId,
			/// Who it was given to.
			grantee: T::AccountId,
			/// Who revoked it: the patient, or a delegate acting for them.
			actor: T::AccountId,
		},
		/// A revoked or expired consent was removed after its retention period; its deposit
		/// went back to the patient.
		ConsentRemoved {
			/// The removed consent.
			consent_id: ConsentId,
			/// Whose consent it was; the deposit went back to this account.
			patient: T::AccountId,
			/// The deposit released.
			deposit: BalanceOf<T>,
			/// Who asked for the removal (anyone may).
			actor: T::AccountId,
		},
		/// A patient appointed (or renewed) a delegate.
		DelegateAppointed {
			/// The patient.
			patient: T::AccountId,
			/// The delegate.
			delegate: T::AccountId,
			/// What the delegate is to the patient.
			role: RepresentativeRole,
			/// First block at which the delegate may no longer act.
			expires_at: BlockNumberFor<T>,
		},
		/// A patient withdrew a delegation; it stops applying in this block.
		DelegationWithdrawn {
			/// The patient.
			patient: T::AccountId,
			/// The former delegate.
			delegate: T::AccountId,
		},
		/// An expired delegation was removed after its retention period.
		DelegationRemoved {
			/// The patient; the deposit went back to this account.
			patient: T::AccountId,
			/// The former delegate.
			delegate: T::AccountId,
			/// Who asked for the removal (anyone may).
			actor: T::AccountId,
		},
		/// A care provider opened break-glass emergency access to a patient's data.
		EmergencyAccessOpened {
			/// The new access.
			access_id: EmergencyAccessId,
			/// The patient whose data is accessed.
			patient: T::AccountId,
			/// The care provider.
			provider: T::AccountId,
			/// The reason code the provider gave.
			reason: BoundedVec<u8, T::MaxReasonLen>,
			/// First block at which the access no longer applies.
			expires_at: BlockNumberFor<T>,
		},
		/// The review of a break-glass access was recorded.
		EmergencyAccessReviewed {
			/// The reviewed access.
			access_id: EmergencyAccessId,
			/// The patient whose data was accessed.
			patient: T::AccountId,
			/// The care provider who opened it.
			provider: T::AccountId,
			/// The reviewer's conclusion.
			outcome: ReviewOutcome,
		},
		/// An expired break-glass access was removed after its retention period.
		EmergencyAccessRemoved {
			/// The removed access.
			access_id: EmergencyAccessId,
			/// The patient whose data was accessed.
			patient: T::AccountId,
			/// Who removed it: anyone who asked, or the care provider whose new access pruned
			/// it.
			actor: T::AccountId,
		},
	}

	/// Why a call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// A consent must name at least one purpose.
		NoPurpose,
		/// A purpose is named twice.
		DuplicatePurpose,
		/// A consent must name at least one data class or record.
		NoDataScope,
		/// A data class or record is named twice.
		DuplicateDataScope,
		/// The policy reference is empty; leave it out instead.
		EmptyPolicyReference,
		/// The period ends before it starts (or before now): the consent would never apply.
		EmptyPeriod,
		/// A patient does not need consent to use their own data.
		CannotGrantToSelf,
		/// A delegate may not permit themselves on the patient's behalf.
		DelegateCannotPermitSelf,
		/// A consent granted by a delegate must end no later than the delegation.
		ConsentOutlivesDelegation,
		/// The caller is neither the patient nor one of their delegates.
		NotPatientOrDelegate,
		/// The caller's delegation from this patient has expired.
		DelegationExpired,
		/// The patient already holds `MaxConsentsPerPair` consents for this grantee; remove
		/// revoked or expired ones first.
		TooManyConsentsForPair,
		/// The patient already holds `MaxConsentsPerPatient` consents; remove revoked or
		/// expired ones first.
		TooManyConsentsForPatient,
		/// Every consent id has been used.
		ConsentIdsExhausted,
		/// The patient's free balance cannot cover the storage deposit.
		InsufficientBalanceForDeposit,
		/// No consent has this id.
		ConsentNotFound,
		/// The consent is already revoked.
		AlreadyRevoked,
		/// The consent is neither revoked nor expired, so it cannot be removed.
		ConsentStillInForce,
		/// The retention period of this entry is not over yet.
		RetentionPeriodNotOver,
		/// A patient cannot appoint themselves.
		CannotDelegateToSelf,
		/// The delegation's expiry must be a future block.
		ExpiryNotInFuture,
		/// The patient already has `MaxDelegatesPerPatient` delegates.
		TooManyDelegates,
		/// The patient has not appointed this delegate.
		DelegationNotFound,
		/// A break-glass access needs a reason code.
		EmptyReason,
		/// A care provider cannot open break-glass access to their own data.
		CannotOpenForSelf,
		/// This care provider already has an open break-glass access for this patient.
		EmergencyAccessAlreadyOpen,
		/// The patient's break-glass list is full of accesses still within retention.
		TooManyEmergencyAccesses,
		/// Every break-glass access id has been used.
		EmergencyAccessIdsExhausted,
		/// No break-glass access has this id.
		EmergencyAccessNotFound,
		/// This break-glass access has already been reviewed.
		AlreadyReviewed,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxPurposes::get() > 0, "MaxPurposes must be at least 1");
			assert!(T::MaxDataScope::get() > 0, "MaxDataScope must be at least 1");
			assert!(T::MaxConsentsPerPair::get() > 0, "MaxConsentsPerPair must be at least 1");
			assert!(
				T::MaxConsentsPerPatient::get() >= T::MaxConsentsPerPair::get(),
				"MaxConsentsPerPatient must be at least MaxConsentsPerPair"
			);
			assert!(
				T::MaxEmergencyAccessesPerPatient::get() > 0,
				"MaxEmergencyAccessesPerPatient must be at least 1"
			);
			assert!(
				!T::EmergencyAccessDuration::get().is_zero(),
				"EmergencyAccessDuration must be at least 1 block"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Grant a consent: a permit or a deny for `grantee` to use the patient's data for the
		/// purposes and data in `provision`, during its period. A deny applies at once: the
		/// open inference requests it overrides are cancelled in the same call.
		///
		/// Signed by the patient (`on_behalf_of: None`), or by a delegate the patient
		/// appointed (`on_behalf_of: Some(patient)`); a delegate's consent must end no
		/// later than the delegation. Holds `ConsentDeposit` on the patient's account.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::grant_consent(
			provision.purposes.len() as u32,
			provision.data.len() as u32,
		).saturating_add(T::OnConsentChange::max_weight()))]
		pub fn grant_consent(
			origin: OriginFor<T>,
			on_behalf_of: Option<T::AccountId>,
			grantee: T::AccountId,
			provision: ProvisionOf<T>,
		) -> DispatchResultWithPostInfo {
			let actor = ensure_signed(origin)?;
			let patient = on_behalf_of.unwrap_or_else(|| actor.clone());
			let weight = T::WeightInfo::grant_consent(
				provision.purposes.len() as u32,
				provision.data.len() as u32,
			);
			let deny = provision.decision == Decision::Deny;
			Self::do_grant_consent(actor.clone(), patient.clone(), grantee.clone(), provision)?;
			// A deny overrides permits: what it covers is no longer permitted.
			let hooks = if deny {
				T::OnConsentChange::on_permission_narrowed(&patient, &grantee, &actor)
			} else {
				Weight::zero()
			};
			Ok(Some(weight.saturating_add(hooks)).into())
		}

		/// Revoke a consent; it stops applying in this block, and the open inference requests
		/// it permitted are cancelled in the same call. Signed by the patient or one of their
		/// delegates. The entry stays for `RetentionPeriod` blocks, then anyone may
		/// remove it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::revoke_consent(
			T::MaxPurposes::get(),
			T::MaxDataScope::get(),
		).saturating_add(T::OnConsentChange::max_weight()))]
		pub fn revoke_consent(
			origin: OriginFor<T>,
			consent_id: ConsentId,
		) -> DispatchResultWithPostInfo {
			let actor = ensure_signed(origin)?;
			Self::do_revoke_consent(actor, consent_id)
		}

		/// Appoint a delegate (such as a guardian or legal proxy) who may grant and revoke consents
		/// on the caller's behalf until `expires_at`. Appointing an existing delegate
		/// again renews it with the new role and expiry. Holds `DelegationDeposit` for a new
		/// delegation.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::appoint_delegate())]
		pub fn appoint_delegate(
			origin: OriginFor<T>,
			delegate: T::AccountId,
			role: RepresentativeRole,
			expires_at: BlockNumberFor<T>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_appoint_delegate(patient, delegate, role, expires_at)
		}

		/// Withdraw a delegation; the delegate may no longer act from this block on.
		/// Consents they granted stay (they are the patient's); revoke them separately if
		/// needed. Returns the delegation deposit.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_delegation())]
		pub fn withdraw_delegation(origin: OriginFor<T>, delegate: T::AccountId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_withdraw_delegation(patient, delegate)
		}

		/// Open break-glass emergency access to `patient`'s data for emergency treatment, for
		/// `EmergencyAccessDuration` blocks. Only a registered care provider may; the access is
		/// evented for the patient and listed for review. Overrides the patient's denies.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::open_emergency_access(
			T::MaxEmergencyAccessesPerPatient::get(),
		))]
		pub fn open_emergency_access(
			origin: OriginFor<T>,
			patient: T::AccountId,
			reason: BoundedVec<u8, T::MaxReasonLen>,
		) -> DispatchResultWithPostInfo {
			let provider = T::CareProviderOrigin::ensure_origin(origin)?;
			Self::do_open_emergency_access(provider, patient, reason)
		}

		/// Record the review of a break-glass access. Only `ReviewOrigin` may; each access is
		/// reviewed once.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::review_emergency_access())]
		pub fn review_emergency_access(
			origin: OriginFor<T>,
			access_id: EmergencyAccessId,
			outcome: ReviewOutcome,
		) -> DispatchResult {
			T::ReviewOrigin::ensure_origin(origin)?;
			Self::do_review_emergency_access(access_id, outcome)
		}

		/// Remove a revoked or expired consent once `RetentionPeriod` blocks have passed since
		/// it stopped applying. Anyone may; the deposit goes back to the patient.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::remove_consent(
			T::MaxPurposes::get(),
			T::MaxDataScope::get(),
		))]
		pub fn remove_consent(
			origin: OriginFor<T>,
			consent_id: ConsentId,
		) -> DispatchResultWithPostInfo {
			let actor = ensure_signed(origin)?;
			Self::do_remove_consent(actor, consent_id)
		}

		/// Remove an expired delegation once `RetentionPeriod` blocks have passed since it
		/// expired. Anyone may; the deposit goes back to the patient.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::remove_delegation())]
		pub fn remove_delegation(
			origin: OriginFor<T>,
			patient: T::AccountId,
			delegate: T::AccountId,
		) -> DispatchResult {
			let actor = ensure_signed(origin)?;
			Self::do_remove_expired_delegation(actor, patient, delegate)
		}

		/// Remove an expired break-glass access once `RetentionPeriod` blocks have passed since
		/// it expired. Anyone may.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::remove_emergency_access())]
		pub fn remove_emergency_access(
			origin: OriginFor<T>,
			access_id: EmergencyAccessId,
		) -> DispatchResult {
			let actor = ensure_signed(origin)?;
			Self::do_remove_emergency_access(actor, access_id)
		}
	}
}
