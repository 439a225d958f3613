//! Runnable plans: an approved ONNX model parsed and optimized by tract-onnx for the input its
//! card declares, and every way that can fail mapped to a named [`InferenceFailure`].

use crate::card::ModelCard;
use healthchain_inference_primitives::{InferenceFailure, MAX_OUTPUT_VALUES};
use std::panic::{catch_unwind, AssertUnwindSafe};
use tract_onnx::{
	pb,
	prelude::*,
	tract_hir::{internal::Factoid, ops::unimpl::UnimplementedOp},
};

/// ONNX operator domains the engine accepts: the default domain (`""`, `"ai.onnx"`) and
/// `ai.onnx.ml`, whose operators tract-onnx registers by name. A node of any other domain
/// (e.g. `com.microsoft`) is `UnsupportedOperator` even if tract has an operator of the same
/// name, which would otherwise be run in its place.
pub const SUPPORTED_DOMAINS: [&str; 3] = ["", "ai.onnx", "ai.onnx.ml"];

/// The most memory the tensors of one inference may take: the sum of the sizes of every
/// tensor of the typed model's top-level graph (an upper bound of what tract holds at once;
/// tensors inside `If`/`Loop`/`Scan` bodies are not counted). Diagnostic models on tabular
/// records need kilobytes; a model that needs more is refused before it runs. Constant parts
/// of the graph are evaluated by tract while it types the model, before this check: the
/// memory limit of the inference process (`isolated`) is what bounds those.
pub const MAX_WORKING_BYTES: u64 = 256 * 1024 * 1024;

/// How deep subgraphs (`If`, `Loop`, `Scan` bodies) may nest.
const MAX_SUBGRAPH_DEPTH: usize = 16;

/// A model ready to run: parsed, checked against its card, optimized by tract.
pub struct Plan {
	card: ModelCard,
	runnable: Arc<TypedRunnableModel>,
	output_len: usize,
}

impl core::fmt::Debug for Plan {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Plan")
			.field("model", &self.card.name)
			.field("version", &self.card.version)
			.field("inputs", &self.card.input_len())
			.field("outputs", &self.output_len)
			.finish()
	}
}

impl Plan {
	/// Parses and optimizes `onnx_bytes` for the input `card` declares. The card is taken as
	/// valid (stores check it). Failures:
	///
	/// - `UnparsableModel`: not an ONNX protobuf, no graph, external tensor data, or a graph
	///   tract cannot make sense of;
	/// - `UnsupportedOperator`: an operator tract-onnx does not implement, of a domain outside
	///   [`SUPPORTED_DOMAINS`], or that tract refuses as configured;
	/// - `WrongInputShape`: not exactly one input, or an input whose declared type or shape
	///   contradicts the card's `[1, N]` float32;
	/// - `UnsupportedOutput`: not exactly one output, or not float32 with the card's output
	///   shape (at most [`MAX_OUTPUT_VALUES`] values);
	/// - `InputTooLarge`: its tensors would take more than [`MAX_WORKING_BYTES`];
	///   `UnsupportedOperator` if their sizes depend on the record's values;
	/// - `EngineError`: tract failed while optimizing, or panicked (caught and logged).
	pub fn build(onnx_bytes: &[u8], card: &ModelCard) -> Result<Plan, InferenceFailure> {
		guard("building a plan", || build(onnx_bytes, card))
	}

	/// Runs the model on one input vector (the card's features, in order) and returns the raw
	/// float outputs. No time limit here: the engine runs this in an inference thread and stops
	/// waiting at its limit. A tract error or panic is `EngineError` (logged).
	pub fn run(&self, features: &[f32]) -> Result<Vec<f32>, InferenceFailure> {
		let n = self.card.input_len();
		if features.len() != n {
			return Err(InferenceFailure::WrongInputShape);
		}
		guard("running a plan", || {
			let input = Tensor::from_shape(&[1, n], features)
				.map_err(|e| failure(InferenceFailure::EngineError, "building the input", &e))?;
			let outputs = self
				.runnable
				.run(tvec!(input.into_tvalue()))
				.map_err(|e| failure(InferenceFailure::EngineError, "running the model", &e))?;
			let output = outputs.first().ok_or(InferenceFailure::UnsupportedOutput)?;
			if output.datum_type() != f32::datum_type() || output.len() != self.output_len {
				return Err(InferenceFailure::UnsupportedOutput);
			}
			let view = output.to_plain_array_view::<f32>().map_err(|e| {
				failure(InferenceFailure::UnsupportedOutput, "reading the output", &e)
			})?;
			Ok(view.iter().copied().collect())
		})
	}

	/// The card the plan was built for.
	pub fn card(&self) -> &ModelCard {
		&self.card
	}

	/// The number of output values.
	pub fn output_len(&self) -> usize {
		self.output_len
	}
}

