#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod traits;
pub mod types;
pub mod weights;

pub use pallet::*;
pub use traits::{ConsentCheck, DenyAll, PermitAll};
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::{DispatchError, DispatchResult, Get, Weight},
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::Precision,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Saturating, Zero};

/// The most entries one page of a runtime-API listing returns, whatever `limit` asks.
pub const MAX_PAGE_SIZE: u32 = 1000;

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

		/// Most representatives one patient may appoint at once.
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

	/// Representatives appointed by patients: (patient, delegate) → delegation.
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
		/// A patient appointed (or renewed) a representative.
		DelegateAppointed {
			/// The patient.
			patient: T::AccountId,
			/// The representative.
			delegate: T::AccountId,
			/// What the representative is to the patient.
			role: RepresentativeRole,
			/// First block at which the representative may no longer act.
			expires_at: BlockNumberFor<T>,
		},
		/// A patient withdrew a delegation; it stops applying in this block.
		DelegationWithdrawn {
			/// The patient.
			patient: T::AccountId,
			/// The former representative.
			delegate: T::AccountId,
		},
		/// An expired delegation was removed after its retention period.
		DelegationRemoved {
			/// The patient; the deposit went back to this account.
			patient: T::AccountId,
			/// The former representative.
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
		/// The caller is neither the patient nor one of their representatives.
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
		/// The patient already has `MaxDelegatesPerPatient` representatives.
		TooManyDelegates,
		/// The patient has not appointed this representative.
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
		/// purposes and data in `provision`, during its period.
		///
		/// Signed by the patient (`on_behalf_of: None`), or by a representative the patient
		/// appointed (`on_behalf_of: Some(patient)`); a representative's consent must end no
		/// later than the delegation. Holds `ConsentDeposit` on the patient's account.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::grant_consent(
			provision.purposes.len() as u32,
			provision.data.len() as u32,
		))]
		pub fn grant_consent(
			origin: OriginFor<T>,
			on_behalf_of: Option<T::AccountId>,
			grantee: T::AccountId,
			provision: ProvisionOf<T>,
		) -> DispatchResult {
			let actor = ensure_signed(origin)?;
			let patient = on_behalf_of.unwrap_or_else(|| actor.clone());
			Self::do_grant_consent(actor, patient, grantee, provision).map(|_| ())
		}

		/// Revoke a consent; it stops applying in this block. Signed by the patient or one of
		/// their representatives. The entry stays for `RetentionPeriod` blocks, then anyone may
		/// remove it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::revoke_consent(
			T::MaxPurposes::get(),
			T::MaxDataScope::get(),
		))]
		pub fn revoke_consent(
			origin: OriginFor<T>,
			consent_id: ConsentId,
		) -> DispatchResultWithPostInfo {
			let actor = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let consent = Consents::<T>::try_mutate(consent_id, |entry| {
				let consent = entry.as_mut().ok_or(Error::<T>::ConsentNotFound)?;
				if actor != consent.patient {
					Self::active_delegation(&consent.patient, &actor, now)?;
				}
				ensure!(consent.revoked.is_none(), Error::<T>::AlreadyRevoked);
				consent.revoked = Some(Revocation { by: actor.clone(), at: now });
				Ok::<_, DispatchError>(consent.clone())
			})?;
			Self::count_consent(&consent, false);
			Self::deposit_event(Event::ConsentRevoked {
				consent_id,
				patient: consent.patient,
				grantee: consent.grantee,
				actor,
			});
			Ok(Some(T::WeightInfo::revoke_consent(
				consent.purposes.len() as u32,
				consent.data.len() as u32,
			))
			.into())
		}

		/// Appoint a representative (guardian, legal proxy) who may grant and revoke consents
		/// on the caller's behalf until `expires_at`. Appointing an existing representative
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
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(delegate != patient, Error::<T>::CannotDelegateToSelf);
			ensure!(expires_at > now, Error::<T>::ExpiryNotInFuture);
			match Delegations::<T>::get(&patient, &delegate) {
				Some(mut delegation) => {
					delegation.role = role;
					delegation.appointed_at = now;
					delegation.expires_at = expires_at;
					Delegations::<T>::insert(&patient, &delegate, delegation);
				},
				None => {
					let count = DelegateCount::<T>::get(&patient);
					ensure!(count < T::MaxDelegatesPerPatient::get(), Error::<T>::TooManyDelegates);
					let deposit = T::DelegationDeposit::get();
					Self::hold_deposit(HoldReason::DelegationDeposit, &patient, deposit)?;
					Delegations::<T>::insert(
						&patient,
						&delegate,
						Delegation { role, appointed_at: now, expires_at, deposit },
					);
					DelegateCount::<T>::insert(&patient, count.saturating_add(1));
				},
			}
			Self::deposit_event(Event::DelegateAppointed { patient, delegate, role, expires_at });
			Ok(())
		}

		/// Withdraw a delegation; the representative may no longer act from this block on.
		/// Consents they granted stay (they are the patient's); revoke them separately if
		/// needed. Returns the delegation deposit.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_delegation())]
		pub fn withdraw_delegation(origin: OriginFor<T>, delegate: T::AccountId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_remove_delegation(&patient, &delegate)?;
			Self::deposit_event(Event::DelegationWithdrawn { patient, delegate });
			Ok(())
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
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(provider != patient, Error::<T>::CannotOpenForSelf);
			ensure!(!reason.is_empty(), Error::<T>::EmptyReason);
			ensure!(
				Self::has_emergency_access_at(&patient, &provider, now).is_none(),
				Error::<T>::EmergencyAccessAlreadyOpen
			);

			let mut accesses = EmergencyAccessesByPatient::<T>::get(&patient);
			let pruned = if accesses.len() as u32 >= T::MaxEmergencyAccessesPerPatient::get() {
				Self::prune_emergency_accesses(&patient, &mut accesses, &provider, now)
			} else {
				0
			};
			let access_id = NextEmergencyAccessId::<T>::get();
			let next_id =
				access_id.checked_add(1).ok_or(Error::<T>::EmergencyAccessIdsExhausted)?;
			accesses.try_push(access_id).map_err(|_| Error::<T>::TooManyEmergencyAccesses)?;

			let expires_at = now.saturating_add(T::EmergencyAccessDuration::get());
			EmergencyAccesses::<T>::insert(
				access_id,
				EmergencyAccess {
					patient: patient.clone(),
					provider: provider.clone(),
					reason: reason.clone(),
					opened_at: now,
					expires_at,
					review: None,
				},
			);
			EmergencyAccessesByPatient::<T>::insert(&patient, accesses);
			LatestEmergencyAccess::<T>::insert(&patient, &provider, access_id);
			NextEmergencyAccessId::<T>::put(next_id);
			Self::deposit_event(Event::EmergencyAccessOpened {
				access_id,
				patient,
				provider,
				reason,
				expires_at,
			});
			Ok(Some(T::WeightInfo::open_emergency_access(pruned)).into())
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
			let now = frame_system::Pallet::<T>::block_number();
			let access = EmergencyAccesses::<T>::try_mutate(access_id, |entry| {
				let access = entry.as_mut().ok_or(Error::<T>::EmergencyAccessNotFound)?;
				ensure!(access.review.is_none(), Error::<T>::AlreadyReviewed);
				access.review = Some(EmergencyReview { outcome, reviewed_at: now });
				Ok::<_, DispatchError>(access.clone())
			})?;
			Self::deposit_event(Event::EmergencyAccessReviewed {
				access_id,
				patient: access.patient,
				provider: access.provider,
				outcome,
			});
			Ok(())
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
			let now = frame_system::Pallet::<T>::block_number();
			let consent = Consents::<T>::get(consent_id).ok_or(Error::<T>::ConsentNotFound)?;
			let ended_at = [
				consent.revoked.as_ref().map(|r| r.at),
				consent.valid_until.filter(|until| *until <= now),
			]
			.into_iter()
			.flatten()
			.min()
			.ok_or(Error::<T>::ConsentStillInForce)?;
			ensure!(
				now >= ended_at.saturating_add(T::RetentionPeriod::get()),
				Error::<T>::RetentionPeriodNotOver
			);

			Consents::<T>::remove(consent_id);
			ConsentsByPair::<T>::mutate_exists(&consent.patient, &consent.grantee, |ids| {
				if let Some(list) = ids {
					list.retain(|id| *id != consent_id);
					if list.is_empty() {
						*ids = None;
					}
				}
			});
			ConsentsByPatient::<T>::mutate_exists(&consent.patient, |ids| {
				if let Some(list) = ids {
					list.retain(|id| *id != consent_id);
					if list.is_empty() {
						*ids = None;
					}
				}
			});
			ConsentsByGrantee::<T>::remove(&consent.grantee, consent_id);
			if consent.revoked.is_none() {
				Self::count_consent(&consent, false);
			}
			Self::release_deposit(HoldReason::ConsentDeposit, &consent.patient, consent.deposit)?;
			Self::deposit_event(Event::ConsentRemoved {
				consent_id,
				patient: consent.patient,
				deposit: consent.deposit,
				actor,
			});
			Ok(Some(T::WeightInfo::remove_consent(
				consent.purposes.len() as u32,
				consent.data.len() as u32,
			))
			.into())
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
			let now = frame_system::Pallet::<T>::block_number();
			let delegation =
				Delegations::<T>::get(&patient, &delegate).ok_or(Error::<T>::DelegationNotFound)?;
			ensure!(
				now >= delegation.expires_at.saturating_add(T::RetentionPeriod::get()),
				Error::<T>::RetentionPeriodNotOver
			);
			Self::do_remove_delegation(&patient, &delegate)?;
			Self::deposit_event(Event::DelegationRemoved { patient, delegate, actor });
			Ok(())
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
			let now = frame_system::Pallet::<T>::block_number();
			let access = EmergencyAccesses::<T>::get(access_id)
				.ok_or(Error::<T>::EmergencyAccessNotFound)?;
			ensure!(
				Self::emergency_access_removable(&access, now),
				Error::<T>::RetentionPeriodNotOver
			);
			EmergencyAccessesByPatient::<T>::mutate_exists(&access.patient, |ids| {
				if let Some(list) = ids {
					list.retain(|id| *id != access_id);
					if list.is_empty() {
						*ids = None;
					}
				}
			});
			Self::forget_emergency_access(access_id, &access);
			Self::deposit_event(Event::EmergencyAccessRemoved {
				access_id,
				patient: access.patient,
				actor,
			});
			Ok(())
		}
	}
}

