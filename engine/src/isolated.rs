//! Inference in a separate, memory-limited process.
//!
//! Rust aborts the whole process when an allocation fails, and tract evaluates the constant
//! part of a model's graph while analysing it, before any of the engine's checks can run. A
//! model that asks for more memory than there is would therefore take the node down with it.
//! [`IsolatedEngine`] runs every inference in a child process instead: the child (see
//! [`serve`], started by `healthchain-node inference-worker` or the
//! `healthchain-inference-worker` binary) limits its own address space with `RLIMIT_AS`, opens
//! the same stores and keeps its own plan cache. If the child dies (the model exhausted its
//! memory, or anything else), the request fails with `EngineError`, the cause is logged, and
//! the next request starts a fresh child. If it does not answer within the time limit (plus
//! [`KILL_GRACE`]), it is killed: `TimeLimitExceeded`. Unlike a thread, a process can be
//! stopped, so a runaway model costs nothing once killed.
//!
//! Protocol, over the child's stdin and stdout: the parent writes a request of 64 bytes
//! (model hash, then record commitment); the child answers with a frame: a little-endian `u32`
//! length, then the SCALE encoding of the [`InferenceResult`]. One request at a time; the
//! child exits when its stdin closes (the node stopped, even if it was killed).

use crate::{Engine, EngineConfig, RecordStore};
use codec::Encode;
use healthchain_inference_primitives::{
	InferenceEngine, InferenceFailure, InferenceResult, ModelHash, RecordCommitment,
};
use std::{
	ffi::OsString,
	io::{self, Read, Write},
	path::PathBuf,
	process::{Child, ChildStdin, Command, Stdio},
	sync::{mpsc, Mutex, PoisonError},
	time::Duration,
};

/// How long past the time limit the parent waits for an answer before it kills the child
/// (the child enforces the time limit itself and answers `TimeLimitExceeded` first, unless a
/// model keeps it from doing so).
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// The largest answer frame accepted from a child: far more than any result encodes to.
const MAX_FRAME: u32 = 64 * 1024;

/// The first frame a child writes once its engine is open: the protocol's name and version.
/// The parent waits for it (up to [`STARTUP_TIMEOUT`]) before it sends a request, so a child's
/// start-up never counts against an inference's time limit.
pub const HANDSHAKE: &[u8] = b"healthchain-inference/1";

/// How long a new child may take to start and open its engine.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The default address-space limit of an inference process: 2 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 2 * 1024 * 1024 * 1024;

/// The command that starts an inference process: a program and its arguments. The process
/// must call [`serve`] on an engine with the same stores.
#[derive(Clone, Debug)]
pub struct WorkerCommand {
	/// The program (e.g. the node's own executable).
	pub program: PathBuf,
	/// Its arguments (e.g. `inference-worker --engine-dir …`).
	pub args: Vec<OsString>,
}

/// An [`InferenceEngine`] that runs each inference in a child process; see the module docs.
pub struct IsolatedEngine {
	command: WorkerCommand,
	records: RecordStore,
	time_limit: Duration,
	startup_timeout: Duration,
	worker: Mutex<Option<Worker>>,
}

/// A running child process.
struct Worker {
	child: Child,
	stdin: ChildStdin,
	answers: mpsc::Receiver<io::Result<Vec<u8>>>,
}

impl IsolatedEngine {
	/// An engine that starts `command` when it first needs a child, and waits at most
	/// `time_limit` plus [`KILL_GRACE`] for each answer. `records` is the store the child
	/// serves: a record it does not hold is `RecordNotHeld` at once, without asking the child,
	/// so that a node whose inference process cannot run never reports failures on records
	/// that are not its own.
	pub fn new(command: WorkerCommand, records: RecordStore, time_limit: Duration) -> Self {
		Self {
			command,
			records,
			time_limit,
			startup_timeout: STARTUP_TIMEOUT,
			worker: Mutex::new(None),
		}
	}

	/// Waits at most `timeout` (instead of [`STARTUP_TIMEOUT`]) for a new child to start.
	pub fn with_startup_timeout(mut self, timeout: Duration) -> Self {
		self.startup_timeout = timeout;
		self
	}

