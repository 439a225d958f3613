//! Erasure reaches every hospital that holds a record: when a record is erased on chain
//! (`records.erase_record`, by its patient or its custodian), each node destroys its own copy
//! of every version (salt and bytes, `RecordStore::remove`) once the erasure is finalized.
//!
//! The node sweeps its record store at start, after every finalized block that contains a
//! `RecordErased` event, and every [`SWEEP_EVERY`] finality notifications regardless (which
//! catches erasures finalized while the node was down or syncing, and blocks whose state was
//! pruned before they could be read). A block whose events cannot be read or decoded (a
//! runtime upgrade changed them) triggers a sweep too.
//!
//! A sweep asks the runtime, at the latest finalized block, what each held commitment is
//! (`RecordsApi::anchor_of`), whether its record is erased (`RecordsApi::verify_record`) and
//! about whom it is (`RecordsApi::record`): a file is destroyed only if the erased record's
//! patient is the patient the file was imported for (or the file cannot be read any more), so
//! a commitment anchored by someone else for another patient cannot make the node destroy its
//! copy. Sweeps run on their own thread (file
//! overwrites and fsyncs must not hold up the node's async tasks); requests for sweeps that
//! pile up while one runs are merged.

use crate::client::FullClient;
use codec::Decode;
use futures::StreamExt;
use healthchain_engine::Engine;
use healthchain_runtime::{AccountId, Hash, RuntimeEvent};
use pallet_records::{runtime_api::RecordsApi, Anchor, Verification};
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_api::ProvideRuntimeApi;
use sp_core::{bytes, crypto::Ss58Codec, storage::StorageKey};
use std::sync::{mpsc, Arc};

/// A sweep runs at least every this many finality notifications (about ten minutes of 6 s
/// blocks).
pub const SWEEP_EVERY: u32 = 100;

/// Runs until the node stops; see the module docs.
pub async fn shred_erased_records(client: Arc<FullClient>, engine: Arc<Engine>) {
	let (sweeps, requests) = mpsc::channel::<()>();
	let sweeper = {
		let client = client.clone();
		std::thread::Builder::new().name("hc-shredder".into()).spawn(move || {
			while requests.recv().is_ok() {
				// Merge the requests that piled up: one sweep at the newest finalized block.
				while requests.try_recv().is_ok() {}
				sweep(&client, &engine, client.chain_info().finalized_hash);
			}
		})
	};
	if let Err(e) = sweeper {
		log::error!(target: "healthchain", "cannot start the record shredder: {e}");
		return;
	}
	let _ = sweeps.send(());
	let mut finality = client.finality_notification_stream();
	let mut since_sweep = 0u32;
	while let Some(notification) = finality.next().await {
		since_sweep = since_sweep.saturating_add(1);
		let mut finalized =
			notification.tree_route.iter().chain(std::iter::once(&notification.hash));
		if since_sweep >= SWEEP_EVERY || finalized.any(|hash| has_erasure(&client, *hash)) {
			since_sweep = 0;
			if sweeps.send(()).is_err() {
				return;
			}
		}
	}
}

/// Whether block `hash` erased a record (or its events cannot be read: then assume so).
fn has_erasure(client: &FullClient, hash: Hash) -> bool {
	let key = StorageKey(events_key().to_vec());
	let data = match client.storage(hash, &key) {
		Ok(Some(data)) => data,
		Ok(None) => return false,
		Err(e) => {
			log::debug!(target: "healthchain", "cannot read the events of block {hash}: {e}");
			return true;
		},
	};
	match Vec::<frame_system::EventRecord<RuntimeEvent, Hash>>::decode(&mut &data.0[..]) {
		Ok(records) => records.iter().any(|r| {
			matches!(r.event, RuntimeEvent::Records(pallet_records::Event::RecordErased { .. }))
		}),
		Err(e) => {
			log::warn!(target: "healthchain", "cannot decode the events of block {hash}: {e}");
			true
		},
	}
}

/// Destroys the held records whose record is erased as of block `at`.
fn sweep(client: &FullClient, engine: &Engine, at: Hash) {
	let held = match engine.records().list() {
		Ok(held) => held,
		Err(e) => {
			log::warn!(target: "healthchain", "cannot list the record store: {e}");
			return;
		},
	};
	let api = client.runtime_api();
	for commitment in held {
		let record_id = match api.anchor_of(at, commitment) {
			Ok(Some(Anchor::Record { record_id, .. })) => record_id,
			Ok(_) => continue,
			Err(e) => {
				log::warn!(target: "healthchain", "RecordsApi unavailable at {at}: {e}");
				return;
			},
		};
		if api.verify_record(at, record_id, commitment).ok() != Some(Verification::Erased) {
			continue;
		}
		let on_chain = api.record(at, record_id).ok().flatten().map(|r| r.patient);
		let here =
			engine.records().read(&commitment).ok().and_then(|r| {
				AccountId::from_ss58check_with_version(r.patient()).ok().map(|(a, _)| a)
			});
		// Kept only when both patients are known and differ; a copy that cannot be read any
		// more is destroyed (its salt may still be intact).
		if let (Some(on_chain), Some(here)) = (&on_chain, &here) {
			if on_chain != here {
				log::warn!(
					target: "healthchain",
					"record {} is erased on chain, but it is another patient's than this \
					 node's copy: kept, for the operator to look at",
					bytes::to_hex(&commitment, false)
				);
				continue;
			}
		}
		match engine.records().remove(&commitment) {
			Ok(_) => log::info!(
				target: "healthchain",
				"🗑️ record {} was erased on chain: its salt and bytes are destroyed here",
				bytes::to_hex(&commitment, false)
			),
			Err(e) => log::error!(
				target: "healthchain",
				"record {} was erased on chain but could not be destroyed here: {e}",
				bytes::to_hex(&commitment, false)
			),
		}
	}
}

/// The storage key of `System::Events`.
fn events_key() -> [u8; 32] {
	let mut key = [0u8; 32];
	key[..16].copy_from_slice(&sp_io::hashing::twox_128(b"System"));
	key[16..].copy_from_slice(&sp_io::hashing::twox_128(b"Events"));
	key
}
