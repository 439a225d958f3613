//! Inference in a separate, memory-limited process.
//!
//! Rust aborts the whole process when an allocation fails, and tract evaluates the constant
//! part of a model's graph while analysing it, before any of the engine's checks can run. A
//! model that asks for more memory than there is would therefore take the node down with it.
//! [`IsolatedEngine`] runs every inference in a child process instead: the child limits its
//! own address space with `RLIMIT_AS`, opens the same stores and keeps its own plan cache. If
//! the child dies (the model exhausted its memory, or anything else), the request fails with
//! `EngineError`, the cause is logged, and the next request starts a fresh child. A child that
//! cannot be started at all is `WorkerUnavailable`, a transient fault of the node that the
//! off-chain worker retries and never reports. Unlike a
//! thread, a process can be stopped, so a runaway model costs nothing once killed.
//!
//! # One entry point, one argument type
//!
//! The child is [`process_main`] and nothing else. The node runs it as its hidden
//! `inference-process` subcommand; this crate's `healthchain-inference-process` binary (which
//! the engine's tests start) does nothing but call it too. Everything the child needs is one
//! [`ProcessArgs`] value — the engine directory, the engine's limits ([`EngineConfig`]: sizes,
//! time limit, plan cache) and the address-space limit — which the parent writes as the first
//! frame on the child's stdin and the child reads back with the same type. The command line
//! ([`ProcessCommand`]) only names the program that reaches [`process_main`], so the parent code
//! that starts a child is the same for the node and for the tests.
//!
//! # Protocol
//!
//! Over the child's stdin and stdout; a frame is a little-endian `u32` length, then as many
//! bytes. One request at a time; the child exits when its stdin closes (the node stopped,
//! even if it was killed).
//!
//! 1. Parent → child: a frame holding the [`ProcessArgs`] as JSON.
//! 2. Child → parent: a frame holding [`HANDSHAKE`], once its engine is open. The parent waits
//!    for it (up to [`STARTUP_TIMEOUT`]) before it sends a request, so a child's start-up
//!    never counts against an inference's time limit.
//! 3. Then, per inference: 64 bytes (model hash, then record commitment) in; a frame holding
//!    the SCALE encoding of the [`InferenceResult`] out.
//!
//! # Whether the record is held, and the card approved
//!
//! With [`InferenceEngine::run_approved`] the parent also checks that the model's stored card
//! is the one the chain approved ([`ModelStore::check_card`]) before it asks a child.
//!
//! The parent decides whether the record is held, with [`RecordStore::check_held`] on the store the child serves,
//! before a child is involved: a record the node does not hold is `RecordNotHeld` at once, so
//! that a node whose inference process cannot run never reports failures on records that are
//! not its own. The child does not decide it again, but it reads the record before it looks
//! at the model, so a record removed after the parent's decision is `RecordNotHeld` too,
//! never a model failure.
//!
//! # Time limit
//!
//! There is one time limit, [`EngineConfig::time_limit`], and it travels in [`ProcessArgs`].
//! The child enforces it as the engine in process does (an inference that overruns is
//! abandoned and answered `TimeLimitExceeded`). The parent waits for an answer at most
//! [`ProcessArgs::answer_deadline`] — the same limit plus [`KILL_GRACE`], for the answer to
//! travel — and then kills the child: that happens only when a model keeps the child from
//! answering at all. Either way the request is `TimeLimitExceeded` and the child is replaced,
//! since the overrunning model may still be running on one of its threads.

use crate::{Engine, EngineConfig, ModelStore, RecordStore, StoreError, MODELS_DIR, RECORDS_DIR};
use codec::Encode;
use healthchain_inference_primitives::{
	CardHash, InferenceEngine, InferenceFailure, InferenceResult, ModelHash, RecordCommitment,
};
use serde::{Deserialize, Serialize};
use std::{
	ffi::OsString,
	io::{self, Read, Write},
	path::PathBuf,
	process::{Child, ChildStdin, Command, Stdio},
	sync::{mpsc, Mutex, PoisonError},
	time::Duration,
};

/// How long past the time limit the parent waits for an answer before it kills the child
/// (see "Time limit" in the module docs).
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// The largest frame accepted from the other side: far more than any result or
/// [`ProcessArgs`] encodes to.
const MAX_FRAME: u32 = 64 * 1024;

