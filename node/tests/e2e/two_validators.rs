//! Two of the local testnet's validators (Alice and Bob) peer and finalize the same chain, and
//! a node the hospitals do not know cannot join them.

use crate::common::{wait_for, Node, Result};
use jsonrpsee::core::rpc_params;
use std::time::Duration;

/// Alice and Bob see each other, and what Alice finalized Bob finalized too, with the same
/// hash.
pub async fn alice_and_bob_peer_and_finalize_the_same_blocks(
	alice: &Node,
	bob: &Node,
) -> Result<()> {
	// They see each other.
	wait_for(Duration::from_secs(60), "Alice and Bob to peer", || async {
		Ok(alice.peer_count().await? >= 1 && bob.peer_count().await? >= 1)
	})
	.await?;

	// Both finalize, and what Alice finalized Bob finalized too, with the same hash.
	wait_for(Duration::from_secs(120), "Alice to finalize block #3", || async {
		Ok(alice.finalized().await?.1 >= 3)
	})
	.await?;
	let (alice_hash, number) = alice.finalized().await?;
	wait_for(Duration::from_secs(60), "Bob to finalize Alice's finalized block", || async {
		Ok(bob.finalized().await?.1 >= number)
	})
	.await?;
	let bob_hash = bob.block_hash(number).await?;
	assert_eq!(bob_hash, Some(alice_hash), "Alice and Bob finalized different blocks at #{number}");
	Ok(())
}

/// A node whose peer id the hospitals do not list (a fresh random network key) boots from
/// Alice: the reserved-only validators refuse it, so while they produce five more blocks it
/// imports none and never appears in their `system_peers`.
pub async fn a_node_with_an_unknown_peer_id_cannot_join(alice: &Node, bob: &Node) -> Result<()> {
	let bootnode = alice.bootnode_address().await?;
	let stranger =
		Node::start("hospitals-stranger", &["--chain", "local", "--bootnodes", &bootnode])?;
	let outcome = async {
		stranger.wait_ready(Duration::from_secs(60)).await?;
		let stranger_id = stranger.call("system_localPeerId", rpc_params![]).await?;
		let start = alice.best_number().await?;
		wait_for(Duration::from_secs(120), "Alice to produce five more blocks", || async {
			Ok(alice.best_number().await? >= start + 5)
		})
		.await?;
		assert_eq!(stranger.best_number().await?, 0, "the unknown node imported blocks");
		for (name, member) in [("Alice", alice), ("Bob", bob)] {
			let peers = member.call("system_peers", rpc_params![]).await?;
			let listed = peers
				.as_array()
				.ok_or("system_peers is not a list")?
				.iter()
				.any(|peer| peer["peerId"] == stranger_id);
			assert!(!listed, "{name} lists the unknown node among its peers: {peers}");
		}
		// The members still see each other.
		assert!(alice.peer_count().await? >= 1 && bob.peer_count().await? >= 1);
		Ok(())
	}
	.await;
	if outcome.is_err() {
		eprintln!("--- unknown node log (tail) ---\n{}", stranger.log_tail());
	}
	outcome
}
