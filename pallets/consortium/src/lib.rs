#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod members;
#[cfg(test)]
mod mock;
mod roles;
mod session;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

pub use pallet::*;
pub use roles::{Attestors, CareProviders, Custodians, ValidatorOf};
pub use session::HasNextKeys;
pub use types::*;
pub use weights::WeightInfo;

/// The log target of this pallet.
pub const LOG_TARGET: &str = "runtime::consortium";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{ChangeMembers, Contains, InitializeMembers},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::RuntimeAppPublic;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the consortium pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who admits and removes hospitals, changes their roles and sets the session length
		/// (root in development, more than half of the hospital council in production).
		type MembershipOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The council whose members are the hospitals' governance accounts, kept in sync by
		/// this pallet (`pallet-collective` in the runtime).
		type Council: ChangeMembers<Self::AccountId> + InitializeMembers<Self::AccountId>;

		/// The attestor key type in the session keys (`infr`). The pallet is its session
		/// handler.
		type AttestorKey: RuntimeAppPublic + Decode;

		/// Fewest hospitals with the validator role: removing a hospital or its validator role
		/// below this is refused.
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// Most admitted hospitals (at most the council's `MaxMembers`).
		#[pallet::constant]
		type MaxHospitals: Get<u32>;

		/// Longest hospital name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// Who has session keys set (`pallet_session::NextKeys` in the runtime): only those
		/// validators are planned, so a planned set is never one the session pallet would
		/// empty.
		type HasSessionKeys: Contains<Self::AccountId>;

		/// The most a change of the council's members can cost (`pallet-collective` rewrites
		/// the votes of every open motion): added to the weight of admitting and removing a
		/// hospital, whose benchmarks run with no motion open. In the runtime: the collective's
		/// `set_members` weight at its bounds.
		type CouncilChangeWeight: Get<Weight>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The admitted hospitals, by governance account.
	#[pallet::storage]
	pub type Hospitals<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, Hospital<T>, OptionQuery>;

	/// The hospital each attestor account belongs to: every admitted hospital's attestor
	/// account, whether or not it has the attestor role.
	#[pallet::storage]
	pub type AttestorOwner<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId, OptionQuery>;

	/// How many admitted hospitals have the validator role.
	#[pallet::storage]
	pub type ValidatorCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The validator set last handed to the session pallet (sorted): a boundary plans a new
	/// set only when the validator-role hospitals with session keys differ from it, so that
	/// GRANDPA starts a new authority set only when the validators change.
	#[pallet::storage]
	pub type PlannedValidators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxHospitals>, ValueQuery>;

	/// Blocks per session: a session ends at every block number divisible by it.
	#[pallet::storage]
	pub type SessionLength<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The founding hospitals and the session length.
	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The founding hospitals. The session pallet's genesis `keys` must hold the session
		/// keys of those with the validator role.
		pub hospitals: Vec<GenesisHospital<T::AccountId>>,
		/// Blocks per session (short on test networks, hours in production).
		pub session_length: BlockNumberFor<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		/// No hospitals; sessions of ten blocks.
		fn default() -> Self {
			Self { hospitals: Vec::new(), session_length: 10u32.into() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(!self.session_length.is_zero(), "consortium: sessionLength must be above 0");
			SessionLength::<T>::put(self.session_length);
			for hospital in &self.hospitals {
				assert!(!hospital.name.is_empty(), "consortium: a genesis hospital has no name");
				let name = BoundedVec::try_from(hospital.name.clone().into_bytes())
					.expect("consortium: a genesis hospital's name is longer than MaxNameLen");
				Pallet::<T>::insert_hospital(
					hospital.account.clone(),
					name,
					hospital.attestor.clone(),
					hospital.roles,
				)
				.expect("consortium: genesis hospitals repeat an account or attestor, or exceed MaxHospitals");
			}
			assert!(
				self.hospitals.is_empty() || ValidatorCount::<T>::get() >= T::MinValidators::get(),
				"consortium: fewer genesis validators than MinValidators"
			);
			T::Council::initialize_members(&Pallet::<T>::council_members());
		}
	}

	/// What happened to the consortium's membership.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The council admitted a hospital.
		HospitalAdmitted {
			/// The hospital's governance account.
			hospital: T::AccountId,
			/// Its attestor account.
			attestor: T::AccountId,
			/// The roles it was given.
			roles: Roles,
		},
		/// The council removed a hospital: it lost every role and its council seat; it stops
		/// validating two sessions later. Its anchored records stay verifiable.
		HospitalRemoved {
			/// The former hospital's governance account.
			hospital: T::AccountId,
		},
		/// The council changed a hospital's roles.
		RolesChanged {
			/// The hospital's governance account.
			hospital: T::AccountId,
			/// Its roles from now on.
			roles: Roles,
		},
		/// A hospital replaced its attestor account (a rotated `infr` key).
		AttestorChanged {
			/// The hospital's governance account.
			hospital: T::AccountId,
			/// The attestor account it no longer uses.
			old: T::AccountId,
			/// Its attestor account from now on.
			new: T::AccountId,
		},
		/// The council set the session length.
		SessionLengthSet {
			/// Blocks per session.
			blocks: BlockNumberFor<T>,
		},
		/// A new validator set was planned at a session boundary; it validates from session
		/// `session`, the second after the change.
		ValidatorSetPlanned {
			/// The session the set validates from.
			session: u32,
			/// How many validators it has.
			validators: u32,
		},
	}

	/// Why a consortium call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already an admitted hospital.
		AlreadyMember,
		/// The account is not an admitted hospital.
		NotMember,
		/// There are already `MaxHospitals` hospitals.
		TooManyHospitals,
		/// The name is longer than `MaxNameLen` bytes.
		NameTooLong,
		/// The name is empty.
		EmptyName,
		/// The attestor account is already another hospital's attestor account or governance
		/// account.
		AttestorInUse,
		/// The governance account is already another hospital's attestor account.
		AccountIsAnAttestor,
		/// The change would leave fewer than `MinValidators` hospitals with the validator role.
		TooFewValidators,
		/// A session must last at least one block.
		ZeroSessionLength,
		/// The new attestor account is the current one.
		SameAttestor,
		/// The attestor account is the hospital's own governance account: the attestor key must
		/// have an account of its own, which only its node's off-chain worker signs with.
		AttestorIsGovernanceAccount,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MinValidators::get() >= 1, "MinValidators must be at least 1");
			assert!(
				T::MinValidators::get() < T::MaxHospitals::get(),
				"MaxHospitals must leave room above MinValidators"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Admit `hospital` (its governance account) to the consortium with `roles`: it gets a
		/// council seat at once, custodian, attestor and care-provider rights at once, and, as a
		/// validator, authors blocks from the second session boundary after it has set its
		/// session keys. `attestor` is the account of its node's `infr` key; the pallet gives
		/// it a provider reference, so its fee-less submissions need no funds. The governance
		/// account needs funds of its own (transaction fees and the session key deposit): a
		/// sponsoring member transfers them. Only `MembershipOrigin` may.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::admit_hospital(T::MaxHospitals::get())
			.saturating_add(T::CouncilChangeWeight::get()))]
		pub fn admit_hospital(
			origin: OriginFor<T>,
			hospital: T::AccountId,
			name: Vec<u8>,
			attestor: T::AccountId,
			roles: Roles,
		) -> DispatchResultWithPostInfo {
			T::MembershipOrigin::ensure_origin(origin)?;
			ensure!(!name.is_empty(), Error::<T>::EmptyName);
			let name: BoundedVec<u8, T::MaxNameLen> =
				name.try_into().map_err(|_| Error::<T>::NameTooLong)?;
			Self::insert_hospital(hospital.clone(), name, attestor.clone(), roles)?;
			let members = Self::sync_council(core::slice::from_ref(&hospital), &[]);
			Self::deposit_event(Event::HospitalAdmitted { hospital, attestor, roles });
			// The council's cost depends on its open motions, which this pallet cannot see: it
			// stays charged at its bound.
			Ok(Some(
				T::WeightInfo::admit_hospital(members)
					.saturating_add(T::CouncilChangeWeight::get()),
			)
			.into())
		}

		/// Remove `hospital` from the consortium: its council seat, custodian, attestor and
		/// care-provider rights end at once (its attestor key is refused from this call on);
		/// as a validator it stops authoring two session boundaries later. Its anchored records
		/// and past attestations stay. Refused when it would leave fewer than `MinValidators`
		/// validators. Only `MembershipOrigin` may.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_hospital(T::MaxHospitals::get())
			.saturating_add(T::CouncilChangeWeight::get()))]
		pub fn remove_hospital(
			origin: OriginFor<T>,
			hospital: T::AccountId,
		) -> DispatchResultWithPostInfo {
			T::MembershipOrigin::ensure_origin(origin)?;
			Self::take_hospital(&hospital)?;
			let members = Self::sync_council(&[], core::slice::from_ref(&hospital));
			Self::deposit_event(Event::HospitalRemoved { hospital });
			Ok(Some(
				T::WeightInfo::remove_hospital(members)
					.saturating_add(T::CouncilChangeWeight::get()),
			)
			.into())
		}

		/// Replace the roles of `hospital` with `roles`. Taking away the validator role takes
		/// effect two session boundaries later and is refused below `MinValidators`. Only
		/// `MembershipOrigin` may.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_roles())]
		pub fn set_roles(
			origin: OriginFor<T>,
			hospital: T::AccountId,
			roles: Roles,
		) -> DispatchResult {
			T::MembershipOrigin::ensure_origin(origin)?;
			Self::do_set_roles(&hospital, roles)?;
			Self::deposit_event(Event::RolesChanged { hospital, roles });
			Ok(())
		}

		/// Replace the caller's attestor account with `attestor`, the account of a new `infr`
		/// key its node holds: results signed by the old key are refused from this call on.
		/// The caller must be an admitted hospital's governance account.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_attestor())]
		pub fn set_attestor(origin: OriginFor<T>, attestor: T::AccountId) -> DispatchResult {
			let hospital = ensure_signed(origin)?;
			let old = Self::do_set_attestor(&hospital, attestor.clone())?;
			Self::deposit_event(Event::AttestorChanged { hospital, old, new: attestor });
			Ok(())
		}

		/// Set the session length to `blocks`: sessions end at every block number divisible by
		/// it, the next one at the first such block from now. Only `MembershipOrigin` may.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_session_length())]
		pub fn set_session_length(
			origin: OriginFor<T>,
			blocks: BlockNumberFor<T>,
		) -> DispatchResult {
			T::MembershipOrigin::ensure_origin(origin)?;
			ensure!(!blocks.is_zero(), Error::<T>::ZeroSessionLength);
			SessionLength::<T>::put(blocks);
			Self::deposit_event(Event::SessionLengthSet { blocks });
			Ok(())
		}
	}
}
