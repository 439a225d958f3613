//! Storage migrations of the attestation pallet.
//!
//! - [`v1::MigrateToV1`]: storage version 0 → 1. Version 0 kept its own attestor list
//!   (`Attestors`, a counted map filled by `add_attestor`); from version 1 the runtime's
//!   `Config::Attestors` (the consortium's hospitals) is the only list, and the old map and its
//!   counter are removed.
//! - [`v2::MigrateToV2`]: storage version 1 → 2. Models get a governance-set minimum quorum
//!   (1 for existing models), each submission records the custodian its attestor belongs to
//!   (one submission per hospital), and the open requests are listed by record and by
//!   (patient, requester) pair, so that an erasure or a consent change cancels them at once.

/// Version 0 → 1: the pallet's own attestor list is removed.
pub mod v1 {
	use crate::{Config, Pallet, LOG_TARGET};
	#[cfg(feature = "try-runtime")]
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;

	/// The attestor list of storage version 0.
	#[storage_alias]
	pub(crate) type Attestors<T: Config> = CountedStorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
	>;

	/// Removes the version-0 attestor list. Attestors registered there keep the provider
	/// reference `add_attestor` gave their account (removing it could reap an account that
	/// holds funds); the consortium gives its hospitals' attestor accounts their own.
	pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let removed = Attestors::<T>::clear(u32::MAX, None);
			log::info!(
				target: LOG_TARGET,
				"attestation v1: removed {} entries of the pallet's own attestor list",
				removed.unique,
			);
			// Each entry once, plus the counter.
			T::DbWeight::get().reads_writes(
				u64::from(removed.loops).saturating_add(1),
				u64::from(removed.unique).saturating_add(1),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok(Attestors::<T>::count().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let before = u32::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre-upgrade state undecodable"))?;
			log::info!(target: LOG_TARGET, "attestation v1: {before} attestors before the upgrade");
			ensure!(Attestors::<T>::count() == 0, "attestor counter left behind");
			ensure!(Attestors::<T>::iter_keys().next().is_none(), "attestor entries left behind");
			Ok(())
		}
	}

	/// [`InnerMigrateV0ToV1`], run only when the on-chain storage version is 0; it then sets
	/// version 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 1 → 2: models get a minimum quorum, submissions the custodian of their attestor,
/// and the open requests are listed by record and by (patient, requester) pair.
///
/// A single-block migration: it rewrites every model and every request. A consortium chain
/// that has collected more requests than one block's weight can rewrite needs a multi-block
/// migration instead (`pallet-migrations`); the chains this runtime runs today are far below
/// that.
pub mod v2 {
	use crate::{
		Answer, CancelReason, Config, Model, ModelStatus, Models, OpenRequests, OpenRequestsByPair,
		OpenRequestsByRecord, Pallet, Request, RequestStatus, Requests, Submission, SubmissionOf,
		LOG_TARGET,
	};
	use crate::{
		Hash32, MaxSubmissionsOf, ModelHash, Moment, RecordCommitment, RecordId, RequestId,
	};
	#[cfg(feature = "try-runtime")]
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use healthchain_primitives::{AttestorRegistry, DataClass, RecordLookup};
	use sp_runtime::traits::Saturating;

	/// A model as storage version 1 kept it: without `min_quorum`.
	#[derive(Encode, Decode)]
	pub(crate) struct ModelV1<T: Config> {
		pub model_hash: ModelHash,
		pub card_hash: Hash32,
		pub name: BoundedVec<u8, T::MaxNameLen>,
		pub version: BoundedVec<u8, T::MaxVersionLen>,
		pub output_size: u32,
		pub tolerance_ppm: u32,
		pub engine_version: BoundedVec<u8, T::MaxEngineVersionLen>,
		pub status: ModelStatus,
		pub proposer: Option<T::AccountId>,
		pub proposed_at: BlockNumberFor<T>,
		pub approved_at: Option<BlockNumberFor<T>>,
		pub retired_at: Option<BlockNumberFor<T>>,
	}

