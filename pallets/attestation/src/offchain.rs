//! The off-chain worker: runs approved models where the records are, and submits the results.
//!
//! At every block the worker of a node
//!
//! 1. picks the node's attestor: the lowest account among the `infr` keys of the node's
//!    keystore that are registered attestors, and the custodian (hospital) it belongs to. A
//!    node submits with **one** key only; the pallet counts one submission per hospital
//!    anyway;
//! 2. goes through the open requests, oldest first, skipping those its hospital already
//!    answered on chain, those whose record its hospital does not hold on chain (it neither
//!    anchored the record nor was it shared with it: the pallet would refuse the answer),
//!    those no longer permitted (the rule of `cancel_request`: the record version is no longer
//!    current, the consent no longer permits the requester, or the model was retired — checked
//!    before the record is touched, so withdrawal stops processing even where nothing has
//!    cancelled the request yet), those whose record this node found it did not hold less
//!    than [`NOT_HELD_RECHECK_BLOCKS`] blocks ago, and those it answered less than
//!    [`RESUBMIT_AFTER_BLOCKS`] blocks ago (its transaction may still be in the pool);
//! 3. takes the request's off-chain lock, then calls the host function
//!    `inference::run(model_hash, card_hash, commitment)` with the model's approved card hash
//!    (the node refuses to run a model whose local card is not that one: `ModelCardMismatch`):
//!    - `None`: the node has no inference engine; the worker stops for this block;
//!    - `Some(Err(failure))` with a transient fault of this node (`NodeBusy`,
//!      `WorkerUnavailable`): nothing is sent; the worker tries again
//!      [`TRANSIENT_RETRY_BLOCKS`] blocks later, at most [`MAX_TRANSIENT_ATTEMPTS`] times in
//!      all, then stays silent on the request (a local fault is never reported as a failure
//!      of the model on the record). The worker stops for this block: the other requests
//!      would meet the same fault and spend their attempts on it;
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
//!
//! ## Nonces
//!
//! The worker signs with its hospital's attestor account, which nothing else signs with
//! (the consortium refuses a governance account as attestor account). Even so, the chain
//! state's nonce lags behind the transaction pool: a second answer sent before the first is
//! in a block would reuse its nonce and replace it. So the worker remembers the next nonce
//! it may use in persistent off-chain storage ([`NONCE_PREFIX`], a [`RememberedNonce`]) and
//! signs with the higher of that and the state's nonce — unless the state's nonce has stood
//! still for [`NONCE_MEMORY_BLOCKS`] blocks while the remembered one is ahead of it: a
//! transaction of the account was dropped (an answer the pool re-validated after its request
//! closed owes a fee the attestor account cannot pay), and the gap it left would hold back
//! every later answer in the pool's future queue however busy the worker is; then the state's
//! nonce is taken again. The nonce is reserved with a compare-and-set on that
//! storage before the transaction is signed ([`reserve_nonce`]), so two workers running at
//! once never take the same one; a nonce whose transaction the pool refused is given back.