/// The frame a child writes once its engine is open: the protocol's name and version.
pub const HANDSHAKE: &[u8] = b"healthchain-inference/2";

/// How long a new child may take to start and open its engine.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The default address-space limit of an inference process: 2 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// Everything an inference process needs, written by the parent and read by the child
/// ([`process_main`]) as JSON: one definition for both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessArgs {
	/// The engine's base directory (its `models/` and `records/` stores). JSON carries it as
	/// a string, so it must be valid UTF-8.
	pub engine_dir: PathBuf,
	/// The engine's limits, applied by the child exactly as by an engine in process; its time
	/// limit is also the parent's (see "Time limit" in the module docs).
	pub config: EngineConfig,
	/// The child's address-space limit in bytes (`RLIMIT_AS`; a lower limit already in force
	/// is kept).
	pub memory_limit: u64,
}

impl ProcessArgs {
	/// The arguments of a child that serves the same stores as `engine`, with its limits.
	pub fn for_engine(engine: &Engine, memory_limit: u64) -> Self {
		Self {
			engine_dir: engine.dir().to_path_buf(),
			config: engine.config().clone(),
			memory_limit,
		}
	}

	/// How long the parent waits for the answer to one request before it kills the child:
	/// the time limit plus [`KILL_GRACE`].
	pub fn answer_deadline(&self) -> Duration {
		self.config.time_limit.saturating_add(KILL_GRACE)
	}

	/// The arguments as the parent sends them (JSON).
	pub fn to_bytes(&self) -> io::Result<Vec<u8>> {
		serde_json::to_vec(self).map_err(|e| io::Error::other(format!("inference arguments: {e}")))
	}

	/// The arguments as the child reads them back.
	pub fn from_bytes(bytes: &[u8]) -> io::Result<Self> {
		serde_json::from_slice(bytes).map_err(|e| {
			io::Error::new(io::ErrorKind::InvalidData, format!("inference arguments: {e}"))
		})
	}
}

/// The program that starts an inference process, and the arguments that make it run
/// [`process_main`] (the configuration itself travels as [`ProcessArgs`], not here).
#[derive(Clone, Debug)]
pub struct ProcessCommand {
	/// The program (e.g. the node's own executable).
	pub program: PathBuf,
	/// Its arguments (e.g. the node's `inference-process` subcommand; none for the
	/// `healthchain-inference-process` binary).
	pub args: Vec<OsString>,
}

/// An [`InferenceEngine`] that runs each inference in a child process; see the module docs.
pub struct IsolatedEngine {
	command: ProcessCommand,
	args: ProcessArgs,
	/// `args`, encoded once: a child is started with the very bytes checked at `open`.
	args_frame: Vec<u8>,
	records: RecordStore,
	models: ModelStore,
	startup_timeout: Duration,
	process: Mutex<Option<Process>>,
}

/// A running child process.
struct Process {
	child: Child,
	stdin: ChildStdin,
	answers: mpsc::Receiver<io::Result<Vec<u8>>>,
}

impl IsolatedEngine {
	/// An engine that starts `command` with `args` when it first needs a child. It opens the
	/// record and model stores in `args.engine_dir` itself, the stores the child serves, to
	/// decide whether a record is held and whether a model's card is the approved one; it
	/// fails if a store cannot be opened or `args` cannot be encoded.
	pub fn open(command: ProcessCommand, args: ProcessArgs) -> Result<Self, StoreError> {
		let records =
			RecordStore::open(args.engine_dir.join(RECORDS_DIR), args.config.max_record_bytes)?;
		let models =
			ModelStore::open(args.engine_dir.join(MODELS_DIR), args.config.max_model_bytes)?;
		let args_frame = args.to_bytes()?;
		Ok(Self {
			command,
			args,
			args_frame,
			records,
			models,
			startup_timeout: STARTUP_TIMEOUT,
			process: Mutex::new(None),
		})
	}

	/// Waits at most `timeout` (instead of [`STARTUP_TIMEOUT`]) for a new child to start.
	pub fn with_startup_timeout(mut self, timeout: Duration) -> Self {
		self.startup_timeout = timeout;
		self
	}