/// Runs `f`, turning a panic into `EngineError` (logged): the last line of defence against a
/// hostile model. (An allocation failure aborts the process instead; see the README.)
pub(crate) fn guard<T>(
	what: &str,
	f: impl FnOnce() -> Result<T, InferenceFailure>,
) -> Result<T, InferenceFailure> {
	match catch_unwind(AssertUnwindSafe(f)) {
		Ok(result) => result,
		Err(payload) => {
			let message = payload
				.downcast_ref::<&str>()
				.map(|s| s.to_string())
				.or_else(|| payload.downcast_ref::<String>().cloned())
				.unwrap_or_else(|| "non-string panic payload".into());
			log::error!(target: "healthchain-engine", "panic while {what}: {message}");
			Err(InferenceFailure::EngineError)
		},
	}
}

/// Logs a tract error with its whole chain and returns `kind`.
fn failure(kind: InferenceFailure, what: &str, error: &TractError) -> InferenceFailure {
	log::warn!(target: "healthchain-engine", "{what}: {kind:?}: {error:#}");
	kind
}

fn build(onnx_bytes: &[u8], card: &ModelCard) -> Result<Plan, InferenceFailure> {
	use InferenceFailure::*;
	let onnx = tract_onnx::onnx();
	let proto = onnx
		.proto_model_for_read(&mut &onnx_bytes[..])
		.map_err(|e| failure(UnparsableModel, "decoding the ONNX protobuf", &e))?;
	let graph = proto.graph.as_ref().ok_or_else(|| {
		log::warn!(target: "healthchain-engine", "the ONNX model has no graph");
		UnparsableModel
	})?;
	check_graph(graph, 0)?;

	let model = onnx.model_for_proto_model(&proto).map_err(|e| {
		let kind = if mentions_unsupported(&e) { UnsupportedOperator } else { UnparsableModel };
		failure(kind, "translating the ONNX graph", &e)
	})?;
	let unimplemented: Vec<String> = model
		.nodes()
		.iter()
		.filter(|node| node.op_is::<UnimplementedOp>())
		.map(|node| format!("{} ({})", node.name, node.op().name()))
		.collect();
	if !unimplemented.is_empty() {
		log::warn!(
			target: "healthchain-engine",
			"operators tract-onnx {} does not run: {}",
			crate::card::TRACT_VERSION,
			unimplemented.join(", ")
		);
		return Err(UnsupportedOperator);
	}

	let n = card.input_len();
	let inputs = model.input_outlets().map_err(|e| failure(EngineError, "inputs", &e))?.len();
	if inputs != 1 {
		log::warn!(target: "healthchain-engine", "the model has {inputs} inputs, the card one");
		return Err(WrongInputShape);
	}
	let outputs = model.output_outlets().map_err(|e| failure(EngineError, "outputs", &e))?.len();
	if outputs != 1 {
		log::warn!(target: "healthchain-engine", "the model has {outputs} outputs, the card one");
		return Err(UnsupportedOutput);
	}
	let declared = model.input_fact(0).map_err(|e| failure(EngineError, "input fact", &e))?;
	if !declared_input_fits(declared, n) {
		log::warn!(
			target: "healthchain-engine",
			"the model's input {declared:?} contradicts the card's float32 [1, {n}]"
		);
		return Err(WrongInputShape);
	}
	let fully_declared = matches!(declared.shape.as_concrete_finite(), Ok(Some(_)));
	let model = model
		.with_input_fact(0, f32::fact([1, n]).into())
		.map_err(|e| failure(WrongInputShape, "setting the card's input fact", &e))?;

	let typed = model.into_typed().map_err(|e| {
		let kind = if mentions_unsupported(&e) {
			UnsupportedOperator
		} else if fully_declared {
			// The declared input matched the card, so the graph is inconsistent in itself.
			UnparsableModel
		} else {
			WrongInputShape
		};
		failure(kind, "analysing the model with the card's input", &e)
	})?;
	let output = typed.output_fact(0).map_err(|e| failure(EngineError, "output fact", &e))?;
	let shape: Option<Vec<u64>> =
		output.shape.as_concrete().map(|dims| dims.iter().map(|d| *d as u64).collect());
	let output_len = shape.as_ref().map(|dims| dims.iter().product::<u64>()).unwrap_or(u64::MAX);
	if output.datum_type != f32::datum_type()
		|| shape.as_deref() != Some(&card.output.shape[..])
		|| output_len > MAX_OUTPUT_VALUES as u64
	{
		log::warn!(
			target: "healthchain-engine",
			"the model's output {:?} {:?} is not the card's float32 {:?}",
			output.datum_type,
			output.shape,
			card.output.shape
		);
		return Err(UnsupportedOutput);
	}
	check_working_memory(&typed)?;
	let runnable = typed
		.into_optimized()
		.map_err(|e| failure(EngineError, "optimizing the model", &e))?
		.into_runnable()
		.map_err(|e| failure(EngineError, "making the model runnable", &e))?;
	Ok(Plan { card: card.clone(), runnable, output_len: output_len as usize })
}

