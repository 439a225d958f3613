//! A harness for end-to-end tests: starts `healthchain-node` as a child process on free
//! ports and talks to it over JSON-RPC, as any client would; [`scenario`] runs one of the
//! scenarios that share a network and names it when it fails.

#![allow(dead_code)]

pub mod flow;

use codec::{Decode, Encode};
use healthchain_runtime::{
	AccountId, Hash, RuntimeCall, RuntimeEvent, SignedPayload, UncheckedExtrinsic, VERSION,
};
use jsonrpsee::{
	core::client::ClientT,
	http_client::{HttpClient, HttpClientBuilder},
	rpc_params,
};
use serde_json::Value;
use sp_core::Pair;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::Era, DispatchError, MultiAddress, MultiSignature};
use std::{
	fs::File,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, ExitStatus, Stdio},
	time::{Duration, Instant},
};

/// blake2-256 of `models/breast-cancer-mlp.onnx`, the shipped model, as RPC shows it.
pub const SHIPPED_MODEL_HASH: &str =
	"0x9a60b797ad1c067550ec6432ab160bbaba5c9a105971fe472f4fb454d9af062e";

/// Result type of the harness: any error, with a message that says what was expected.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A path in the repository (`models/…`, `scripts/client`, …).
pub fn repo(path: &str) -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Runs one scenario of a network that several scenarios share, under its `name`: what it
/// returns, or "scenario `name` failed: …" with its error or the message of its panic (a
/// failed assertion). The scenarios of a network run one after the other, each on the chain
/// the ones before it left, so callers stop at the first failure.
pub async fn scenario<T>(
	name: &str,
	run: impl std::future::Future<Output = Result<T>>,
) -> std::result::Result<T, String> {
	use futures::FutureExt;
	let started = Instant::now();
	eprintln!("scenario {name}: started");
	match std::panic::AssertUnwindSafe(run).catch_unwind().await {
		Ok(Ok(value)) => {
			eprintln!("scenario {name}: passed after {:.0?}", started.elapsed());
			Ok(value)
		},
		Ok(Err(e)) => Err(format!("scenario {name} failed: {e}")),
		Err(panic) => Err(format!("scenario {name} failed: {}", panic_message(panic.as_ref()))),
	}
}

/// The message a panic was raised with.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
	if let Some(&message) = payload.downcast_ref::<&'static str>() {
		message
	} else if let Some(message) = payload.downcast_ref::<String>() {
		message.as_str()
	} else {
		"a panic without a message"
	}
}

/// A free TCP port on localhost (the OS picks one; it is released before the node binds it).
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("the OS hands out a free port")
}

/// A running node: its process, its RPC client and its log file.
pub struct Node {
	/// The child process.
	pub child: Child,
	/// JSON-RPC client on the node's RPC port.
	pub rpc: HttpClient,
	/// The node's p2p port.
	pub p2p_port: u16,
	/// The node's RPC (HTTP and WebSocket) port.
	pub rpc_port: u16,
	/// Where the node's output goes.
	pub log_path: PathBuf,
	/// Keeps the temporary directory (log file) alive.
	_dir: tempdir::Dir,
}

/// A key for a node's keystore: its key type (`aura`, `gran`, `infr`), scheme (`sr25519`,
/// `ed25519`) and secret URI.
pub struct KeystoreKey {
	/// The key type.
	pub key_type: &'static str,
	/// The signature scheme.
	pub scheme: &'static str,
	/// The secret URI.
	pub suri: String,
}

/// A minimal self-deleting temporary directory.
mod tempdir {
	use std::path::{Path, PathBuf};

	/// Removed with its content on drop.
	pub struct Dir(PathBuf);

	impl Dir {
		/// Creates a fresh directory under the system's temporary directory.
		pub fn new(prefix: &str) -> std::io::Result<Self> {
			let nanos = std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_nanos())
				.unwrap_or_default();
			let path =
				std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
			std::fs::create_dir_all(&path)?;
			Ok(Dir(path))
		}