	/// The arguments each child is started with.
	pub fn args(&self) -> &ProcessArgs {
		&self.args
	}

	/// The process id of the current child, if one is running (for tests and diagnostics).
	pub fn process_pid(&self) -> Option<u32> {
		self.lock().as_ref().map(|w| w.child.id())
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Option<Process>> {
		self.process.lock().unwrap_or_else(PoisonError::into_inner)
	}

	fn spawn(&self) -> io::Result<Process> {
		let mut command = Command::new(&self.command.program);
		command
			.args(&self.command.args)
			.stdin(Stdio::piped())
			.stdout(Stdio::piped())
			.stderr(Stdio::inherit());
		// Its own process group: a Ctrl-C meant for the node does not kill an inference half
		// way (the child exits when the node closes its stdin).
		#[cfg(unix)]
		std::os::unix::process::CommandExt::process_group(&mut command, 0);
		let mut child = command.spawn()?;
		let (Some(stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
			let _ = child.kill();
			let _ = child.wait();
			return Err(io::Error::other("the inference process has no pipes"));
		};
		let (send, answers) = mpsc::channel();
		let reader =
			std::thread::Builder::new().name("hc-inference-io".into()).spawn(move || loop {
				let frame = read_frame(&mut stdout);
				let failed = frame.is_err();
				if send.send(frame).is_err() || failed {
					return;
				}
			});
		let mut process = Process { child, stdin, answers };
		if let Err(e) = reader {
			stop(Some(process));
			return Err(e);
		}
		if let Err(e) = write_frame(&mut process.stdin, &self.args_frame) {
			stop(Some(process));
			return Err(io::Error::other(format!("cannot send the inference arguments: {e}")));
		}
		match process.answers.recv_timeout(self.startup_timeout) {
			Ok(Ok(frame)) if frame == HANDSHAKE => {},
			other => {
				let why = match other {
					Ok(Ok(_)) => "it speaks another protocol".to_owned(),
					Ok(Err(e)) => format!("it ended: {e}"),
					Err(_) => format!("no handshake within {:?}", self.startup_timeout),
				};
				let status = process.child.try_wait().ok().flatten();
				stop(Some(process));
				return Err(io::Error::other(format!(
					"the inference process did not start ({why}; {status:?}); its log says why"
				)));
			},
		}
		log::info!(target: "healthchain-engine", "inference process {} started", process.child.id());
		Ok(process)
	}

	fn ask(
		&self,
		process: &mut Process,
		model: &ModelHash,
		commitment: &RecordCommitment,
	) -> Outcome {
		let mut request = [0u8; 64];
		request[..32].copy_from_slice(model);
		request[32..].copy_from_slice(commitment);
		if let Err(e) = process.stdin.write_all(&request).and_then(|()| process.stdin.flush()) {
			return Outcome::Unsent(format!("cannot send the request: {e}"));
		}
		match process.answers.recv_timeout(self.args.answer_deadline()) {
			Ok(Ok(frame)) => match codec::DecodeAll::decode_all(&mut &frame[..]) {
				Ok(result) => Outcome::Answer(result),
				Err(e) => Outcome::Broken(format!("undecodable answer: {e}")),
			},
			Ok(Err(e)) => Outcome::Broken(format!("no answer: {e}")),
			Err(mpsc::RecvTimeoutError::Timeout) => Outcome::Overran,
			Err(mpsc::RecvTimeoutError::Disconnected) => Outcome::Broken("no answer".into()),
		}
	}
}

/// What became of one request.
enum Outcome {
	/// The child answered.
	Answer(InferenceResult),
	/// The child did not answer by [`ProcessArgs::answer_deadline`].
	Overran,
	/// The child died or broke the protocol.
	Broken(String),
	/// The request could not be sent: the child had ended before it.
	Unsent(String),
}

impl InferenceEngine for IsolatedEngine {
	fn run(&self, model: &ModelHash, commitment: &RecordCommitment) -> InferenceResult {
		// Not this node's record: nothing to ask, whatever state the child is in.
		self.records.check_held(commitment)?;
		let mut guard = self.lock();
		self.run_locked(&mut guard, model, commitment, true)
	}

	fn run_approved(
		&self,
		model: &ModelHash,
		card: &CardHash,
		commitment: &RecordCommitment,
	) -> InferenceResult {
		self.records.check_held(commitment)?;
		// The card is checked here, before a child is involved: a card nobody approved never
		// reaches tract.
		self.models.check_card(model, card)?;
		let mut guard = self.lock();
		self.run_locked(&mut guard, model, commitment, true)
	}
}

impl IsolatedEngine {
	fn run_locked(
		&self,
		guard: &mut std::sync::MutexGuard<'_, Option<Process>>,
		model: &ModelHash,
		commitment: &RecordCommitment,
		may_retry: bool,
	) -> InferenceResult {
		if guard.is_none() {
			match self.spawn() {
				Ok(process) => **guard = Some(process),
				Err(e) => {
					log::error!(
						target: "healthchain-engine",
						"cannot start an inference process ({}): {e}",
						self.command.program.display()
					);
					// A fault of this node, not of the model on the record: retried later.
					return Err(InferenceFailure::WorkerUnavailable);
				},
			}
		}
		let Some(process) = guard.as_mut() else { return Err(InferenceFailure::EngineError) };
		match self.ask(process, model, commitment) {
			// The child had ended while idle (it never saw the request): start a new one once.
			Outcome::Unsent(why) if may_retry => {
				log::warn!(target: "healthchain-engine", "inference process gone ({why}); restarting");
				stop(guard.take());
				self.run_locked(guard, model, commitment, false)
			},
			// A model that overran may still be running on a thread of the child: a new child
			// serves the next request, and this one is stopped.
			Outcome::Answer(Err(InferenceFailure::TimeLimitExceeded)) | Outcome::Overran => {
				log::warn!(
					target: "healthchain-engine",
					"inference process {} overran the time limit; stopped",
					process.child.id()
				);
				stop(guard.take());
				Err(InferenceFailure::TimeLimitExceeded)
			},
			Outcome::Answer(result) => result,
			Outcome::Broken(why) | Outcome::Unsent(why) => {
				let status = guard.take().map(|mut w| {
					let _ = w.child.kill();
					w.child.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string())
				});
				log::error!(
					target: "healthchain-engine",
					"the inference process failed ({why}; {}): the model may have exhausted \
					 the process's memory limit; the next inference starts a new process",
					status.unwrap_or_default()
				);
				Err(InferenceFailure::EngineError)
			},
		}
	}
}

fn stop(process: Option<Process>) {
	if let Some(mut process) = process {
		let _ = process.child.kill();
		let _ = process.child.wait();
	}
}

impl Drop for IsolatedEngine {
	fn drop(&mut self) {
		stop(self.lock().take());
	}
}

/// Writes one frame and flushes it.
fn write_frame(output: &mut impl Write, frame: &[u8]) -> io::Result<()> {
	let len = u32::try_from(frame.len())
		.ok()
		.filter(|len| *len <= MAX_FRAME)
		.ok_or_else(|| io::Error::other(format!("a frame of {} bytes", frame.len())))?;
	output.write_all(&len.to_le_bytes())?;
	output.write_all(frame)?;
	output.flush()
}

/// Reads one frame.
fn read_frame(input: &mut impl Read) -> io::Result<Vec<u8>> {
	let mut len = [0u8; 4];
	input.read_exact(&mut len)?;
	let len = u32::from_le_bytes(len);
	if len > MAX_FRAME {
		return Err(io::Error::other(format!("a frame of {len} bytes")));
	}
	let mut frame = vec![0u8; len as usize];
	input.read_exact(&mut frame)?;
	Ok(frame)
}

/// The child's side after start-up: the handshake, then answers to requests from `input` on
/// `output` with `engine` until `input` closes (see the module docs for the protocol).
fn serve(engine: &Engine, mut input: impl Read, mut output: impl Write) -> io::Result<()> {
	write_frame(&mut output, HANDSHAKE)?;
	let mut request = [0u8; 64];
	loop {
		match input.read_exact(&mut request) {
			Ok(()) => {},
			Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
			Err(e) => return Err(e),
		}
		let mut model = [0u8; 32];
		let mut commitment = [0u8; 32];
		model.copy_from_slice(&request[..32]);
		commitment.copy_from_slice(&request[32..]);
		// The parent has decided that the record is held (see the module docs).
		let answer = engine.run_held(&model, &commitment).encode();
		write_frame(&mut output, &answer)?;
	}
}

/// Limits this process's address space to `bytes` (`RLIMIT_AS`, soft limit), so that a model
/// that asks for more fails an allocation in this process only. A lower limit already in
/// force (a hard limit set by systemd's `LimitAS=` or `ulimit -v`) is kept; returns the limit
/// now in force.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is `u64` on Linux, not on every Unix.
fn limit_memory(bytes: u64) -> io::Result<u64> {
	let mut current = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
	// SAFETY: `getrlimit` writes into the struct passed by reference, which outlives the call.
	if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut current) } != 0 {
		return Err(io::Error::last_os_error());
	}
	let wanted = (bytes as libc::rlim_t).min(current.rlim_max).min(current.rlim_cur);
	let limit = libc::rlimit { rlim_cur: wanted, rlim_max: current.rlim_max };
	// SAFETY: `setrlimit` only reads the struct passed by reference, which outlives the call.
	if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } == 0 {
		Ok(wanted as u64)
	} else {
		Err(io::Error::last_os_error())
	}
}

