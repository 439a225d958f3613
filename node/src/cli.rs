//! Command-line interface of `healthchain-node`.

/// `healthchain-node [SUBCOMMAND] [OPTIONS]`: without a subcommand, runs a node.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A maintenance subcommand instead of running the node.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of the running node (`--dev`, `--chain`, `--alice`, `--rpc-port`, …).
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// Limits of the node's inference engine (global flags: also accepted after a
	/// subcommand, such as `store import-model`).
	#[clap(flatten)]
	pub inference: crate::inference::flags::InferenceParams,
}

/// Maintenance subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect and insert keys into the node's keystore.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated; use `export-chain-spec`).
	#[deprecated(note = "build-spec will be removed; use export-chain-spec")]
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification (`--chain dev|local|two-hospitals|FILE`, `--raw`).
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Build a consortium's chain spec from its founding hospitals' public keys
	/// (`--hospitals hospitals.json [--raw]`): no sudo key, no development accounts.
	ConsortiumSpec(crate::consortium_spec::ConsortiumSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain database.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime and database benchmarks (built with `--features runtime-benchmarks`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Information about the chain database.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// The node's local model and record stores: import, remove, list.
	#[command(subcommand)]
	Store(crate::inference::store::StoreCmd),

	/// The inference process the node starts for its off-chain workers (internal).
	#[command(name = crate::inference::process::SUBCOMMAND, hide = true)]
	InferenceProcess(crate::inference::process::InferenceProcessCmd),
}
