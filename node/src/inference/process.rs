//! `healthchain-node inference-process` (hidden): the inference process the node starts for
//! its off-chain workers. It runs `healthchain_engine::isolated::process_main`, the engine's
//! one entry point for that process, which reads its arguments (the engine's `ProcessArgs`)
//! from stdin; the subcommand has no flags of its own, so the parent ([`super::wiring`]) and
//! this side share that one definition of them. It serves requests on stdin and answers on
//! stdout: not for people.

/// The subcommand's name: the command line's definition of it and the argument the parent
/// starts the child with.
pub const SUBCOMMAND: &str = "inference-process";

/// The `inference-process` subcommand; see the module docs.
#[derive(Debug, Clone, clap::Args)]
pub struct InferenceProcessCmd {}

impl InferenceProcessCmd {
	/// Serves as the inference process until stdin closes.
	pub fn run(&self) -> sc_cli::Result<()> {
		healthchain_engine::isolated::process_main()
			.map_err(|e| sc_cli::Error::Application(format!("inference process: {e}").into()))
	}
}
