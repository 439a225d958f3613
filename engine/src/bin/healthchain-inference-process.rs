//! `healthchain-inference-process`: an inference process for embedders of the engine other
//! than the node (the engine's tests start it). It is nothing but
//! `healthchain_engine::isolated::process_main`, the same entry point the node runs as its
//! hidden `inference-process` subcommand, and takes its arguments the same way: one
//! `ProcessArgs` frame on stdin, written by an `IsolatedEngine`.

use std::process::ExitCode;

fn main() -> ExitCode {
	match healthchain_engine::isolated::process_main() {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("inference process: {e}");
			ExitCode::FAILURE
		},
	}
}