// Internal logic.
impl<T: Config> Pallet<T> {
	/// Grants a consent for `patient`, acted by `actor` (the patient or a delegate).
	pub(crate) fn do_grant_consent(
		actor: T::AccountId,
		patient: T::AccountId,
		grantee: T::AccountId,
		provision: ProvisionOf<T>,
	) -> Result<ConsentId, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let Provision { decision, mut purposes, mut data, valid_from, valid_until, policy } =
			provision;

		ensure!(grantee != patient, Error::<T>::CannotGrantToSelf);
		if actor != patient {
			let delegation = Self::active_delegation(&patient, &actor, now)?;
			ensure!(
				decision != Decision::Permit || grantee != actor,
				Error::<T>::DelegateCannotPermitSelf
			);
			ensure!(
				valid_until.is_some_and(|until| until <= delegation.expires_at),
				Error::<T>::ConsentOutlivesDelegation
			);
		}

		ensure!(!purposes.is_empty(), Error::<T>::NoPurpose);
		purposes.sort();
		ensure!(purposes.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicatePurpose);
		ensure!(!data.is_empty(), Error::<T>::NoDataScope);
		data.sort();
		ensure!(data.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateDataScope);
		ensure!(policy.as_ref().is_none_or(|p| !p.is_empty()), Error::<T>::EmptyPolicyReference);

