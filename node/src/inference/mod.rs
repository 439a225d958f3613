//! The node side of inference, one concern per file:
//!
//! - [`flags`]: the `--inference-*` flags, the engine's limits; accepted before or after any
//!   subcommand (`store` included).
//! - [`wiring`]: the engine under the node's base path, the shipped model a development chain
//!   imports at start, and the engine the off-chain workers call through the `inference::run`
//!   host function (by default a memory-limited child process).
//! - [`process`]: the hidden `inference-process` subcommand, that child process. It is the
//!   engine's one entry point for it (`healthchain_engine::isolated::process_main`), and its
//!   arguments are the engine's `ProcessArgs`, written by [`wiring`] on its stdin.
//! - [`actions`]: the operations of the model and record stores, each with its checks,
//!   implemented once for the two admin front ends:
//! - [`store`]: the `store` subcommand (files), and
//! - [`rpc`]: the unsafe `inference_*` JSON-RPC methods (hex and JSON text).

pub mod actions;
pub mod flags;
pub mod process;
pub mod rpc;
pub mod store;
pub mod wiring;
