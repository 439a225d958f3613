//! Time-limited execution on reusable inference threads.
//!
//! A job runs on an inference thread while the caller waits at most the time limit. A thread
//! cannot be killed, so a job that overruns is abandoned: its result is dropped when it
//! finishes, and its inference thread exits then instead of going back to the pool. At most
//! [`MAX_OVERDUE_JOBS`] abandoned jobs may still be running; beyond that, new jobs are refused
//! at once (as over time) so that a model that never finishes cannot exhaust the node's
//! threads.

use std::{
	panic::{catch_unwind, AssertUnwindSafe},
	sync::{
		atomic::{AtomicU8, AtomicUsize, Ordering::SeqCst},
		mpsc, Arc, Mutex, PoisonError,
	},
	time::{Duration, Instant},
};

/// How many idle inference threads are kept for reuse.
pub(crate) const MAX_IDLE_THREADS: usize = 4;

/// How many abandoned (overdue) jobs may still be running before new jobs are refused.
pub const MAX_OVERDUE_JOBS: usize = 4;

const RUNNING: u8 = 0;
const DONE: u8 = 1;
const ABANDONED: u8 = 2;

type Job = Box<dyn FnOnce() + Send>;

/// Why a job gave no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunError {
	/// The job did not finish strictly within the time limit.
	TimeLimit,
	/// Too many overdue jobs are still running; the job was not started.
	Overloaded,
	/// The job panicked (the panic was caught) or no inference thread could be started.
	Failed,
}

struct PooledThread {
	jobs: mpsc::Sender<Job>,
}

impl PooledThread {
	fn spawn() -> std::io::Result<PooledThread> {
		let (jobs, queue) = mpsc::channel::<Job>();
		std::thread::Builder::new().name("hc-inference".into()).spawn(move || {
			while let Ok(job) = queue.recv() {
				job();
			}
		})?;
		Ok(PooledThread { jobs })
	}
}

/// The thread pool; see the module docs.
#[derive(Default)]
pub(crate) struct Runner {
	idle: Mutex<Vec<PooledThread>>,
	overdue: Arc<AtomicUsize>,
}

impl Runner {
	/// Runs `job` on an inference thread and returns its result if it finishes strictly within
	/// `limit` (a zero limit therefore always gives `TimeLimit`).
	pub(crate) fn run<T: Send + 'static>(
		&self,
		limit: Duration,
		job: impl FnOnce() -> T + Send + 'static,
	) -> Result<T, RunError> {
		let start = Instant::now();
		if limit.is_zero() {
			return Err(RunError::TimeLimit);
		}
		if self.overdue.load(SeqCst) >= MAX_OVERDUE_JOBS {
			log::warn!(
				target: "healthchain-engine",
				"{MAX_OVERDUE_JOBS} overdue inferences still running; refusing a new one"
			);
			return Err(RunError::Overloaded);
		}
		let thread = match self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop() {
			Some(thread) => thread,
			None => PooledThread::spawn().map_err(|e| {
				log::error!(target: "healthchain-engine", "cannot start an inference thread: {e}");
				RunError::Failed
			})?,
		};
		let (reply, answer) = mpsc::sync_channel(1);
		let state = Arc::new(AtomicU8::new(RUNNING));
		let (job_state, overdue) = (state.clone(), self.overdue.clone());
		let wrapped: Job = Box::new(move || {
			let result = catch_unwind(AssertUnwindSafe(job));
			if job_state.compare_exchange(RUNNING, DONE, SeqCst, SeqCst).is_err() {
				// The caller gave up waiting and counted this job as overdue.
				overdue.fetch_sub(1, SeqCst);
			}
			let _ = reply.send(result);
		});
		if thread.jobs.send(wrapped).is_err() {
			return Err(RunError::Failed);
		}
		match answer.recv_timeout(limit.saturating_sub(start.elapsed())) {
			Ok(result) => {
				self.park(thread);
				let result = result.map_err(|_| {
					log::error!(target: "healthchain-engine", "an inference job panicked");
					RunError::Failed
				})?;
				if start.elapsed() >= limit {
					Err(RunError::TimeLimit)
				} else {
					Ok(result)
				}
			},
			Err(mpsc::RecvTimeoutError::Timeout) => {
				// Count first, so that the job's own decrement can never come before it.
				self.overdue.fetch_add(1, SeqCst);
				if state.compare_exchange(RUNNING, ABANDONED, SeqCst, SeqCst).is_err() {
					// It finished just now: not overdue after all, and its thread is free.
					self.overdue.fetch_sub(1, SeqCst);
					self.park(thread);
				}
				Err(RunError::TimeLimit)
			},
			Err(mpsc::RecvTimeoutError::Disconnected) => Err(RunError::Failed),
		}
	}

	/// How many abandoned jobs are still running.
	#[cfg(test)]
	pub(crate) fn overdue(&self) -> usize {
		self.overdue.load(SeqCst)
	}

	fn park(&self, thread: PooledThread) {
		let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
		if idle.len() < MAX_IDLE_THREADS {
			idle.push(thread);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::mpsc::channel;

	const LONG: Duration = Duration::from_secs(30);

	#[test]
	fn results_within_the_limit_come_back_and_threads_are_reused() {
		let runner = Runner::default();
		let first = runner.run(LONG, || std::thread::current().id()).unwrap();
		let second = runner.run(LONG, || std::thread::current().id()).unwrap();
		assert_eq!(first, second);
		assert_ne!(first, std::thread::current().id());
	}

	#[test]
	fn a_zero_limit_always_exceeds() {
		let runner = Runner::default();
		for _ in 0..100 {
			assert_eq!(runner.run(Duration::ZERO, || 1), Err(RunError::TimeLimit));
		}
	}

	#[test]
	fn a_panicking_job_fails_and_the_pool_survives() {
		let runner = Runner::default();
		assert_eq!(runner.run(LONG, || -> u32 { panic!("hostile") }), Err(RunError::Failed));
		assert_eq!(runner.run(LONG, || 7), Ok(7));
	}

	#[test]
	fn overdue_jobs_are_abandoned_counted_and_capped() {
		let runner = Runner::default();
		let mut releases = Vec::new();
		for _ in 0..MAX_OVERDUE_JOBS {
			let (release, wait) = channel::<()>();
			releases.push(release);
			let r = runner.run(Duration::from_millis(20), move || wait.recv().is_ok());
			assert_eq!(r, Err(RunError::TimeLimit));
		}
		assert_eq!(runner.overdue(), MAX_OVERDUE_JOBS);
		assert_eq!(runner.run(LONG, || 1), Err(RunError::Overloaded));
		for release in releases {
			release.send(()).unwrap();
		}
		let deadline = Instant::now() + LONG;
		while runner.overdue() > 0 && Instant::now() < deadline {
			std::thread::sleep(Duration::from_millis(5));
		}
		assert_eq!(runner.overdue(), 0);
		assert_eq!(runner.run(LONG, || 2), Ok(2));
	}
}