		let valid_from = valid_from.map_or(now, |from| from.max(now));
		ensure!(valid_until.is_none_or(|until| until > valid_from), Error::<T>::EmptyPeriod);

		let consent_id = NextConsentId::<T>::get();
		let next_id = consent_id.checked_add(1).ok_or(Error::<T>::ConsentIdsExhausted)?;
		let mut by_pair = ConsentsByPair::<T>::get(&patient, &grantee);
		by_pair.try_push(consent_id).map_err(|_| Error::<T>::TooManyConsentsForPair)?;
		let mut by_patient = ConsentsByPatient::<T>::get(&patient);
		by_patient.try_push(consent_id).map_err(|_| Error::<T>::TooManyConsentsForPatient)?;

		let deposit = T::ConsentDeposit::get();
		Self::hold_deposit(HoldReason::ConsentDeposit, &patient, deposit)?;

		let consent = Consent {
			patient: patient.clone(),
			grantee: grantee.clone(),
			decision,
			purposes,
			data,
			valid_from,
			valid_until,
			policy,
			granted_by: actor.clone(),
			granted_at: now,
			revoked: None,
			deposit,
		};
		Self::count_consent(&consent, true);
		Consents::<T>::insert(consent_id, consent);
		ConsentsByPair::<T>::insert(&patient, &grantee, by_pair);
		ConsentsByPatient::<T>::insert(&patient, by_patient);
		ConsentsByGrantee::<T>::insert(&grantee, consent_id, ());
		NextConsentId::<T>::put(next_id);

