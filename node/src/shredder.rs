//! Erasure reaches every hospital that holds a record: when a record is erased on chain
//! (`records.erase_record`, by its patient or its custodian), each node destroys its own copy
//! of every version (salt and bytes, `RecordStore::remove`) once the erasure is finalized.
//!
//! The node sweeps its record store at start (erasures finalized while it was down) and again
//! after every finalized block that contains a `RecordErased` event. A sweep asks the runtime,
//! at the finalized block, what each held commitment is (`RecordsApi::anchor_of`) and whether
//! its record is erased (`RecordsApi::verify_record`); the runtime API, not the event layout,
//! decides. If a block's events cannot be decoded (a runtime upgrade changed them), the node
//! sweeps anyway.

use crate::service::FullClient;
use codec::Decode;
use futures::StreamExt;
use healthchain_engine::Engine;
use healthchain_runtime::{Hash, RuntimeEvent};
use pallet_records::{runtime_api::RecordsApi, Anchor, Verification};
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_api::ProvideRuntimeApi;
use sp_core::{bytes, storage::StorageKey};
use std::sync::Arc;

/// Runs until the node stops; see the module docs.
pub async fn shred_erased_records(client: Arc<FullClient>, engine: Arc<Engine>) {
	let mut finality = client.finality_notification_stream();
	sweep(&client, &engine, client.chain_info().finalized_hash);
	while let Some(notification) = finality.next().await {
		let finalized = notification.tree_route.iter().chain(std::iter::once(&notification.hash));
		if finalized.into_iter().any(|hash| has_erasure(&client, *hash)) {
			sweep(&client, &engine, notification.hash);
		}
	}
}

/// Whether block `hash` erased a record (or its events cannot be read: then assume so).
fn has_erasure(client: &FullClient, hash: Hash) -> bool {
	let key = StorageKey(events_key().to_vec());
	let Ok(Some(data)) = client.storage(hash, &key) else { return false };
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
		let erased = match api.anchor_of(at, commitment) {
			Ok(Some(Anchor::Record { record_id, .. })) => {
				api.verify_record(at, record_id, commitment).ok() == Some(Verification::Erased)
			},
			Ok(_) => false,
			Err(e) => {
				log::warn!(target: "healthchain", "RecordsApi unavailable at {at}: {e}");
				return;
			},
		};
		if !erased {
			continue;
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