/// Refuses a model whose tensors, with the card's input, would take more than
/// [`MAX_WORKING_BYTES`] (`InputTooLarge`), or whose tensor sizes are not known before it runs
/// (`UnsupportedOperator`: they depend on the record's values, so no bound can be checked).
fn check_working_memory(model: &TypedModel) -> Result<(), InferenceFailure> {
	let mut total: u64 = 0;
	for node in model.nodes() {
		for outlet in &node.outputs {
			let fact = &outlet.fact;
			let Some(dims) = fact.shape.as_concrete() else {
				log::warn!(
					target: "healthchain-engine",
					"the size of tensor {:?} ({:?}) depends on the data",
					node.name,
					fact.shape
				);
				return Err(InferenceFailure::UnsupportedOperator);
			};
			let bytes = dims
				.iter()
				.try_fold(fact.datum_type.size_of() as u64, |bytes, &d| bytes.checked_mul(d as u64))
				.unwrap_or(u64::MAX);
			total = total.saturating_add(bytes);
			if total > MAX_WORKING_BYTES {
				log::warn!(
					target: "healthchain-engine",
					"the model's tensors need more than {MAX_WORKING_BYTES} bytes (tensor {:?} \
					 alone: {:?} {:?})",
					node.name,
					fact.datum_type,
					fact.shape
				);
				return Err(InferenceFailure::InputTooLarge);
			}
		}
	}
	Ok(())
}

/// Whether the model's declared input (type and shape, where known) allows float32 `[1, n]`.
/// Unknown or symbolic dimensions (a batch size `N`) allow anything.
fn declared_input_fits(declared: &InferenceFact, n: usize) -> bool {
	if let Some(dt) = declared.datum_type.concretize() {
		if dt != f32::datum_type() {
			return false;
		}
	}
	let dims: Vec<_> = declared.shape.dims().collect();
	if declared.shape.is_open() {
		if dims.len() > 2 {
			return false;
		}
	} else if dims.len() != 2 {
		return false;
	}
	dims.iter().zip([1i64, n as i64]).all(|(dim, want)| match dim.concretize() {
		Some(dim) => dim.to_i64().map(|have| have == want).unwrap_or(true),
		None => true,
	})
}

/// Whether a tract error says an operator (or an operator's configuration) is not supported.
fn mentions_unsupported(error: &TractError) -> bool {
	error.chain().any(|cause| {
		let message = cause.to_string().to_lowercase();
		message.contains("unimplemented")
			|| message.contains("not supported")
			|| message.contains("unsupported")
			|| message.contains("can not be made a typedop")
	})
}

/// Refuses operator domains outside [`SUPPORTED_DOMAINS`] and tensors with external data (which
/// tract would look up in files relative to the node's working directory), in the graph and in
/// every subgraph.
fn check_graph(graph: &pb::GraphProto, depth: usize) -> Result<(), InferenceFailure> {
	if depth > MAX_SUBGRAPH_DEPTH {
		log::warn!(target: "healthchain-engine", "subgraphs nest deeper than {MAX_SUBGRAPH_DEPTH}");
		return Err(InferenceFailure::UnparsableModel);
	}
	let external = |t: &pb::TensorProto| !t.external_data.is_empty() || t.data_location == Some(1);
	let sparse_external = |s: &pb::SparseTensorProto| {
		s.values.as_ref().is_some_and(external) || s.indices.as_ref().is_some_and(external)
	};
	let refuse_external = || {
		log::warn!(target: "healthchain-engine", "the model refers to external tensor data");
		InferenceFailure::UnparsableModel
	};
	if graph.initializer.iter().any(external)
		|| graph.sparse_initializer.iter().any(sparse_external)
	{
		return Err(refuse_external());
	}
	for node in &graph.node {
		if !SUPPORTED_DOMAINS.contains(&node.domain.as_str()) {
			log::warn!(
				target: "healthchain-engine",
				"operator {} of domain {:?} is not supported",
				node.op_type,
				node.domain
			);
			return Err(InferenceFailure::UnsupportedOperator);
		}
		for attribute in &node.attribute {
			if attribute.t.as_ref().is_some_and(external)
				|| attribute.tensors.iter().any(external)
				|| attribute.sparse_tensor.as_ref().is_some_and(sparse_external)
				|| attribute.sparse_tensors.iter().any(sparse_external)
			{
				return Err(refuse_external());
			}
			for subgraph in attribute.g.iter().chain(attribute.graphs.iter()) {
				check_graph(subgraph, depth + 1)?;
			}
		}
	}
	Ok(())
}