	/// The process id of the current child, if one is running (for tests and diagnostics).
	pub fn worker_pid(&self) -> Option<u32> {
		self.lock().as_ref().map(|w| w.child.id())
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Option<Worker>> {
		self.worker.lock().unwrap_or_else(PoisonError::into_inner)
	}

	fn spawn(&self) -> io::Result<Worker> {
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
		let mut worker = Worker { child, stdin, answers };
		if let Err(e) = reader {
			stop(Some(worker));
			return Err(e);
		}
		match worker.answers.recv_timeout(self.startup_timeout) {
			Ok(Ok(frame)) if frame == HANDSHAKE => {},
			other => {
				let why = match other {
					Ok(Ok(_)) => "it speaks another protocol".to_owned(),
					Ok(Err(e)) => format!("it ended: {e}"),
					Err(_) => format!("no handshake within {:?}", self.startup_timeout),
				};
				let status = worker.child.try_wait().ok().flatten();
				stop(Some(worker));
				return Err(io::Error::other(format!(
					"the inference process did not start ({why}; {status:?}); its log says why"
				)));
			},
		}
		log::info!(target: "healthchain-engine", "inference process {} started", worker.child.id());
		Ok(worker)
	}

	fn ask(
		&self,
		worker: &mut Worker,
		model: &ModelHash,
		commitment: &RecordCommitment,
	) -> Outcome {
		let mut request = [0u8; 64];
		request[..32].copy_from_slice(model);
		request[32..].copy_from_slice(commitment);
		if let Err(e) = worker.stdin.write_all(&request).and_then(|()| worker.stdin.flush()) {
			return Outcome::Unsent(format!("cannot send the request: {e}"));
		}
		match worker.answers.recv_timeout(self.time_limit.saturating_add(KILL_GRACE)) {
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
	/// The child did not answer within the time limit and [`KILL_GRACE`].
	Overran,
	/// The child died or broke the protocol.
	Broken(String),
	/// The request could not be sent: the child had ended before it.
	Unsent(String),
}

impl InferenceEngine for IsolatedEngine {
	fn run(&self, model: &ModelHash, commitment: &RecordCommitment) -> InferenceResult {
		// Not this node's record: nothing to ask, whatever state the child is in.
		if !self.records.contains(commitment) {
			return Err(InferenceFailure::RecordNotHeld);
		}
		let mut guard = self.lock();
		self.run_locked(&mut guard, model, commitment, true)
	}
}

impl IsolatedEngine {
	fn run_locked(
		&self,
		guard: &mut std::sync::MutexGuard<'_, Option<Worker>>,
		model: &ModelHash,
		commitment: &RecordCommitment,
		may_retry: bool,
	) -> InferenceResult {
		if guard.is_none() {
			match self.spawn() {
				Ok(worker) => **guard = Some(worker),
				Err(e) => {
					log::error!(
						target: "healthchain-engine",
						"cannot start an inference process ({}): {e}",
						self.command.program.display()
					);
					return Err(InferenceFailure::EngineError);
				},
			}
		}
		let Some(worker) = guard.as_mut() else { return Err(InferenceFailure::EngineError) };
		match self.ask(worker, model, commitment) {
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
					worker.child.id()
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

fn stop(worker: Option<Worker>) {
	if let Some(mut worker) = worker {
		let _ = worker.child.kill();
		let _ = worker.child.wait();
	}
}

impl Drop for IsolatedEngine {
	fn drop(&mut self) {
		stop(self.lock().take());
	}
}

/// Reads one answer frame.
fn read_frame(input: &mut impl Read) -> io::Result<Vec<u8>> {
	let mut len = [0u8; 4];
	input.read_exact(&mut len)?;
	let len = u32::from_le_bytes(len);
	if len > MAX_FRAME {
		return Err(io::Error::other(format!("an answer of {len} bytes")));
	}
	let mut frame = vec![0u8; len as usize];
	input.read_exact(&mut frame)?;
	Ok(frame)
}

/// The child's side: answers requests from `input` on `output` with `engine` until `input`
/// closes (see the module docs for the protocol).
pub fn serve(engine: &Engine, mut input: impl Read, mut output: impl Write) -> io::Result<()> {
	output.write_all(&(HANDSHAKE.len() as u32).to_le_bytes())?;
	output.write_all(HANDSHAKE)?;
	output.flush()?;
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
		let answer = engine.run(&model, &commitment).encode();
		output.write_all(&(answer.len() as u32).to_le_bytes())?;
		output.write_all(&answer)?;
		output.flush()?;
	}
}

/// Limits this process's address space to `bytes` (`RLIMIT_AS`, soft limit), so that a model
/// that asks for more fails an allocation in this process only. A lower limit already in
/// force (a hard limit set by systemd's `LimitAS=` or `ulimit -v`) is kept; returns the limit
/// now in force.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is `u64` on Linux, not on every Unix.
pub fn limit_memory(bytes: u64) -> io::Result<u64> {
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
pub fn limit_memory(_bytes: u64) -> io::Result<u64> {
	log::warn!(target: "healthchain-engine", "no memory limit: it needs a Unix system");
	Ok(u64::MAX)
}

/// The whole child: limits its memory, opens the engine on `dir` with `config` and serves
/// requests on stdin and stdout until stdin closes. Logs go to stderr.
pub fn worker_main(dir: PathBuf, config: EngineConfig, memory_limit: u64) -> io::Result<()> {
	let _ = log::set_logger(&STDERR_LOGGER).map(|()| log::set_max_level(log::LevelFilter::Info));
	let limit = limit_memory(memory_limit)?;
	if limit < memory_limit {
		log::warn!(
			target: "healthchain-engine",
			"memory limit {limit} bytes, lower than the {memory_limit} asked for: a limit set \
			 for the node's process already applies"
		);
	}
	let engine = Engine::open(&dir, config).map_err(|e| io::Error::other(e.to_string()))?;
	serve(&engine, io::stdin().lock(), io::stdout().lock())
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