use crate::{Call, Config, Models, OpenRequests, Pallet, RequestId, Requests, LOG_TARGET};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::traits::Get;
use frame_system::{
	offchain::{Account, CreateSignedTransaction, ForAny, Signer, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use healthchain_inference_primitives::{inference, InferenceFailure};
use healthchain_primitives::{AttestorRegistry, RecordLookup};
use sp_runtime::{
	offchain::{
		storage::{MutateStorageError, StorageValueRef},
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
/// Prefix of what an attestor account's worker remembers of its nonces (a
/// [`RememberedNonce`]).
pub const NONCE_PREFIX: &[u8] = b"healthchain/attestation/nonce/";
/// A hospital's attestor account is used by its worker only, but a transaction it sent may
/// still be in the pool, where the state's nonce does not see it: the worker signs with the
/// nonce after the last one it used, unless the state's is higher, or the state's has stood
/// still for this many blocks while the remembered one is ahead (a transaction was dropped,
/// and the gap it left must not hold back every later one).
pub const NONCE_MEMORY_BLOCKS: u32 = RESUBMIT_AFTER_BLOCKS;
/// A node that did not hold a request's record asks again this many blocks later.
pub const NOT_HELD_RECHECK_BLOCKS: u32 = 5;
/// Prefix of the transient-fault marker of a request (holding how many attempts met a
/// transient fault of this node, and the block of the last one).
pub const TRANSIENT_PREFIX: &[u8] = b"healthchain/attestation/transient/";
/// A request whose inference met a transient fault of this node is tried again this many
/// blocks later…
pub const TRANSIENT_RETRY_BLOCKS: u32 = 2;
/// …at most this many times in all (the first attempt included).
pub const MAX_TRANSIENT_ATTEMPTS: u32 = 5;

/// The off-chain worker's work at block `now` (see the module docs).
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let Some((attestor, custodian)) = local_attestor::<T>() else {
		log::trace!(target: LOG_TARGET, "no registered attestor key in the keystore");
		return;
	};
	if attestor.id == custodian && shared_account_warning_due::<T>(now) {
		// Admitted before attestor accounts had to be their own: the hospital's operators sign
		// with this account too, and a transaction of theirs may replace an answer in the pool.
		log::warn!(
			target: LOG_TARGET,
			"the attestor account of this hospital is its governance account: rotate to an \
			 `infr` key of its own with `consortium.set_attestor`",
		);
	}
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
			|| request.has_submitted(&custodian)
			|| !T::RecordLookup::is_holder(request.record_id, &custodian)
			|| Pallet::<T>::cancel_reason(&request, now).is_some()
			|| recently_not_held::<T>(request_id, now)
			|| transient_backoff::<T>(request_id, now)
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

		let Some(model) = Models::<T>::get(request.model_id) else { continue };
		let call = match inference::run(request.model_hash, model.card_hash, request.commitment) {
			None => {
				log::debug!(target: LOG_TARGET, "no inference engine in this node");
				return;
			},
			Some(Err(InferenceFailure::RecordNotHeld)) => {
				StorageValueRef::persistent(&not_held_key(request_id)).set(&now);
				continue;
			},
			Some(Err(failure)) if failure.is_transient() => {
				let attempts = note_transient::<T>(request_id, now);
				log::warn!(
					target: LOG_TARGET,
					"inference request {request_id}: this node could not run it ({failure:?}, \
					 attempt {attempts} of {MAX_TRANSIENT_ATTEMPTS}); not reported",
				);
				// The fault is the node's, not the request's: the other requests would meet it
				// too and spend their attempts in the same block. They wait for the next one.
				break;
			},
			Some(Ok(output)) => {
				let expected = Some(model.output_size as usize);
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
		match send_signed::<T>(&attestor, call, now) {
			Ok(()) => {
				StorageValueRef::persistent(&pair_key::<T>(DONE_PREFIX, request_id, &attestor.id))
					.set(&now);
				log::info!(target: LOG_TARGET, "answered inference request {request_id}");
			},
			Err(()) => log::warn!(
				target: LOG_TARGET,
				"could not send the answer to inference request {request_id}; retrying later",
			),
		}
	}
}

/// The off-chain storage key of the block at which the worker last warned that its attestor
/// account is its hospital's governance account.
pub const SHARED_ACCOUNT_WARNED_KEY: &[u8] = b"healthchain/attestation/shared-account-warned";
/// The worker repeats that warning every this many blocks (about an hour at six seconds).
pub const SHARED_ACCOUNT_WARNING_BLOCKS: u32 = 600;

/// Whether the warning about a shared attestor account is due at block `now` (never given, or
/// `SHARED_ACCOUNT_WARNING_BLOCKS` ago); notes `now` if so.
fn shared_account_warning_due<T: Config>(now: BlockNumberFor<T>) -> bool {
	let marker = StorageValueRef::persistent(SHARED_ACCOUNT_WARNED_KEY);
	let due = marker.get::<BlockNumberFor<T>>().ok().flatten().is_none_or(|warned_at| {
		now >= warned_at.saturating_add(SHARED_ACCOUNT_WARNING_BLOCKS.into()) || now < warned_at
	});
	if due {
		marker.set(&now);
	}
	due
}

/// The node's attestor: the lowest account among the keystore's `infr` keys that is a
/// registered attestor, with the custodian it belongs to.
pub fn local_attestor<T: Config>() -> Option<(Account<T>, T::AccountId)> {
	Signer::<T, T::AuthorityId, ForAny>::keystore_accounts()
		.filter_map(|account| T::Attestors::custodian_of(&account.id).map(|c| (account, c)))
		.min_by(|a, b| a.0.id.cmp(&b.0.id))
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

/// The off-chain storage key of the transient-fault marker of a request.
pub fn transient_key(request_id: RequestId) -> Vec<u8> {
	let mut key = TRANSIENT_PREFIX.to_vec();
	request_id.encode_to(&mut key);
	key
}

/// Notes that an attempt at `request_id` met a transient fault at block `now`; returns how
/// many attempts did so far.
fn note_transient<T: Config>(request_id: RequestId, now: BlockNumberFor<T>) -> u32 {
	let key = transient_key(request_id);
	let marker = StorageValueRef::persistent(&key);
	let attempts = marker
		.get::<(u32, BlockNumberFor<T>)>()
		.ok()
		.flatten()
		.map_or(0, |(attempts, _)| attempts)
		.saturating_add(1);
	marker.set(&(attempts, now));
	attempts
}

/// Whether `request_id` met a transient fault of this node less than `TRANSIENT_RETRY_BLOCKS`
/// blocks before `now`, or `MAX_TRANSIENT_ATTEMPTS` times already.
fn transient_backoff<T: Config>(request_id: RequestId, now: BlockNumberFor<T>) -> bool {
	StorageValueRef::persistent(&transient_key(request_id))
		.get::<(u32, BlockNumberFor<T>)>()
		.ok()
		.flatten()
		.is_some_and(|(attempts, at)| {
			attempts >= MAX_TRANSIENT_ATTEMPTS
				|| now < at.saturating_add(TRANSIENT_RETRY_BLOCKS.into())
		})
}

/// The off-chain storage key of the last nonce `who`'s worker used.
pub fn nonce_key<T: Config>(who: &T::AccountId) -> Vec<u8> {
	let mut key = NONCE_PREFIX.to_vec();
	who.encode_to(&mut key);
	key
}

/// What the worker remembers of an attestor account's nonces, in persistent off-chain storage
/// under [`nonce_key`].
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
pub struct RememberedNonce<Nonce, BlockNumber> {
	/// The lowest nonce not yet reserved: the next transaction is signed with it, or with the
	/// state's nonce if that is higher.
	pub next: Nonce,
	/// The nonce of the last reservation (below `next`, except after a gap was filled).
	pub last: Nonce,
	/// The block of the last reservation: with `last` it identifies a reservation, so that a
	/// give-back never undoes a later one.
	pub at: BlockNumber,
	/// The state's nonce of the account as the last reservation saw it…
	pub state: Nonce,
	/// …and the block since which reservations have seen it at that value.
	pub state_since: BlockNumber,
}

/// The remembered nonces of an attestor account of runtime `T`.
pub type RememberedNonceOf<T> =
	RememberedNonce<<T as frame_system::Config>::Nonce, BlockNumberFor<T>>;

/// The nonce the worker signs its next transaction from `who` with at block `now` (see
/// "Nonces" in the module docs), as [`reserve_nonce`] would reserve it.
pub fn next_nonce<T: Config>(who: &T::AccountId, now: BlockNumberFor<T>) -> T::Nonce {
	let stored = StorageValueRef::persistent(&nonce_key::<T>(who))
		.get::<RememberedNonceOf<T>>()
		.ok()
		.flatten();
	reservation::<T>(who, stored, now).0
}

/// The nonce a reservation for `who` at block `now` takes, given what is remembered
/// (`stored`), and what is remembered after it.
///
/// The nonce is the remembered `next`, or the state's nonce if that is higher — or if the
/// state's nonce has stood still for `NONCE_MEMORY_BLOCKS` blocks while the remembered one is
/// ahead of it: then a transaction of the account was dropped, and the gap it left holds back
/// every later one in the pool's future queue, so the worker signs with the state's nonce
/// again. That fills the gap only: `next` stays where it was, since the later nonces are
/// still in the pool (several gaps in a row are filled one per `NONCE_MEMORY_BLOCKS`).
fn reservation<T: Config>(
	who: &T::AccountId,
	stored: Option<RememberedNonceOf<T>>,
	now: BlockNumberFor<T>,
) -> (T::Nonce, RememberedNonceOf<T>) {
	let state = frame_system::Pallet::<T>::account_nonce(who);
	let one: T::Nonce = 1u32.into();
	let Some(stored) = stored else {
		let remembered = RememberedNonce {
			next: state.saturating_add(one),
			last: state,
			at: now,
			state,
			state_since: now,
		};
		return (state, remembered);
	};
	let unchanged_since = if stored.state == state { stored.state_since } else { now };
	let stalled =
		stored.next > state && now >= unchanged_since.saturating_add(NONCE_MEMORY_BLOCKS.into());
	if stalled {
		let remembered =
			RememberedNonce { last: state, at: now, state, state_since: now, ..stored };
		return (state, remembered);
	}
	let nonce = stored.next.max(state);
	let remembered = RememberedNonce {
		next: nonce.saturating_add(one),
		last: nonce,
		at: now,
		state,
		state_since: unchanged_since,
	};
	(nonce, remembered)
}

/// How often [`reserve_nonce`] tries again when a concurrent worker reserved a nonce of the
/// same account between its read and its write.
pub const NONCE_RESERVE_ATTEMPTS: u32 = 10;

/// Reserves the nonce [`next_nonce`] names for a transaction from `who` at block `now`, with
/// a compare-and-set on off-chain storage: workers of consecutive blocks running at the same
/// time never sign with the same nonce. Returns the reserved nonce and the remembered value it
/// replaced (for [`release_nonce`]); `None` if concurrent workers kept winning the race.
pub fn reserve_nonce<T: Config>(
	who: &T::AccountId,
	now: BlockNumberFor<T>,
) -> Option<(T::Nonce, Option<RememberedNonceOf<T>>)> {
	let key = nonce_key::<T>(who);
	let slot = StorageValueRef::persistent(&key);
	for _ in 0..NONCE_RESERVE_ATTEMPTS {
		let mut replaced = None;
		let mut taken = None;
		let reserved = slot.mutate::<RememberedNonceOf<T>, (), _>(|stored| {
			replaced = stored.ok().flatten();
			let (nonce, remembered) = reservation::<T>(who, replaced, now);
			taken = Some(nonce);
			Ok(remembered)
		});
		match reserved {
			Ok(_) => return taken.map(|nonce| (nonce, replaced)),
			Err(MutateStorageError::ConcurrentModification(_)) => continue,
			Err(MutateStorageError::ValueFunctionFailed(())) => return None,
		}
	}
	None
}

/// Gives back the nonce `nonce` reserved at block `now` whose transaction the pool refused,
/// so that the next reservation takes it again: `replaced` (what the reservation replaced)
/// is remembered again, with a compare-and-set, and only if no other worker reserved a nonce
/// after this one (then the gap closes once the state's nonce has stood still for
/// `NONCE_MEMORY_BLOCKS` blocks).
pub fn release_nonce<T: Config>(
	who: &T::AccountId,
	nonce: T::Nonce,
	now: BlockNumberFor<T>,
	replaced: Option<RememberedNonceOf<T>>,
) {
	let key = nonce_key::<T>(who);
	let slot = StorageValueRef::persistent(&key);
	let ours = |current: &RememberedNonceOf<T>| current.last == nonce && current.at == now;
	// Two workers that both had their nonce refused: the later one's give-back, seen first,
	// restores what the earlier one reserved, and the earlier one's then finds a value that is
	// not its own and leaves it; its nonce comes back as a gap, filled `NONCE_MEMORY_BLOCKS`
	// later.
	let _ = slot.mutate::<RememberedNonceOf<T>, (), _>(|stored| match stored.ok().flatten() {
		Some(current) if ours(&current) => {
			Ok(replaced.unwrap_or(RememberedNonce { next: nonce, ..current }))
		},
		_ => Err(()),
	});
}

/// Signs `call` with the attestor key and hands it to the transaction pool, with a nonce
/// reserved by [`reserve_nonce`] (given back if the pool refuses the transaction).
fn send_signed<T: Config>(
	attestor: &Account<T>,
	call: crate::Call<T>,
	now: BlockNumberFor<T>,
) -> Result<(), ()> {
	let (nonce, replaced) = reserve_nonce::<T>(&attestor.id, now).ok_or(())?;
	let sent = <T as CreateSignedTransaction<crate::Call<T>>>::create_signed_transaction::<
		T::AuthorityId,
	>(call.into(), attestor.public.clone(), attestor.id.clone(), nonce)
	.ok_or(())
	.and_then(SubmitTransaction::<T, crate::Call<T>>::submit_transaction);
	if sent.is_err() {
		release_nonce::<T>(&attestor.id, nonce, now, replaced);
	}
	sent
}
