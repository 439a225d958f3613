//! A consortium's own chain, as the operator guide starts one: three hospitals generate fresh
//! keys (none of them a development key) and share only the public ones;
//! `healthchain-node consortium-spec` builds the raw spec from them; each hospital's node holds
//! only its own secret keys, runs reserved-only with the others as peers, and the three produce
//! and finalize blocks. The chain has no sudo key and no development account; a list of two
//! hospitals is refused with a message naming the problem.

use crate::common::{to_hex, value_key, wait_for, KeystoreKey, Node, Result};
use healthchain_runtime::AccountId;
use jsonrpsee::rpc_params;
use serde_json::json;
use sp_core::{crypto::Ss58Codec, ed25519, sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::{process::Command, time::Duration};

/// One founding hospital: the secret phrase it keeps, and its node's network key.
struct Founder {
	name: &'static str,
	phrase: String,
	node_key: [u8; 32],
}

impl Founder {
	fn sr(&self, path: &str) -> Result<sr25519::Pair> {
		Ok(sr25519::Pair::from_string(&format!("{}//{path}", self.phrase), None)
			.map_err(|e| format!("derivation: {e:?}"))?)
	}

	fn governance(&self) -> Result<AccountId> {
		Ok(AccountId::from(self.sr("governance")?.public()))
	}

	/// The entry of `hospitals.json`: public data only.
	fn entry(&self) -> Result<serde_json::Value> {
		let grandpa = ed25519::Pair::from_string(&format!("{}//grandpa", self.phrase), None)
			.map_err(|e| format!("derivation: {e:?}"))?;
		let infr = self.sr("infr")?.public();
		Ok(json!({
			"name": self.name,
			"account": self.governance()?.to_ss58check(),
			// The attestor is the account of the hospital's own `infr` session key.
			"attestor": AccountId::from(infr).to_ss58check(),
			"sessionKeys": {
				"aura": self.sr("aura")?.public().to_ss58check(),
				"grandpa": grandpa.public().to_ss58check(),
				"infr": infr.to_ss58check(),
			},
			"peerId": self.peer_id()?,
		}))
	}

	fn peer_id(&self) -> Result<String> {
		use sc_network::config::ed25519 as network;
		let secret = network::SecretKey::try_from_bytes(self.node_key)
			.map_err(|e| format!("node key: {e:?}"))?;
		Ok(network::Keypair::from(secret).public().to_peer_id().to_string())
	}

	/// The secret keys its node's keystore gets.
	fn keystore(&self) -> Vec<KeystoreKey> {
		vec![
			KeystoreKey {
				key_type: "aura",
				scheme: "sr25519",
				suri: format!("{}//aura", self.phrase),
			},
			KeystoreKey {
				key_type: "gran",
				scheme: "ed25519",
				suri: format!("{}//grandpa", self.phrase),
			},
			KeystoreKey {
				key_type: "infr",
				scheme: "sr25519",
				suri: format!("{}//infr", self.phrase),
			},
		]
	}
}

/// Runs `healthchain-node consortium-spec` on `hospitals`; returns (success, stderr).
fn build_spec(
	dir: &std::path::Path,
	hospitals: &serde_json::Value,
	out: &str,
) -> Result<(bool, String)> {
	let list = dir.join(format!("{out}.hospitals.json"));
	std::fs::write(&list, hospitals.to_string())?;
	let output = Command::new(env!("CARGO_BIN_EXE_healthchain-node"))
		.args(["consortium-spec", "--raw", "--hospitals"])
		.arg(&list)
		.arg("--output")
		.arg(dir.join(out))
		.output()?;
	Ok((output.status.success(), String::from_utf8_lossy(&output.stderr).to_string()))
}

/// The scenario: build the spec, start the three hospitals, check the chain.
pub async fn a_spec_built_from_public_keys_starts_a_consortium_without_sudo_or_dev_keys(
) -> Result<()> {
	let dir =
		std::env::temp_dir().join(format!("healthchain-e2e-consortium-{}", std::process::id()));
	std::fs::create_dir_all(&dir)?;
	let founders: Vec<Founder> = ["St. Mary's Hospital", "General Hospital", "Children's Hospital"]
		.into_iter()
		.enumerate()
		.map(|(i, name)| Founder {
			name,
			phrase: sr25519::Pair::generate_with_phrase(None).1,
			node_key: [0x30 + i as u8; 32],
		})
		.collect();
	let entries = founders.iter().map(Founder::entry).collect::<Result<Vec<_>>>()?;
	let list = |entries: Vec<serde_json::Value>| json!({ "name": "Example Health", "id": "example_health", "sessionLength": 5, "hospitals": entries });

	// Two hospitals are too few: refused, with the reason.
	let (ok, stderr) = build_spec(&dir, &list(entries[..2].to_vec()), "two.json")?;
	assert!(!ok, "a spec of two hospitals was built");
	assert!(stderr.contains("at least 3 founding hospitals"), "unexpected refusal: {stderr}");

	let (ok, stderr) = build_spec(&dir, &list(entries), "consortium.json")?;
	assert!(ok, "consortium-spec failed: {stderr}");
	let spec = dir.join("consortium.json").display().to_string();

	// Each hospital's node: its own keys, reserved-only with the earlier ones as peers, and
	// the earlier ones add it.
	let mut nodes: Vec<Node> = Vec::new();
	let mut addresses: Vec<String> = Vec::new();
	for (i, founder) in founders.iter().enumerate() {
		let node_key = to_hex(&founder.node_key);
		let node_key = node_key.trim_start_matches("0x");
		let mut args = vec!["--validator", "--node-key", node_key, "--reserved-only"];
		for address in &addresses {
			args.extend_from_slice(&["--reserved-nodes", address]);
		}
		let node =
			Node::start_with_keys(&format!("consortium-{i}"), &spec, &args, &founder.keystore())?;
		node.wait_ready(Duration::from_secs(60)).await?;
		let address = node.bootnode_address().await?;
		for member in &nodes {
			member.call("system_addReservedPeer", rpc_params![address.clone()]).await?;
		}
		addresses.push(address);
		nodes.push(node);
	}
	let outcome = async {
		wait_for(Duration::from_secs(180), "the three hospitals to finalize block #2", || async {
			Ok(nodes[0].finalized().await?.1 >= 2)
		})
		.await?;
		let (hash, number) = nodes[0].finalized().await?;
		for node in &nodes[1..] {
			wait_for(Duration::from_secs(60), "every hospital to finalize it", || async {
				Ok(node.finalized().await?.1 >= number)
			})
			.await?;
			assert_eq!(node.block_hash(number).await?, Some(hash));
		}
		// No sudo key, no development account, the founders validate.
		let first = &nodes[0];
		assert_eq!(
			first.storage::<AccountId>(&value_key("Sudo", "Key"), None).await?,
			None,
			"the chain has a sudo key"
		);
		for dev in [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Ferdie] {
			let mut key = value_key("System", "Account");
			let account = dev.to_account_id();
			key.extend(sp_io::hashing::blake2_128(account.as_ref()));
			key.extend_from_slice(account.as_ref());
			// Any value there is an account; `()` decodes from any value.
			let account: Option<()> = first.storage(&key, None).await?;
			assert!(account.is_none(), "{dev:?} has an account");
		}
		let mut validators: Vec<AccountId> = first
			.storage(&value_key("Session", "Validators"), None)
			.await?
			.ok_or("no validators")?;
		validators.sort();
		let mut expected = founders.iter().map(Founder::governance).collect::<Result<Vec<_>>>()?;
		expected.sort();
		assert_eq!(validators, expected);
		Ok(())
	}
	.await;
	if outcome.is_err() {
		for (i, node) in nodes.iter().enumerate() {
			eprintln!("--- consortium node {i} log (tail) ---\n{}", node.log_tail());
		}
	}
	drop(nodes);
	let _ = std::fs::remove_dir_all(&dir);
	outcome
}
