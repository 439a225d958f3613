//! The engine: the stores, the plan cache and the time-limited runner behind
//! [`InferenceEngine::run`].

use crate::{
	cache::PlanCache,
	fhir::features_from_bundle,
	fsio::to_hex,
	model_store::ModelStore,
	plan::Plan,
	record_store::RecordStore,
	runner::{RunError, Runner},
	StoreError,
};
use healthchain_inference_primitives::{
	quantize, CardHash, InferenceEngine, InferenceFailure, InferenceOutput, InferenceResult,
	ModelHash, RecordCommitment,
};
use serde::{Deserialize, Serialize};
use std::{
	path::{Path, PathBuf},
	sync::{Arc, Mutex, MutexGuard, PoisonError},
	time::Duration,
};

/// The model store's directory under the engine's base directory.
pub const MODELS_DIR: &str = "models";

/// The record store's directory under the engine's base directory.
pub const RECORDS_DIR: &str = "records";

/// Limits of an engine. It is part of the arguments of an inference process
/// ([`crate::isolated::ProcessArgs`]), so a child process applies exactly the limits of the
/// engine it serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
	/// The largest ONNX file accepted, in bytes (default 16 MiB).
	pub max_model_bytes: u64,
	/// The largest record accepted, in bytes of JSON (default 4 MiB).
	pub max_record_bytes: u64,
	/// How long one inference may take, from the call to the result, including loading and
	/// optimizing a model that is not cached (default 5 s). Zero refuses every inference.
	/// This is the only time limit of an inference: an isolated engine derives the moment it
	/// kills a silent child from it (see "Time limit" in [`crate::isolated`]).
	pub time_limit: Duration,
	/// How many runnable plans are kept in memory, least recently used first out (default 8;
	/// 0 disables the cache).
	pub plan_cache_size: usize,
}

impl Default for EngineConfig {
	fn default() -> Self {
		Self {
			max_model_bytes: 16 * 1024 * 1024,
			max_record_bytes: 4 * 1024 * 1024,
			time_limit: Duration::from_secs(5),
			plan_cache_size: 8,
		}
	}
}

/// A hospital node's inference engine: its model and record stores under one base directory
/// and tract-onnx behind [`InferenceEngine`]. Every failure is a named [`InferenceFailure`],
/// never a panic.
pub struct Engine {
	inner: Arc<Inner>,
	runner: Runner,
}

struct Inner {
	dir: PathBuf,
	models: ModelStore,
	records: RecordStore,
	config: EngineConfig,
	cache: Mutex<PlanCache>,
}

impl Engine {
	/// Opens the engine on `base_dir`, creating `<base_dir>/models/` and
	/// `<base_dir>/records/` if needed.
	pub fn open(base_dir: impl AsRef<Path>, config: EngineConfig) -> Result<Engine, StoreError> {
		let base = base_dir.as_ref();
		let models = ModelStore::open(base.join(MODELS_DIR), config.max_model_bytes)?;
		let records = RecordStore::open(base.join(RECORDS_DIR), config.max_record_bytes)?;
		let cache = Mutex::new(PlanCache::new(config.plan_cache_size));
		Ok(Engine {
			inner: Arc::new(Inner { dir: base.to_path_buf(), models, records, config, cache }),
			runner: Runner::default(),
		})
	}

	/// The engine's base directory, as given to [`Engine::open`].
	pub fn dir(&self) -> &Path {
		&self.inner.dir
	}

	/// The model store.
	pub fn models(&self) -> &ModelStore {
		&self.inner.models
	}

	/// The record store.
	pub fn records(&self) -> &RecordStore {
		&self.inner.records
	}

	/// The engine's limits.
	pub fn config(&self) -> &EngineConfig {
		&self.inner.config
	}

	/// The runnable plan of a stored model, from the cache or freshly built (re-hashing the
	/// model file) and cached. Not time-limited; use it to check a model after import.
	pub fn plan(&self, model: &ModelHash) -> Result<Arc<Plan>, InferenceFailure> {
		self.inner.plan(model).inspect_err(|failure| log_failure(model, None, failure))
	}