/// Without `setrlimit`, the process is not limited (a warning says so).
#[cfg(not(unix))]
fn limit_memory(_bytes: u64) -> io::Result<u64> {
	log::warn!(target: "healthchain-engine", "no memory limit: it needs a Unix system");
	Ok(u64::MAX)
}

/// The inference process, its one entry point: reads its [`ProcessArgs`] from stdin, limits
/// its memory, opens the engine and serves requests on stdin and stdout until stdin closes.
/// Logs go to stderr. Not for people: the parent is an [`IsolatedEngine`].
pub fn process_main() -> io::Result<()> {
	let _ = log::set_logger(&STDERR_LOGGER).map(|()| log::set_max_level(log::LevelFilter::Info));
	let mut input = io::stdin().lock();
	let args = read_frame(&mut input).and_then(|frame| ProcessArgs::from_bytes(&frame))?;
	let ProcessArgs { engine_dir, config, memory_limit } = args;
	let limit = limit_memory(memory_limit)?;
	if limit < memory_limit {
		log::warn!(
			target: "healthchain-engine",
			"memory limit {limit} bytes, lower than the {memory_limit} asked for: a limit set \
			 for the node's process already applies"
		);
	}
	let engine = Engine::open(&engine_dir, config).map_err(|e| io::Error::other(e.to_string()))?;
	serve(&engine, input, io::stdout().lock())
}

