//! A `--dev` node offers metadata V14–V16 and the shipped model, imports a record over the
//! store RPC, produces and finalizes blocks, accepts a signed transfer over JSON-RPC, and
//! shuts down cleanly on SIGTERM.
//!
//! Two scenarios on the shared dev node: what a fresh node offers runs first (it expects the
//! shipped model and its own record to be the only ones the node holds), the transfer and
//! the shutdown run last (SIGTERM ends the node).

use crate::common::{self, wait_for, Node, Result, SHIPPED_MODEL_HASH};
use codec::Encode;
use healthchain_runtime::{BalancesCall, RuntimeCall, RuntimeEvent, UNIT};
use jsonrpsee::rpc_params;
use sp_keyring::Sr25519Keyring;
use sp_runtime::MultiAddress;
use std::time::Duration;

/// The runtime is healthchain's, offers metadata V14–V16 with the pallets' documentation,
/// holds the shipped model, and the store RPC imports a record.
pub async fn dev_node_offers_metadata_the_shipped_model_and_the_store_rpc(
	node: &Node,
) -> Result<()> {
	// The runtime is healthchain's.
	let version = node.call("state_getRuntimeVersion", rpc_params![]).await?;
	assert_eq!(version["specName"], "healthchain", "runtime version: {version}");

	// Metadata V14, V15 and V16 are offered (polkadot.js uses V15+).
	let versions = node.call("state_call", rpc_params!["Metadata_metadata_versions", "0x"]).await?;
	let versions = common::from_hex(versions.as_str().ok_or("state_call result")?)?;
	let versions = <Vec<u32> as codec::Decode>::decode(&mut &versions[..])?;
	for v in [14, 15, 16] {
		assert!(versions.contains(&v), "metadata versions {versions:?} lack V{v}");
	}

	// The healthchain pallets' calls come with their documentation, which polkadot.js shows.
	let metadata = node.call("state_getMetadata", rpc_params![]).await?;
	let metadata = common::from_hex(metadata.as_str().ok_or("metadata is not hex")?)?;
	for expected in [
		"grant_consent",
		"Grant a consent: a permit or a deny for `grantee`",
		"anchor_record",
		"Anchor a record: the chain assigns it the next `RecordId`",
	] {
		assert!(
			metadata.windows(expected.len()).any(|w| w == expected.as_bytes()),
			"metadata lacks {expected:?}"
		);
	}

	// The development chain imported the shipped model; the store RPC imports a record.
	let models = node.call("inference_listModels", rpc_params![]).await?;
	assert_eq!(models, serde_json::json!([SHIPPED_MODEL_HASH]), "models held: {models}");
	let bundle = std::fs::read_to_string(common::repo("models/examples/patient-2.bundle.json"))?;
	let alice_ss58 = Sr25519Keyring::Alice.to_account_id().to_string();
	let commitment = node.call("inference_importRecord", rpc_params![alice_ss58, bundle]).await?;
	let records = node.call("inference_listRecords", rpc_params![]).await?;
	assert_eq!(records, serde_json::json!([commitment]), "records held: {records}");
	Ok(())
}

/// Blocks are produced and finalized, a signed transfer submitted over RPC is included with
/// its event, and SIGTERM stops the node cleanly.
pub async fn dev_node_produces_finalizes_accepts_a_transfer_and_stops_on_sigterm(
	node: &mut Node,
) -> Result<()> {
	// Blocks are produced (one every 6 s) …
	wait_for(Duration::from_secs(60), "block #2 to be produced", || async {
		Ok(node.best_number().await? >= 2)
	})
	.await?;

	// … and finalized by GRANDPA.
	wait_for(Duration::from_secs(90), "a finalized block at height >= 3", || async {
		Ok(node.finalized().await?.1 >= 3)
	})
	.await?;

	// A signed transfer, submitted over RPC, is included and its event observed.
	let genesis = node.block_hash(0).await?.ok_or("no genesis hash")?;
	let alice = Sr25519Keyring::Alice;
	let bob = Sr25519Keyring::Bob;
	let nonce: u32 = serde_json::from_value(
		node.call("system_accountNextIndex", rpc_params![alice.to_account_id().to_string()])
			.await?,
	)?;
	let amount = 42 * UNIT;
	let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
		dest: MultiAddress::Id(bob.to_account_id()),
		value: amount,
	});
	let xt = common::signed(call, &alice.pair(), nonce, genesis);
	let xt_hex = common::to_hex(&xt.encode());
	let start = node.best_number().await?;
	node.call("author_submitExtrinsic", rpc_params![xt_hex.clone()]).await?;

	let (block_hash, index) = node.find_inclusion(&xt_hex, start + 1).await?;

	let events = node.events(block_hash).await?;
	let ours: Vec<_> = events
		.iter()
		.filter(|r| r.phase == frame_system::Phase::ApplyExtrinsic(index))
		.map(|r| &r.event)
		.collect();
	assert!(
		ours.iter().any(|e| matches!(
			e,
			RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount: a })
				if *from == alice.to_account_id() && *to == bob.to_account_id() && *a == amount
		)),
		"no Transfer event for the extrinsic: {ours:?}"
	);
	assert!(
		ours.iter().any(|e| matches!(
			e,
			RuntimeEvent::System(frame_system::Event::ExtrinsicSuccess { .. })
		)),
		"the transfer did not succeed: {ours:?}"
	);

	// SIGTERM stops the node cleanly.
	let status = node.terminate(Duration::from_secs(30))?;
	assert!(status.success(), "node exited with {status} after SIGTERM");
	Ok(())
}