	/// Runs a stored model on an input vector (the card's features, in order) and returns the
	/// raw float outputs, within the time limit.
	pub fn infer_features(
		&self,
		model: &ModelHash,
		features: &[f32],
	) -> Result<Vec<f32>, InferenceFailure> {
		let (inner, model, features) = (self.inner.clone(), *model, features.to_vec());
		self.limited(&model, None, move || inner.plan(&model)?.run(&features))
	}

	/// Runs a stored model on a FHIR Bundle given directly rather than from the record store
	/// (for tests, benchmarks and dry runs): size limit, model, FHIR mapping, tract, quantized
	/// output, within the time limit.
	pub fn infer_bundle(&self, model: &ModelHash, bundle_json: &[u8]) -> InferenceResult {
		if bundle_json.len() as u64 > self.inner.config.max_record_bytes {
			log_failure(model, None, &InferenceFailure::InputTooLarge);
			return Err(InferenceFailure::InputTooLarge);
		}
		let (inner, model, bundle) = (self.inner.clone(), *model, bundle_json.to_vec());
		self.limited(&model, None, move || {
			let plan = inner.plan(&model)?;
			infer(&plan, &bundle)
		})
	}

	/// Removes a model from the store and drops its cached plan; `Ok(false)` if it was not
	/// stored.
	pub fn remove_model(&self, model: &ModelHash) -> Result<bool, StoreError> {
		self.inner.cache().remove(model);
		self.inner.models.remove(model)
	}

	/// How many plans are cached now.
	pub fn cached_plans(&self) -> usize {
		self.inner.cache().len()
	}

	/// Whether the plan of `model` is cached now.
	pub fn is_cached(&self, model: &ModelHash) -> bool {
		self.inner.cache().contains(model)
	}

	/// Runs `job` within the time limit and logs its failure, if any.
	fn limited<T: Send + 'static>(
		&self,
		model: &ModelHash,
		record: Option<&RecordCommitment>,
		job: impl FnOnce() -> Result<T, InferenceFailure> + Send + 'static,
	) -> Result<T, InferenceFailure> {
		let result = match self.runner.run(self.inner.config.time_limit, job) {
			Ok(result) => result,
			Err(RunError::TimeLimit) => Err(InferenceFailure::TimeLimitExceeded),
			// Earlier inferences still hold the runner: a fault of this node, not of the model
			// on the record; the off-chain worker asks again later.
			Err(RunError::Overloaded) => Err(InferenceFailure::NodeBusy),
			Err(RunError::Failed) => Err(InferenceFailure::EngineError),
		};
		result.inspect_err(|failure| log_failure(model, record, failure))
	}
}

impl Engine {
	/// [`InferenceEngine::run`] once it is decided that the record is held here: an inference
	/// process runs this for its parent, which has decided it
	/// ([`RecordStore::check_held`]). The record is read before the model is looked at, so a
	/// record removed since that decision (an erasure, `store remove-record`) is still
	/// `RecordNotHeld` — its store error maps to that — and never a model failure: a node
	/// does not speak about a record it no longer holds.
	pub(crate) fn run_held(
		&self,
		model: &ModelHash,
		commitment: &RecordCommitment,
	) -> InferenceResult {
		let (inner, model_hash, record) = (self.inner.clone(), *model, *commitment);
		self.limited(model, Some(commitment), move || {
			let record = inner.records.read(&record).map_err(|e| store_failure(&e))?;
			let plan = inner.plan(&model_hash)?;
			infer(&plan, record.canonical_bytes())
		})
	}
}

impl InferenceEngine for Engine {
	/// Checks that the record is held, checks the model (cached plan or verified file), reads
	/// and verifies the record, maps it to the model's inputs, runs tract and quantizes, all
	/// within the time limit.
	fn run(&self, model: &ModelHash, commitment: &RecordCommitment) -> InferenceResult {
		// A node that does not hold the record has nothing to say about it, whatever models it
		// holds and however busy it is: the record is checked first.
		self.inner.records.check_held(commitment)?;
		self.run_held(model, commitment)
	}