/// Writes the child's log records to stderr, which it shares with the node.
struct StderrLogger;

static STDERR_LOGGER: StderrLogger = StderrLogger;

impl log::Log for StderrLogger {
	fn enabled(&self, metadata: &log::Metadata) -> bool {
		metadata.level() <= log::Level::Info
	}

	fn log(&self, record: &log::Record) {
		if self.enabled(record.metadata()) {
			eprintln!(
				"{} {} [inference process {}] {}",
				record.level(),
				record.target(),
				std::process::id(),
				record.args()
			);
		}
	}

	fn flush(&self) {}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn process_args_read_back_what_the_parent_wrote() {
		let args = ProcessArgs {
			engine_dir: "chains/dev/inference".into(),
			config: EngineConfig {
				max_model_bytes: 10,
				max_record_bytes: 20,
				time_limit: Duration::from_millis(1500),
				plan_cache_size: 3,
			},
			memory_limit: 256 * 1024 * 1024,
		};
		let mut pipe = Vec::new();
		write_frame(&mut pipe, &args.to_bytes().unwrap()).unwrap();
		let frame = read_frame(&mut &pipe[..]).unwrap();
		assert_eq!(ProcessArgs::from_bytes(&frame).unwrap(), args);
		assert_eq!(args.answer_deadline(), Duration::from_millis(1500) + KILL_GRACE);
	}

	#[test]
	fn malformed_process_args_are_an_error_not_a_panic() {
		assert!(ProcessArgs::from_bytes(b"").is_err());
		assert!(ProcessArgs::from_bytes(b"{\"engine_dir\":\"/x\"}").is_err());
		assert!(read_frame(&mut &u32::MAX.to_le_bytes()[..]).is_err());
	}
}
