//! The engine's integration tests, one test binary (each binary links tract, so one link
//! instead of five): agreement with onnxruntime, the corpus of bad inputs, the isolated
//! inference process, the limits, and the stores.

mod common;

mod agreement;
mod failures;
mod isolated;
mod limits;
mod stores;