	/// A submission as storage version 1 kept it: without the custodian.
	#[derive(Encode, Decode)]
	pub(crate) struct SubmissionV1<AccountId, BlockNumber> {
		pub attestor: AccountId,
		pub answer: Answer,
		pub at: BlockNumber,
	}

	/// A request as storage version 1 kept it: its submissions without the custodian.
	#[derive(Encode, Decode)]
	pub(crate) struct RequestV1<T: Config> {
		pub requester: T::AccountId,
		pub model_id: u32,
		pub model_hash: ModelHash,
		pub record_id: RecordId,
		pub commitment: RecordCommitment,
		pub patient: T::AccountId,
		pub custodian: T::AccountId,
		pub data_class: DataClass,
		pub quorum: u32,
		pub requested_at: BlockNumberFor<T>,
		pub requested_time: Moment,
		pub deadline: BlockNumberFor<T>,
		pub status: RequestStatus,
		pub settled_at: Option<BlockNumberFor<T>>,
		pub submissions:
			BoundedVec<SubmissionV1<T::AccountId, BlockNumberFor<T>>, MaxSubmissionsOf<T>>,
	}

	/// Adds `request_id` to a listing unless it is there already (so that the migration may
	/// meet a listing the new code filled).
	fn list<S: Get<u32>>(
		ids: &mut BoundedVec<RequestId, S>,
		request_id: RequestId,
	) -> Result<(), RequestId> {
		if ids.contains(&request_id) {
			Ok(())
		} else {
			ids.try_push(request_id)
		}
	}

