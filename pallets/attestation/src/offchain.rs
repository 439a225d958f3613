//! The off-chain worker: runs approved models where the records are, and submits the results.
//!
//! At every block the worker of a node
//!
//! 1. picks the node's attestor: the lowest account among the `infr` keys of the node's
//!    keystore that governance registered as attestors. A node submits with **one** key only,
//!    so that it cannot make a quorum by itself with several keys;
//! 2. goes through the open requests, oldest first, skipping those this attestor already
//!    answered on chain, those whose record this node found it did not hold less than
//!    [`NOT_HELD_RECHECK_BLOCKS`] blocks ago, and those it answered less than
//!    [`RESUBMIT_AFTER_BLOCKS`] blocks ago (its transaction may still be in the pool);
//! 3. takes the request's off-chain lock, then calls the host function
//!    `inference::run(model_hash, commitment)`:
//!    - `None`: the node has no inference engine; the worker stops for this block;
//!    - `Some(Err(RecordNotHeld))`: the node does not hold the record; it notes the block and
//!      asks again [`NOT_HELD_RECHECK_BLOCKS`] blocks later, so that a hospital that receives
//!      the record while the request is open (`store import-record-export`) still answers it.
//!      The engine checks the record before anything else, so asking costs a file lookup;
//!      it does not count against the per-block budget of inferences;
//!    - `Some(Ok(output))`: it sends a signed `submit_result(request_id, output)` (or
//!      `report_failure(UnsupportedOutput)` if the output does not have the model's size);
//!    - `Some(Err(failure))`: it sends a signed `report_failure(request_id, failure)`;
//! 4. runs at most `MaxRequestsPerOcwRun` inferences per block.
//!
//! The worker never sends anything for a request whose record it does not hold: silence is
//! what such a node has to say, and the pallet refuses `RecordNotHeld` as a failure.
//!
//! ## Why a lock and a "done" marker
//!
//! Off-chain workers of consecutive blocks may run at the same time, and every imported block
//! (on every fork) starts one. Without care a node would run the same inference several times
//! and send duplicate submissions, each rejected on chain (`AlreadySubmitted`) but wasted work.
//!
//! - The **lock** ([`StorageLock`] in persistent off-chain storage, keyed by request id and
//!   attestor, with a deadline of [`LOCK_EXPIRY_BLOCKS`] blocks *and* [`LOCK_EXPIRY_MS`]
//!   milliseconds) makes one worker at a time handle a (request, attestor) pair; a concurrent
//!   worker skips it. The lock is released when the worker is done with the pair; if the node
//!   stops in between, the deadline frees it.
//! - The **done marker** (persistent off-chain storage, same key, holding the block number at
//!   which the transaction went to the pool) is written only after the pool accepted the
//!   transaction, and checked again after taking the lock. Persistent off-chain storage is not
//!   fork-aware, which is what is wanted: after a re-org to a fork where the submission is not
//!   (yet) included, the node does not run the model again at once — the transaction pool
//!   re-submits retracted transactions. Only if the chain still shows no submission of this
//!   attestor [`RESUBMIT_AFTER_BLOCKS`] blocks later (the transaction was dropped) does the
//!   worker run and submit again. A duplicate that still gets through is harmless: the pallet
//!   takes one submission per attestor and request, and the duplicate is not fee-less.
//!
//! Markers are small (tens of bytes per request) and are not cleaned up.

use crate::{Call, Config, Models, OpenRequests, RequestId, Requests, LOG_TARGET};
use alloc::{vec, vec::Vec};
use codec::Encode;
use frame_support::traits::{Get, SortedMembers};
use frame_system::{
	offchain::{Account, ForAny, SendSignedTransaction, Signer},
	pallet_prelude::BlockNumberFor,
};
use healthchain_inference_primitives::{inference, InferenceFailure};
use sp_runtime::{
	offchain::{
		storage::StorageValueRef,
		storage_lock::{BlockAndTime, StorageLock},
		Duration,
	},
	traits::Saturating,
};

/// Prefix of the off-chain lock of a (request, attestor) pair.
pub const LOCK_PREFIX: &[u8] = b"healthchain/attestation/lock/";
/// Prefix of the "done" marker of a (request, attestor) pair.
pub const DONE_PREFIX: &[u8] = b"healthchain/attestation/done/";
/// Prefix of the "record not held here" marker of a request (holding the block at which the
/// node found it did not hold the record).
pub const NOT_HELD_PREFIX: &[u8] = b"healthchain/attestation/not-held/";
/// A lock left behind (the node stopped mid-run) expires after this many blocks…
pub const LOCK_EXPIRY_BLOCKS: u32 = 5;
/// …and this many milliseconds, whichever is later.
pub const LOCK_EXPIRY_MS: u64 = 120_000;
/// A submission not on chain this many blocks after it went to the pool is run and sent again.
pub const RESUBMIT_AFTER_BLOCKS: u32 = 10;
/// A node that did not hold a request's record asks again this many blocks later.
pub const NOT_HELD_RECHECK_BLOCKS: u32 = 5;