		/// The directory's path.
		pub fn path(&self) -> &Path {
			&self.0
		}
	}

	impl Drop for Dir {
		fn drop(&mut self) {
			let _ = std::fs::remove_dir_all(&self.0);
		}
	}
}

impl Node {
	/// Starts `healthchain-node` with `args` plus `--tmp` and free RPC, p2p and Prometheus ports.
	pub fn start(name: &str, args: &[&str]) -> Result<Node> {
		let dir = tempdir::Dir::new(&format!("healthchain-e2e-{name}"))?;
		Self::spawn(dir, args, &["--tmp"])
	}

	/// Starts `healthchain-node --chain chain` with `args` on a base path of its own whose
	/// keystore holds `keys` (inserted with `key insert` before the start, as an operator
	/// does), with free RPC, p2p and Prometheus ports.
	pub fn start_with_keys(
		name: &str,
		chain: &str,
		args: &[&str],
		keys: &[KeystoreKey],
	) -> Result<Node> {
		let dir = tempdir::Dir::new(&format!("healthchain-e2e-{name}"))?;
		let base = dir.path().join("base");
		for key in keys {
			let status = Command::new(env!("CARGO_BIN_EXE_healthchain-node"))
				.args(["key", "insert", "--chain", chain, "--base-path"])
				.arg(&base)
				.args(["--key-type", key.key_type, "--scheme", key.scheme, "--suri", &key.suri])
				.status()?;
			if !status.success() {
				return Err(format!("key insert of a {} key failed", key.key_type).into());
			}
		}
		let base = base.display().to_string();
		let mut all = vec!["--chain", chain, "--base-path", base.as_str()];
		all.extend_from_slice(args);
		Self::spawn(dir, &all, &[])
	}

	/// Spawns the node in `dir` (which keeps its log) with `args`, `extra` and free ports.
	fn spawn(dir: tempdir::Dir, args: &[&str], extra: &[&str]) -> Result<Node> {
		let log_path = dir.path().join("node.log");
		let log = File::create(&log_path)?;
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let child = Command::new(env!("CARGO_BIN_EXE_healthchain-node"))
			.args(args)
			.args(extra)
			.args(["--no-telemetry", "--no-mdns", "--listen-addr"])
			.arg(format!("/ip4/127.0.0.1/tcp/{p2p_port}"))
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.stdout(Stdio::from(log.try_clone()?))
			.stderr(Stdio::from(log))
			.spawn()?;
		let rpc = HttpClientBuilder::default().build(format!("http://127.0.0.1:{rpc_port}"))?;
		Ok(Node { child, rpc, p2p_port, rpc_port, log_path, _dir: dir })
	}