	/// Rewrites models and requests into version 2 and lists the open requests.
	///
	/// A model's minimum quorum starts at 1 (what every request could ask for before). A
	/// submission's custodian is its attestor's custodian now. An open request keeps only the
	/// answers version 2 would have taken: of a registered attestor, whose hospital holds the
	/// record, one per hospital (the first); the others are dropped, and those hospitals answer
	/// again under the new rules if they hold the record. Settled requests keep their answers
	/// as they were settled (an attestor no longer registered is named as its own custodian
	/// there). An open request beyond a listing bound (more open requests on its record or its
	/// (patient, requester) pair than the new bounds allow) is cancelled
	/// ([`CancelReason::BeyondListingBound`](crate::CancelReason::BeyondListingBound)), so that
	/// every open request is listed and a withdrawal cancels it at once.
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut models = 0u64;
			Models::<T>::translate::<ModelV1<T>, _>(|_, old| {
				models += 1;
				Some(Model {
					model_hash: old.model_hash,
					card_hash: old.card_hash,
					name: old.name,
					version: old.version,
					output_size: old.output_size,
					tolerance_ppm: old.tolerance_ppm,
					engine_version: old.engine_version,
					status: old.status,
					proposer: old.proposer,
					proposed_at: old.proposed_at,
					approved_at: old.approved_at,
					retired_at: old.retired_at,
					min_quorum: 1,
				})
			});
			let mut requests = 0u64;
			let mut lookups = 0u64;
			let mut dropped = 0u64;
			Requests::<T>::translate::<RequestV1<T>, _>(|_, old| {
				requests += 1;
				let open = old.status.is_open();
				let mut submissions = alloc::vec::Vec::with_capacity(old.submissions.len());
				for s in old.submissions {
					lookups += 1;
					let registered = T::Attestors::custodian_of(&s.attestor);
					if open {
						// An answer version 2 would refuse: of an attestor no longer registered,
						// of a hospital that does not hold the record (version 1 let any attestor
						// answer), or a second one of a hospital (under version 1 its former
						// attestor could be its own account).
						let counts = registered.as_ref().is_some_and(|custodian| {
							T::RecordLookup::is_holder(old.record_id, custodian)
								&& !submissions
									.iter()
									.any(|k: &SubmissionOf<T>| &k.custodian == custodian)
						});
						if !counts {
							dropped += 1;
							continue;
						}
					}
					let custodian = registered.unwrap_or_else(|| s.attestor.clone());
					submissions.push(Submission {
						attestor: s.attestor,
						custodian,
						answer: s.answer,
						at: s.at,
					});
				}
				Some(Request {
					requester: old.requester,
					model_id: old.model_id,
					model_hash: old.model_hash,
					record_id: old.record_id,
					commitment: old.commitment,
					patient: old.patient,
					custodian: old.custodian,
					data_class: old.data_class,
					quorum: old.quorum,
					requested_at: old.requested_at,
					requested_time: old.requested_time,
					deadline: old.deadline,
					status: old.status,
					settled_at: old.settled_at,
					submissions: BoundedVec::truncate_from(submissions),
				})
			});
			let mut listed = 0u64;
			let mut cancelled = 0u64;
			// The upgrade runs before the block's number is set: it is the parent's still.
			let now = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
			// Oldest first, as the worker answers them: the newest are the ones beyond a bound.
			let mut open: alloc::vec::Vec<RequestId> = OpenRequests::<T>::iter_keys().collect();
			open.sort_unstable();
			for request_id in open {
				let Some(request) = Requests::<T>::get(request_id) else { continue };
				listed += 1;
				let by_record = OpenRequestsByRecord::<T>::mutate(request.record_id, |ids| {
					list(ids, request_id)
				});
				let by_pair = if request.requester != request.patient {
					OpenRequestsByPair::<T>::mutate(&request.patient, &request.requester, |ids| {
						list(ids, request_id)
					})
				} else {
					Ok(())
				};
				if by_record.is_err() || by_pair.is_err() {
					// More open requests than the new bounds allow: a withdrawal could not
					// cancel this one at once, so it is cancelled now (and taken out of the
					// listing it made it into). Its requester may ask again.
					cancelled += 1;
					let requester = request.requester.clone();
					Pallet::<T>::cancel(
						request_id,
						request,
						CancelReason::BeyondListingBound,
						requester,
						now,
					);
				}
			}
			log::info!(
				target: LOG_TARGET,
				"attestation v2: {models} models, {requests} requests rewritten; {listed} open requests listed, {cancelled} of them cancelled beyond a listing bound; {dropped} answers dropped from open requests",
			);
			// Each model and request read and written; an attestor lookup and a holder check
			// (two reads each) per submission; each open request read and listed twice; a
			// cancelled one read and written four more times (request, open set, listings,
			// model counts).
			T::DbWeight::get().reads_writes(
				models
					.saturating_add(requests)
					.saturating_add(lookups.saturating_mul(4))
					.saturating_add(listed.saturating_mul(3))
					.saturating_add(cancelled.saturating_mul(4)),
				models
					.saturating_add(requests)
					.saturating_add(listed.saturating_mul(2))
					.saturating_add(cancelled.saturating_mul(5)),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			let models = Models::<T>::iter_keys().count() as u64;
			let requests = Requests::<T>::iter_keys().count() as u64;
			let open = u64::from(OpenRequests::<T>::count());
			Ok((models, requests, open).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let (models, requests, open) = <(u64, u64, u64)>::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre-upgrade state undecodable"))?;
			ensure!(Models::<T>::iter().count() as u64 == models, "a model did not decode");
			ensure!(Requests::<T>::iter().count() as u64 == requests, "a request did not decode");
			ensure!(u64::from(OpenRequests::<T>::count()) <= open, "the open set grew");
			ensure!(
				Models::<T>::iter_values().all(|model| model.min_quorum >= 1),
				"a model without a minimum quorum"
			);
			Ok(())
		}
	}

	/// [`InnerMigrateV1ToV2`], run only when the on-chain storage version is 1; it then sets
	/// version 2.
	pub type MigrateToV2<T> = VersionedMigration<
		1,
		2,
		InnerMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
