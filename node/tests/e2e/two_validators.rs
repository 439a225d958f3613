//! Two validators (Alice and Bob) from the `local_testnet` spec peer and finalize the same
//! chain. The first scenario on the pair of validators that the two-hospital scenarios use
//! next.

use crate::common::{wait_for, Node, Result};
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