	/// The node's p2p address including its peer id, as another node needs it for
	/// `--bootnodes`.
	pub async fn bootnode_address(&self) -> Result<String> {
		let peer_id = self.call("system_localPeerId", rpc_params![]).await?;
		let peer_id = peer_id.as_str().ok_or("peer id is not a string")?;
		Ok(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", self.p2p_port))
	}

	/// How many peers the node is connected to.
	pub async fn peer_count(&self) -> Result<u64> {
		let health = self.call("system_health", rpc_params![]).await?;
		health["peers"].as_u64().ok_or_else(|| format!("bad system_health: {health}").into())
	}

	/// The last lines of the node's log, to explain a failure.
	pub fn log_tail(&self) -> String {
		let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
		let lines: Vec<&str> = log.lines().collect();
		lines[lines.len().saturating_sub(40)..].join("\n")
	}

	/// Calls an RPC method.
	pub async fn call(
		&self,
		method: &str,
		params: jsonrpsee::core::params::ArrayParams,
	) -> Result<Value> {
		Ok(self.rpc.request::<Value, _>(method, params).await?)
	}

	/// Waits until the node answers RPC calls.
	pub async fn wait_ready(&self, timeout: Duration) -> Result<()> {
		wait_for(timeout, "the node to answer RPC", || async {
			Ok(self.call("system_health", rpc_params![]).await.is_ok())
		})
		.await
	}

	/// The header of the best block, or of `hash`.
	pub async fn header(&self, hash: Option<Hash>) -> Result<Value> {
		self.call("chain_getHeader", rpc_params![hash]).await
	}

	/// The number of the best block.
	pub async fn best_number(&self) -> Result<u32> {
		block_number(&self.header(None).await?)
	}

	/// The hash and number of the finalized head.
	pub async fn finalized(&self) -> Result<(Hash, u32)> {
		let hash: Hash =
			serde_json::from_value(self.call("chain_getFinalizedHead", rpc_params![]).await?)?;
		let number = block_number(&self.header(Some(hash)).await?)?;
		Ok((hash, number))
	}

	/// The hash of block `number` on the node's best chain.
	pub async fn block_hash(&self, number: u32) -> Result<Option<Hash>> {
		Ok(serde_json::from_value(self.call("chain_getBlockHash", rpc_params![number]).await?)?)
	}

	/// The storage value under `key` at block `at` (the best block if `None`), decoded; `None`
	/// if absent.
	pub async fn storage<T: Decode>(&self, key: &[u8], at: Option<Hash>) -> Result<Option<T>> {
		let value = self.call("state_getStorage", rpc_params![to_hex(key), at]).await?;
		match value.as_str() {
			Some(hex) => Ok(Some(T::decode(&mut &from_hex(hex)?[..])?)),
			None => Ok(None),
		}
	}

	/// The decoded events of block `hash`.
	pub async fn events(
		&self,
		hash: Hash,
	) -> Result<Vec<frame_system::EventRecord<RuntimeEvent, Hash>>> {
		let key = events_storage_key();
		let value = self.call("state_getStorage", rpc_params![to_hex(&key), hash]).await?;
		let bytes = match value.as_str() {
			Some(hex) => from_hex(hex)?,
			None => return Ok(Vec::new()),
		};
		Ok(Vec::<frame_system::EventRecord<RuntimeEvent, Hash>>::decode(&mut &bytes[..])?)
	}

	/// The next nonce of `who`, as the transaction pool sees it.
	pub async fn nonce(&self, who: Sr25519Keyring) -> Result<u32> {
		self.nonce_of(&who.to_account_id()).await
	}

	/// The next nonce of the account `who`, as the transaction pool sees it.
	pub async fn nonce_of(&self, who: &AccountId) -> Result<u32> {
		let account = who.to_string();
		Ok(serde_json::from_value(
			self.call("system_accountNextIndex", rpc_params![account]).await?,
		)?)
	}

	/// Scans blocks from `from` on until one contains the extrinsic `xt_hex`; returns the
	/// block hash and the extrinsic's index in it.
	pub async fn find_inclusion(&self, xt_hex: &str, from: u32) -> Result<(Hash, u32)> {
		let deadline = Instant::now() + Duration::from_secs(60);
		let mut next = from;
		while Instant::now() < deadline {
			while next <= self.best_number().await? {
				let hash = self.block_hash(next).await?.ok_or("missing block hash")?;
				let block = self.call("chain_getBlock", rpc_params![hash]).await?;
				let extrinsics =
					block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
				if let Some(index) = extrinsics.iter().position(|x| x.as_str() == Some(xt_hex)) {
					return Ok((hash, index as u32));
				}
				next += 1;
			}
			tokio::time::sleep(Duration::from_millis(500)).await;
		}
		Err("the extrinsic was not included in a block within 60 s".into())
	}

	/// Signs `call` as `from`, submits it, waits for its block and returns its events; an
	/// `ExtrinsicFailed` is an error naming the dispatch error.
	pub async fn submit(
		&self,
		call: RuntimeCall,
		from: Sr25519Keyring,
	) -> Result<Vec<RuntimeEvent>> {
		let (events, failure) = self.submit_outcome(call, from).await?;
		match failure {
			Some(error) => Err(format!("extrinsic failed: {}", error_name(&error)).into()),
			None => Ok(events),
		}
	}

	/// Signs `call` as `from`, submits it and waits for its block; returns its events and, if
	/// it failed, the dispatch error.
	pub async fn submit_outcome(
		&self,
		call: RuntimeCall,
		from: Sr25519Keyring,
	) -> Result<(Vec<RuntimeEvent>, Option<DispatchError>)> {
		self.submit_outcome_by(call, &from.pair()).await
	}

	/// As [`Node::submit_outcome`], signed by the sr25519 key `from` (an attestor key
	/// `//Alice//infr`, say, rather than a keyring member).
	pub async fn submit_outcome_by(
		&self,
		call: RuntimeCall,
		from: &sp_core::sr25519::Pair,
	) -> Result<(Vec<RuntimeEvent>, Option<DispatchError>)> {
		let genesis = self.block_hash(0).await?.ok_or("no genesis hash")?;
		let nonce = self.nonce_of(&account_of(from)).await?;
		let xt = signed(call, from, nonce, genesis);
		let xt_hex = to_hex(&xt.encode());
		let start = self.best_number().await?;
		self.call("author_submitExtrinsic", rpc_params![xt_hex.clone()]).await?;
		let (block, index) = self.find_inclusion(&xt_hex, start + 1).await?;
		let events: Vec<RuntimeEvent> = self
			.events(block)
			.await?
			.into_iter()
			.filter(|r| r.phase == frame_system::Phase::ApplyExtrinsic(index))
			.map(|r| r.event)
			.collect();
		let failure = events.iter().find_map(|event| match event {
			RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error, ..
			}) => Some(*dispatch_error),
			_ => None,
		});
		Ok((events, failure))
	}

	/// Sends SIGTERM and waits for the process to exit.
	pub fn terminate(&mut self, timeout: Duration) -> Result<ExitStatus> {
		let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status()?;
		if !status.success() {
			return Err("kill -TERM failed".into());
		}
		let deadline = Instant::now() + timeout;
		loop {
			if let Some(status) = self.child.try_wait()? {
				return Ok(status);
			}
			if Instant::now() > deadline {
				return Err(format!("node did not exit within {timeout:?} of SIGTERM").into());
			}
			std::thread::sleep(Duration::from_millis(100));
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// `call` signed by `from` with `nonce`, built the way a wallet does: the transaction
/// extensions plus their implicit data (runtime versions, genesis hash; immortal era).
pub fn signed(
	call: RuntimeCall,
	from: &sp_core::sr25519::Pair,
	nonce: u32,
	genesis: Hash,
) -> UncheckedExtrinsic {
	let extension = healthchain_runtime::tx_extension(nonce, Era::Immortal, 0);
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis,
		genesis,
		(),
		(),
		(),
		None,
		(),
	);
	let payload = SignedPayload::from_raw(call, extension, implicit);
	let signature = payload.using_encoded(|bytes| from.sign(bytes));
	let (call, extension, _) = payload.deconstruct();
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(account_of(from)),
		MultiSignature::Sr25519(signature),
		extension,
	)
}