/// The off-chain worker's work at block `now` (see the module docs).
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let Some(attestor) = local_attestor::<T>() else {
		log::trace!(target: LOG_TARGET, "no registered attestor key in the keystore");
		return;
	};
	let mut open: Vec<RequestId> = OpenRequests::<T>::iter_keys().collect();
	open.sort_unstable();
	let mut runs = 0u32;
	for request_id in open {
		if runs >= T::MaxRequestsPerOcwRun::get() {
			break;
		}
		let Some(request) = Requests::<T>::get(request_id) else { continue };
		if !request.status.is_open()
			|| now >= request.deadline
			|| request.has_submitted(&attestor.id)
			|| recently_not_held::<T>(request_id, now)
			|| recently_done::<T>(request_id, &attestor.id, now)
		{
			continue;
		}
		let lock_key = pair_key::<T>(LOCK_PREFIX, request_id, &attestor.id);
		let mut lock =
			StorageLock::<BlockAndTime<frame_system::Pallet<T>>>::with_block_and_time_deadline(
				&lock_key,
				LOCK_EXPIRY_BLOCKS,
				Duration::from_millis(LOCK_EXPIRY_MS),
			);
		let Ok(_guard) = lock.try_lock() else { continue };
		// Another worker may have finished this pair between the check above and the lock.
		if recently_done::<T>(request_id, &attestor.id, now) {
			continue;
		}

		let call = match inference::run(request.model_hash, request.commitment) {
			None => {
				log::debug!(target: LOG_TARGET, "no inference engine in this node");
				return;
			},
			Some(Err(InferenceFailure::RecordNotHeld)) => {
				StorageValueRef::persistent(&not_held_key(request_id)).set(&now);
				continue;
			},
			Some(Ok(output)) => {
				let expected = Models::<T>::get(request.model_id).map(|m| m.output_size as usize);
				if expected == Some(output.values.len()) {
					Call::<T>::submit_result { request_id, output }
				} else {
					Call::<T>::report_failure {
						request_id,
						failure: InferenceFailure::UnsupportedOutput,
					}
				}
			},
			Some(Err(failure)) => Call::<T>::report_failure { request_id, failure },
		};
		runs = runs.saturating_add(1);
		let sent = Signer::<T, T::AuthorityId>::any_account()
			.with_filter(vec![attestor.public.clone()])
			.send_signed_transaction(|_| call.clone());
		match sent {
			Some((_, Ok(()))) => {
				StorageValueRef::persistent(&pair_key::<T>(DONE_PREFIX, request_id, &attestor.id))
					.set(&now);
				log::info!(target: LOG_TARGET, "answered inference request {request_id}");
			},
			_ => log::warn!(
				target: LOG_TARGET,
				"could not send the answer to inference request {request_id}; retrying later",
			),
		}
	}
}

/// The node's attestor: the lowest account among the keystore's `infr` keys that is a
/// registered attestor.
pub fn local_attestor<T: Config>() -> Option<Account<T>> {
	Signer::<T, T::AuthorityId, ForAny>::keystore_accounts()
		.filter(|account| T::Attestors::contains(&account.id))
		.min_by(|a, b| a.id.cmp(&b.id))
}

/// The off-chain storage key of a (request, attestor) pair under `prefix`.
pub fn pair_key<T: Config>(prefix: &[u8], request_id: RequestId, who: &T::AccountId) -> Vec<u8> {
	let mut key = prefix.to_vec();
	(request_id, who).encode_to(&mut key);
	key
}

/// The off-chain storage key of the "record not held here" marker of a request.
pub fn not_held_key(request_id: RequestId) -> Vec<u8> {
	let mut key = NOT_HELD_PREFIX.to_vec();
	request_id.encode_to(&mut key);
	key
}

/// Whether this node found it did not hold the record of `request_id` less than
/// `NOT_HELD_RECHECK_BLOCKS` blocks before `now`.
fn recently_not_held<T: Config>(request_id: RequestId, now: BlockNumberFor<T>) -> bool {
	StorageValueRef::persistent(&not_held_key(request_id))
		.get::<BlockNumberFor<T>>()
		.ok()
		.flatten()
		.is_some_and(|found_at| now < found_at.saturating_add(NOT_HELD_RECHECK_BLOCKS.into()))
}

/// Whether `who`'s answer to `request_id` went to the pool less than `RESUBMIT_AFTER_BLOCKS`
/// blocks before `now`.
fn recently_done<T: Config>(
	request_id: RequestId,
	who: &T::AccountId,
	now: BlockNumberFor<T>,
) -> bool {
	StorageValueRef::persistent(&pair_key::<T>(DONE_PREFIX, request_id, who))
		.get::<BlockNumberFor<T>>()
		.ok()
		.flatten()
		.is_some_and(|sent_at| now < sent_at.saturating_add(RESUBMIT_AFTER_BLOCKS.into()))
}
