//! `healthchain-inference-worker ENGINE_DIR [MEMORY_LIMIT_BYTES [TIME_LIMIT_MS]]`: an
//! inference process serving requests on stdin and stdout (see `healthchain_engine::isolated`).
//! The node does not need it (it starts itself as `healthchain-node inference-worker`); the
//! engine's tests and other embedders of the engine do.

use healthchain_engine::{isolated, EngineConfig};
use std::{path::PathBuf, process::ExitCode, time::Duration};

fn main() -> ExitCode {
	let mut args = std::env::args_os().skip(1);
	let Some(dir) = args.next().map(PathBuf::from) else {
		eprintln!(
			"usage: healthchain-inference-worker ENGINE_DIR [MEMORY_LIMIT_BYTES [TIME_LIMIT_MS]]"
		);
		return ExitCode::from(2);
	};
	let number = |arg: Option<std::ffi::OsString>, default: u64| -> Option<u64> {
		match arg {
			None => Some(default),
			Some(arg) => arg.to_str().and_then(|s| s.parse().ok()),
		}
	};
	let defaults = EngineConfig::default();
	let (Some(memory), Some(time_ms)) = (
		number(args.next(), isolated::DEFAULT_MEMORY_LIMIT),
		number(args.next(), defaults.time_limit.as_millis() as u64),
	) else {
		eprintln!("MEMORY_LIMIT_BYTES and TIME_LIMIT_MS are numbers");
		return ExitCode::from(2);
	};
	let config = EngineConfig { time_limit: Duration::from_millis(time_ms), ..defaults };
	match isolated::worker_main(dir, config, memory) {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("inference process: {e}");
			ExitCode::FAILURE
		},
	}
}
