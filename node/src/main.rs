//! `healthchain-node`: the node a consortium hospital runs.

#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error` are Substrate's own (large) error types.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod client;
mod command;
mod consortium_spec;
mod inference;
mod rpc;
mod service;
mod shredder;

fn main() -> sc_cli::Result<()> {
	command::run()
}