/// The account of the sr25519 key `key`.
pub fn account_of(key: &sp_core::sr25519::Pair) -> AccountId {
	use sp_runtime::traits::IdentifyAccount;
	sp_runtime::MultiSigner::from(key.public()).into_account()
}

/// A dispatch error by name: `Pallet::Error` for a pallet's error (`Council::NotMember`), the
/// debug form otherwise (`BadOrigin`).
pub fn error_name(error: &DispatchError) -> String {
	match healthchain_runtime::RuntimeError::from_dispatch_error(*error) {
		Some(runtime_error) => {
			// `Council(NotMember)` → `Council::NotMember`.
			let debug = format!("{runtime_error:?}");
			match debug.split_once('(') {
				Some((pallet, rest)) => format!("{pallet}::{}", rest.trim_end_matches(')')),
				None => debug,
			}
		},
		None => format!("{error:?}"),
	}
}

/// Polls `check` every 500 ms until it returns true, failing after `timeout`.
pub async fn wait_for<F, Fut>(timeout: Duration, what: &str, mut check: F) -> Result<()>
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = Result<bool>>,
{
	let deadline = Instant::now() + timeout;
	loop {
		if let Ok(true) = check().await {
			return Ok(());
		}
		if Instant::now() > deadline {
			return Err(format!("timed out after {timeout:?} waiting for {what}").into());
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

/// The block number of a JSON header.
pub fn block_number(header: &Value) -> Result<u32> {
	let hex = header["number"].as_str().ok_or("header has no number")?;
	Ok(u32::from_str_radix(hex.trim_start_matches("0x"), 16)?)
}

/// `0x`-prefixed lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
	let mut s = String::with_capacity(2 + bytes.len() * 2);
	s.push_str("0x");
	for b in bytes {
		s.push_str(&format!("{b:02x}"));
	}
	s
}

/// Decodes `0x`-prefixed hex.
pub fn from_hex(hex: &str) -> Result<Vec<u8>> {
	let hex = hex.trim_start_matches("0x");
	if !hex.len().is_multiple_of(2) {
		return Err("odd hex length".into());
	}
	(0..hex.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(Into::into))
		.collect()
}

/// The storage key of `System::Events`.
pub fn events_storage_key() -> Vec<u8> {
	value_key("System", "Events")
}

/// The storage key of the plain storage value `item` of `pallet`.
pub fn value_key(pallet: &str, item: &str) -> Vec<u8> {
	let mut key = sp_io::hashing::twox_128(pallet.as_bytes()).to_vec();
	key.extend(sp_io::hashing::twox_128(item.as_bytes()));
	key
}

/// SCALE-encodes and hex-encodes a value.
pub fn encode_hex<T: Encode>(value: &T) -> String {
	to_hex(&value.encode())
}

/// Starts the validators of `hospitals` (development keyring members, `--alice` …) on the
/// built-in chain `chain`, with fixed network keys and `extra` arguments; returns once all
/// answer RPC. They run as a consortium's nodes do (docs/operators.md): reserved-only, each the
/// others' reserved peer, so that no other node can join them. Each node starts with the
/// earlier ones as reserved peers; the earlier ones add it through their localhost RPC, as
/// members add a joining hospital.
pub async fn start_hospitals(
	name: &str,
	chain: &str,
	hospitals: &[Sr25519Keyring],
	extra: &[&str],
) -> Result<Vec<Node>> {
	let mut nodes: Vec<Node> = Vec::new();
	let mut addresses: Vec<String> = Vec::new();
	for (index, hospital) in hospitals.iter().enumerate() {
		let node = start_hospital(name, chain, *hospital, index, &addresses, extra).await?;
		let address = node.bootnode_address().await?;
		for member in &nodes {
			member.call("system_addReservedPeer", rpc_params![address.clone()]).await?;
		}
		addresses.push(address);
		nodes.push(node);
	}
	Ok(nodes)
}

/// Starts one hospital's validator (`--<name>` development keys) with the fixed network key
/// `index + 1`, reserved-only with `reserved` as its reserved peers; returns once it answers
/// RPC.
pub async fn start_hospital(
	name: &str,
	chain: &str,
	hospital: Sr25519Keyring,
	index: usize,
	reserved: &[String],
	extra: &[&str],
) -> Result<Node> {
	// A validator outside `--dev` needs a network key; fixed test keys keep runs reproducible.
	let node_key = format!("{:064x}", index + 1);
	let keys_flag = format!("--{}", format!("{hospital:?}").to_lowercase());
	let mut args = vec![
		"--chain",
		chain,
		keys_flag.as_str(),
		"--validator",
		"--node-key",
		&node_key,
		"--reserved-only",
	];
	for address in reserved {
		args.extend_from_slice(&["--reserved-nodes", address]);
	}
	args.extend_from_slice(extra);
	let node = Node::start(&format!("{name}-{}", keys_flag.trim_start_matches('-')), &args)?;
	node.wait_ready(Duration::from_secs(60)).await?;
	Ok(node)
}
