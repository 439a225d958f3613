//! End to end: two validators (Alice and Bob) from the `local_testnet` spec peer and
//! finalize the same chain.

mod common;

use common::{wait_for, Node, Result};
use jsonrpsee::rpc_params;
use std::time::Duration;

/// Alice's p2p address including her peer id, as Bob needs it for `--bootnodes`.
async fn bootnode_address(alice: &Node) -> Result<String> {
	let peer_id = alice.call("system_localPeerId", rpc_params![]).await?;
	let peer_id = peer_id.as_str().ok_or("peer id is not a string")?;
	Ok(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", alice.p2p_port))
}

async fn peer_count(node: &Node) -> Result<u64> {
	let health = node.call("system_health", rpc_params![]).await?;
	health["peers"].as_u64().ok_or_else(|| format!("bad system_health: {health}").into())
}

async fn scenario(alice: &Node, bob: &Node) -> Result<()> {
	// They see each other.
	wait_for(Duration::from_secs(60), "Alice and Bob to peer", || async {
		Ok(peer_count(alice).await? >= 1 && peer_count(bob).await? >= 1)
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

#[tokio::test(flavor = "multi_thread")]
async fn alice_and_bob_peer_and_finalize_the_same_blocks() {
	// A validator outside `--dev` needs a network key; fixed test keys keep the run reproducible.
	let alice_key = format!("{:064x}", 1);
	let bob_key = format!("{:064x}", 2);
	let alice = Node::start(
		"alice",
		&["--chain", "local", "--alice", "--validator", "--node-key", &alice_key],
	)
	.expect("alice starts");
	alice.wait_ready(Duration::from_secs(60)).await.expect("alice answers RPC");
	let bootnode = bootnode_address(&alice).await.expect("alice's peer id");
	let bob = Node::start(
		"bob",
		&[
			"--chain",
			"local",
			"--bob",
			"--validator",
			"--node-key",
			&bob_key,
			"--bootnodes",
			&bootnode,
		],
	)
	.expect("bob starts");
	bob.wait_ready(Duration::from_secs(60)).await.expect("bob answers RPC");

	if let Err(e) = scenario(&alice, &bob).await {
		panic!(
			"{e}\n--- alice log (tail) ---\n{}\n--- bob log (tail) ---\n{}",
			alice.log_tail(),
			bob.log_tail()
		);
	}
}
