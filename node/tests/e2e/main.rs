//! End to end: real `healthchain-node` processes, driven over JSON-RPC from Rust and from the
//! `@polkadot/api` client, as hospitals, dApps and researchers use them.
//!
//! One test binary, two networks, each shared by the scenarios that need it: a `--dev` node
//! (Alice validating alone) serves every single-node scenario, and the two validators of the
//! `two-hospitals` network (Alice's and Bob's hospitals) serve the two-node ones. The two networks are
//! two tests, so they run at the same time; the scenarios of one network run one after the
//! other, in an order the chain they share requires (see each test). Every scenario is a
//! function named for what it shows; a failure names the scenario, followed by the tail of
//! the nodes' logs. `cargo test --release --workspace --test e2e -- --nocapture` also prints
//! when each scenario started and how long it took.

#[path = "../common/mod.rs"]
mod common;

mod dapp_client;
mod dev_chain;
mod hostile_model;
mod inference_flow;
mod two_hospitals;
mod two_validators;

use common::{start_local_validators, Node};
use std::time::Duration;

/// Runs `module::scenario(args…)` under the scenario's own name (see [`common::scenario`]).
macro_rules! run {
	($module:ident :: $scenario:ident ( $($arg:expr),* )) => {
		common::scenario(stringify!($scenario), $module::$scenario($($arg),*))
	};
}

/// The flags of the `--dev` node. `--inference-memory-limit-mb 768` is for the hostile
/// model, whose inference process must run out of memory: the model asks for 1.2 GB, which
/// the default limit (2 GiB) would allow. The shipped model, which the other scenarios run,
/// needs a small part of 768 MiB: the hostile-model scenario itself has it attested under
/// this limit.
const DEV_NODE_FLAGS: &[&str] =
	&["--dev", "--offchain-worker", "always", "--inference-memory-limit-mb", "768"];

/// Extra flags of Alice's and Bob's validators: the hospitals' off-chain workers run at every
/// block (the two-hospital scenarios need them; peering and finality are the same with them).
const LOCAL_VALIDATOR_FLAGS: &[&str] = &["--offchain-worker", "always"];

#[tokio::test(flavor = "multi_thread")]
async fn the_dev_node_scenarios_pass_in_order_on_one_node() {
	let mut node = Node::start("dev", DEV_NODE_FLAGS).expect("node starts");
	if let Err(e) = dev_node_scenarios(&mut node).await {
		panic!("{e}\n--- node log (tail) ---\n{}", node.log_tail());
	}
}

/// The single-node scenarios, in the order their shared chain requires:
/// - first what a fresh node offers: exactly the shipped model and the one record it imports;
/// - then the polkadot.js client, whose CSV export expects its attestation to be the only one
///   of the shipped model;
/// - then the Rust inference flow and the hostile model, each with its own patient (Ferdie,
///   Dave), so that no commitment is anchored twice;
/// - last the transfer and the shutdown on SIGTERM, which ends the node.
async fn dev_node_scenarios(node: &mut Node) -> Result<(), String> {
	node.wait_ready(Duration::from_secs(60))
		.await
		.map_err(|e| format!("the dev node did not answer RPC: {e}"))?;
	run!(dev_chain::dev_node_offers_metadata_the_shipped_model_and_the_store_rpc(node)).await?;
	run!(dapp_client::the_polkadot_js_client_sees_its_request_attested(node)).await?;
	run!(inference_flow::a_consented_request_is_attested_by_the_node_that_holds_the_record(node))
		.await?;
	run!(hostile_model::a_model_that_exhausts_memory_fails_on_chain_and_the_node_carries_on(node))
		.await?;
	run!(dev_chain::dev_node_produces_finalizes_accepts_a_transfer_and_stops_on_sigterm(node)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_two_hospital_scenarios_pass_in_order_on_one_pair_of_validators() {
	let (alice, bob) =
		start_local_validators("hospitals", LOCAL_VALIDATOR_FLAGS).await.expect("validators start");
	if let Err(e) = local_validator_scenarios(&alice, &bob).await {
		panic!(
			"{e}\n--- alice log (tail) ---\n{}\n--- bob log (tail) ---\n{}",
			alice.log_tail(),
			bob.log_tail()
		);
	}
}

/// The two-node scenarios, in order: the validators peer and finalize; a node with an unknown
/// peer id cannot join them; each hospital imports
/// the shipped model; a record both hospitals hold is attested with quorum 2; a record the
/// second hospital receives while the request is open completes the quorum; erasing that
/// record destroys both copies and leaves the first record alone.
async fn local_validator_scenarios(alice: &Node, bob: &Node) -> Result<(), String> {
	run!(two_validators::alice_and_bob_peer_and_finalize_the_same_blocks(alice, bob)).await?;
	run!(two_validators::a_node_with_an_unknown_peer_id_cannot_join(alice, bob)).await?;
	run!(two_hospitals::each_hospital_imports_the_shipped_model_into_its_node(alice, bob)).await?;
	let held_by_both =
		run!(two_hospitals::two_hospitals_holding_the_record_attest_with_quorum_two(alice, bob))
			.await?;
	let shared_later = run!(
		two_hospitals::a_record_shared_while_the_request_is_open_reaches_quorum_two(alice, bob)
	)
	.await?;
	run!(two_hospitals::an_erased_record_is_destroyed_at_both_hospitals(
		alice,
		bob,
		shared_later,
		held_by_both
	))
	.await
}