		Self::deposit_event(Event::ConsentGranted {
			consent_id,
			patient,
			grantee,
			decision,
			actor,
		});
		Ok(consent_id)
	}

	/// The delegation `delegate` holds from `patient`, if it is still valid at `now`.
	fn active_delegation(
		patient: &T::AccountId,
		delegate: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> Result<DelegationOf<T>, DispatchError> {
		let delegation =
			Delegations::<T>::get(patient, delegate).ok_or(Error::<T>::NotPatientOrDelegate)?;
		ensure!(now < delegation.expires_at, Error::<T>::DelegationExpired);
		Ok(delegation)
	}

	/// Removes a delegation, releasing its deposit to the patient.
	fn do_remove_delegation(patient: &T::AccountId, delegate: &T::AccountId) -> DispatchResult {
		let delegation =
			Delegations::<T>::take(patient, delegate).ok_or(Error::<T>::DelegationNotFound)?;
		DelegateCount::<T>::mutate_exists(patient, |count| {
			let left = count.unwrap_or(0).saturating_sub(1);
			*count = if left == 0 { None } else { Some(left) };
		});
		Self::release_deposit(HoldReason::DelegationDeposit, patient, delegation.deposit)
	}

	/// Whether a break-glass access is past its expiry plus the retention period.
	fn emergency_access_removable(access: &EmergencyAccessOf<T>, now: BlockNumberFor<T>) -> bool {
		now >= access.expires_at.saturating_add(T::RetentionPeriod::get())
	}

	/// Removes a break-glass access from the access map and the pair pointer (not from the
	/// patient's list, which the caller maintains).
	fn forget_emergency_access(access_id: EmergencyAccessId, access: &EmergencyAccessOf<T>) {
		EmergencyAccesses::<T>::remove(access_id);
		if LatestEmergencyAccess::<T>::get(&access.patient, &access.provider) == Some(access_id) {
			LatestEmergencyAccess::<T>::remove(&access.patient, &access.provider);
		}
	}

	/// Removes the patient's break-glass accesses that are past retention, returning how many.
	fn prune_emergency_accesses(
		patient: &T::AccountId,
		accesses: &mut BoundedVecOf<EmergencyAccessId, T::MaxEmergencyAccessesPerPatient>,
		actor: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> u32 {
		let mut pruned = 0u32;
		accesses.retain(|access_id| match EmergencyAccesses::<T>::get(access_id) {
			Some(access) if Self::emergency_access_removable(&access, now) => {
				Self::forget_emergency_access(*access_id, &access);
				Self::deposit_event(Event::EmergencyAccessRemoved {
					access_id: *access_id,
					patient: patient.clone(),
					actor: actor.clone(),
				});
				pruned.saturating_inc();
				false
			},
			Some(_) => true,
			// A dangling id: drop it from the list.
			None => false,
		});
		pruned
	}

	/// Adds (`add`) or subtracts a consent from the counters by purpose and data class.
	fn count_consent(consent: &ConsentOf<T>, add: bool) {
		let step = |count: &mut Option<u32>| {
			let value = count.unwrap_or(0);
			let value = if add { value.saturating_add(1) } else { value.saturating_sub(1) };
			*count = if value == 0 { None } else { Some(value) };
		};
		for purpose in consent.purposes.iter() {
			ConsentCountByPurpose::<T>::mutate_exists(consent.decision, purpose, step);
		}
		for class in consent.data_classes() {
			ConsentCountByDataClass::<T>::mutate_exists(consent.decision, class, step);
		}
	}

	/// Holds a deposit on `who`'s account.
	fn hold_deposit(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalanceForDeposit.into())
	}

	/// Releases a deposit held on `who`'s account.
	fn release_deposit(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::release(&reason.into(), who, amount, Precision::BestEffort).map(|_| ())
	}

	/// The consent evaluation: a covering active permit, unless an active deny overlaps.
	///
	/// Reads the (patient, grantee) index and at most `MaxConsentsPerPair` consents.
	pub fn evaluate(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		purpose: Purpose,
		target: &DataTarget,
		now: BlockNumberFor<T>,
	) -> Result<ConsentId, DenialReason> {
		let ids = ConsentsByPair::<T>::get(patient, grantee);
		if ids.is_empty() {
			return Err(DenialReason::NoConsent);
		}
		let mut permit = None;
		let mut inactive = None;
		let mut data_not_covered = false;
		for consent_id in ids {
			let Some(consent) = Consents::<T>::get(consent_id) else { continue };
			if !consent.speaks_of_purpose(purpose) {
				continue;
			}
			let covers_data = consent.speaks_of_data(target);
			match (consent.decision, consent.status_at(now)) {
				(Decision::Deny, ConsentStatus::Active) if covers_data => {
					return Err(DenialReason::ExplicitDeny(consent_id))
				},
				(Decision::Deny, _) => {},
				(Decision::Permit, ConsentStatus::Active) if covers_data => {
					permit.get_or_insert(consent_id);
				},
				(Decision::Permit, ConsentStatus::Active) => data_not_covered = true,
				(Decision::Permit, _) if !covers_data => {},
				(Decision::Permit, ConsentStatus::NotYetValid) => {
					inactive.get_or_insert(DenialReason::NotYetValid(consent_id));
				},
				(Decision::Permit, ConsentStatus::Expired) => {
					inactive.get_or_insert(DenialReason::Expired(consent_id));
				},
				(Decision::Permit, ConsentStatus::Revoked) => {
					inactive.get_or_insert(DenialReason::Revoked(consent_id));
				},
			}
		}
		match (permit, inactive) {
			(Some(consent_id), _) => Ok(consent_id),
			(None, Some(reason)) => Err(reason),
			(None, None) if data_not_covered => Err(DenialReason::DataNotCovered),
			(None, None) => Err(DenialReason::PurposeNotCovered),
		}
	}

	/// The open break-glass access `grantee` holds on `patient`'s data at `now`, if any.
	pub fn has_emergency_access_at(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> Option<EmergencyAccessId> {
		let access_id = LatestEmergencyAccess::<T>::get(patient, grantee)?;
		EmergencyAccesses::<T>::get(access_id)
			.filter(|access| access.is_open_at(now))
			.map(|_| access_id)
	}
}

/// A bounded vector (shorthand used by internal signatures).
type BoundedVecOf<Item, Bound> = frame_support::BoundedVec<Item, Bound>;

impl<T: Config> ConsentCheck<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn is_permitted(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		purpose: Purpose,
		target: &DataTarget,
		now: BlockNumberFor<T>,
	) -> Result<ConsentId, DenialReason> {
		Self::evaluate(patient, grantee, purpose, target, now)
	}

	fn has_emergency_access(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> Option<EmergencyAccessId> {
		Self::has_emergency_access_at(patient, grantee, now)
	}

	fn check_weight() -> Weight {
		T::WeightInfo::check_consent(T::MaxConsentsPerPair::get())
			.saturating_add(T::WeightInfo::check_emergency_access())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_permit(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		purpose: Purpose,
		target: &DataTarget,
	) -> Result<ConsentId, DispatchError> {
		use frame_support::traits::fungible::Mutate;
		let funds = T::Currency::minimum_balance()
			.saturating_add(T::ConsentDeposit::get())
			.saturating_add(T::Currency::balance(patient));
		T::Currency::set_balance(patient, funds);
		let data = match target.record {
			Some(record) => DataScope::Record(record),
			None => DataScope::Class(target.class),
		};
		let provision = Provision {
			decision: Decision::Permit,
			purposes: frame_support::BoundedVec::truncate_from(alloc::vec![purpose]),
			data: frame_support::BoundedVec::truncate_from(alloc::vec![data]),
			valid_from: None,
			valid_until: None,
			policy: None,
		};
		Self::do_grant_consent(patient.clone(), patient.clone(), grantee.clone(), provision)
	}
}

// Queries for the runtime API (see [`runtime_api::ConsentApi`]).
impl<T: Config> Pallet<T> {
	/// Clamps a page size asked for to `1..=MAX_PAGE_SIZE`.
	fn page_size(limit: u32) -> usize {
		limit.clamp(1, MAX_PAGE_SIZE) as usize
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

// Invariants, checked by `try_state` and after every unit test.
#[cfg(any(feature = "try-runtime", test))]
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
