//! Dispatches the command line to the node or to a maintenance subcommand.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use healthchain_runtime::Block;
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"healthchain node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	/// Where to report a problem with the node: the issue tracker of the repository the
	/// workspace declares (`repository` in `Cargo.toml`), so that there is one address to keep.
	fn support_url() -> String {
		format!("{}/issues", env!("CARGO_PKG_REPOSITORY"))
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"local" => Box::new(chain_spec::local_testnet_chain_spec()?),
			"two-hospitals" => Box::new(chain_spec::two_hospitals_chain_spec()?),
			// Subcommands without `--chain` (`key insert`, `key generate-node-key`) only need a
			// chain id for directories; running a node without `--chain` is refused in `run`.
			"" => Box::new(chain_spec::local_testnet_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// Why the node refuses to start without `--chain` or `--dev`.
const NO_CHAIN: &str = "no chain given: pass --chain FILE with your consortium's chain spec \
	(see docs/operators.md), or --dev for a development chain (--chain local: a four-hospital \
	test network, --chain two-hospitals: a two-hospital one; all run by public development keys)";

/// Parses the command line and runs what it asks for.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::from_args();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		#[allow(deprecated)]
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let chain_spec = cli.load_spec(&cmd.chain)?;
			cmd.run(chain_spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } =
					service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } =
					service::new_partial(&config)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use frame_benchmarking_cli::BenchmarkCmd;
			use sp_runtime::traits::HashingFor;

			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| match cmd {
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<HashingFor<Block>, crate::client::HostFunctions>(Some(
						config.chain_spec,
					)),
				BenchmarkCmd::Block(cmd) => {
					let PartialComponents { client, .. } = service::new_partial(&config)?;
					cmd.run(client)
				},
				BenchmarkCmd::Storage(cmd) => {
					let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
					let db = backend.expose_db();
					let storage = backend.expose_storage();
					let shared_cache = backend.expose_shared_trie_cache();
					cmd.run(config, client, db, storage, shared_cache)
				},
				BenchmarkCmd::Machine(cmd) => {
					cmd.run(&config, frame_benchmarking_cli::SUBSTRATE_REFERENCE_HARDWARE.clone())
				},
				BenchmarkCmd::Overhead(_) | BenchmarkCmd::Extrinsic(_) => {
					Err("`benchmark overhead` and `benchmark extrinsic` are not offered by \
					 healthchain-node; use `benchmark pallet`, `block`, `storage` or `machine`"
						.into())
				},
			})
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		// No runner and no logger set up by sc-cli: stdout carries the answers.
		Some(Subcommand::InferenceProcess(cmd)) => cmd.run(),
		Some(Subcommand::ConsortiumSpec(cmd)) => cmd.run().map_err(sc_cli::Error::Input),
		Some(Subcommand::Store(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(&config, &cli.inference))
		},
		None => {
			// No silent default: every built-in chain is run by public development keys.
			if cli.run.shared_params.chain.is_none() && !cli.run.shared_params.dev {
				return Err(sc_cli::Error::Input(NO_CHAIN.into()));
			}
			let runner = cli.create_runner(&cli.run)?;
			runner.run_node_until_exit(|config| async move {
				service::new_full::<sc_network::Litep2pNetworkBackend>(config, &cli.inference)
					.map_err(sc_cli::Error::Service)
			})
		},
	}
}