	/// As [`InferenceEngine::run`], after checking that the stored card is the approved one
	/// (once the record is known to be held).
	fn run_approved(
		&self,
		model: &ModelHash,
		card: &CardHash,
		commitment: &RecordCommitment,
	) -> InferenceResult {
		self.inner.records.check_held(commitment)?;
		self.inner
			.models
			.check_card(model, card)
			.inspect_err(|failure| log_failure(model, Some(commitment), failure))?;
		self.run_held(model, commitment)
	}
}

impl Inner {
	fn cache(&self) -> MutexGuard<'_, PlanCache> {
		self.cache.lock().unwrap_or_else(PoisonError::into_inner)
	}

	fn plan(&self, model: &ModelHash) -> Result<Arc<Plan>, InferenceFailure> {
		let Some(fingerprint) = self.models.fingerprint(model).map_err(|e| store_failure(&e))?
		else {
			self.cache().remove(model);
			return Err(InferenceFailure::UnknownModel);
		};
		if let Some(plan) = self.cache().get(model, &fingerprint) {
			return Ok(plan);
		}
		let stored = self.models.get(model).map_err(|e| store_failure(&e))?;
		let plan = Arc::new(Plan::build(&stored.onnx, &stored.card)?);
		self.cache().insert(*model, plan.clone(), fingerprint);
		Ok(plan)
	}
}

/// FHIR mapping, tract and quantization for one Bundle.
fn infer(plan: &Plan, bundle_json: &[u8]) -> InferenceResult {
	let features = features_from_bundle(plan.card(), bundle_json)?;
	let outputs = plan.run(&features)?;
	let values = outputs
		.into_iter()
		.map(|v| quantize(v).ok_or(InferenceFailure::NonFiniteOutput))
		.collect::<Result<Vec<_>, _>>()?;
	Ok(InferenceOutput { values })
}

/// The failure a store error means; I/O errors and the like are logged here, as the failure
/// (`EngineError`) does not say what happened.
fn store_failure(error: &StoreError) -> InferenceFailure {
	let failure = error.as_failure();
	if failure == InferenceFailure::EngineError {
		log::error!(target: "healthchain-engine", "{error}");
	} else {
		log::debug!(target: "healthchain-engine", "{error}");
	}
	failure
}

fn log_failure(model: &ModelHash, record: Option<&RecordCommitment>, failure: &InferenceFailure) {
	// Not holding a record is the normal case for most requests a node sees, not a failure.
	if *failure == InferenceFailure::RecordNotHeld {
		log::debug!(
			target: "healthchain-engine",
			"record {} is not held here",
			record.map(|r| to_hex(r)).unwrap_or_default()
		);
		return;
	}
	match record {
		Some(record) => log::warn!(
			target: "healthchain-engine",
			"inference of model {} on record {} failed: {failure:?}",
			to_hex(model),
			to_hex(record)
		),
		None => log::warn!(
			target: "healthchain-engine",
			"inference of model {} failed: {failure:?}",
			to_hex(model)
		),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::runner::MAX_OVERDUE_JOBS;
	use std::sync::mpsc::channel;

	#[test]
	fn an_inference_refused_for_want_of_capacity_is_the_transient_node_busy() {
		let dir = tempfile::tempdir().unwrap();
		let engine = Engine::open(dir.path(), EngineConfig::default()).unwrap();
		// Earlier inferences overran their time limit and still hold every slot.
		let mut releases = Vec::new();
		for _ in 0..MAX_OVERDUE_JOBS {
			let (release, wait) = channel::<()>();
			releases.push(release);
			let overran = engine.runner.run(Duration::from_millis(20), move || wait.recv().is_ok());
			assert_eq!(overran, Err(RunError::TimeLimit));
		}
		let busy = engine.limited(&[7; 32], None, || Ok(()));
		assert_eq!(busy, Err(InferenceFailure::NodeBusy));
		assert!(busy.unwrap_err().is_transient());
		for release in releases {
			release.send(()).unwrap();
		}
	}

	#[test]
	fn a_record_removed_after_the_held_decision_is_not_held_whatever_the_model() {
		let dir = tempfile::tempdir().unwrap();
		let engine = Engine::open(dir.path(), EngineConfig::default()).unwrap();
		// Neither the record nor the model is here: the record speaks first.
		assert_eq!(engine.run_held(&[7; 32], &[9; 32]), Err(InferenceFailure::RecordNotHeld));
	}
}
