//! The node's client type and the executor and host functions it is built with: the service
//! builds the client, and the tasks that read the chain (the record shredder) take it, so it
//! lives here rather than in either of them.

use healthchain_runtime::{opaque::Block, RuntimeApi};

/// The host functions the runtime may call: Substrate's own plus healthchain's. This one
/// type is used by the node's executor and by every subcommand that runs the runtime.
#[cfg(not(feature = "runtime-benchmarks"))]
pub type HostFunctions =
	(sp_io::SubstrateHostFunctions, healthchain_inference_primitives::inference::HostFunctions);

/// The host functions the runtime may call, plus the benchmarking ones.
#[cfg(feature = "runtime-benchmarks")]
pub type HostFunctions = (
	sp_io::SubstrateHostFunctions,
	healthchain_inference_primitives::inference::HostFunctions,
	frame_benchmarking::benchmarking::HostFunctions,
);

/// The WASM executor with healthchain's host functions.
pub type RuntimeExecutor = sc_executor::WasmExecutor<HostFunctions>;

/// The full client: block import, storage and runtime calls.
pub type FullClient = sc_service::TFullClient<Block, RuntimeApi, RuntimeExecutor>;
