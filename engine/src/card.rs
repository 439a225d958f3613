//! Model cards (`healthchain-model-card/1`, described in `models/README.md`): the typed subset
//! of the card that the engine relies on, and the rules it checks before running a model.

use healthchain_inference_primitives::{ModelHash, FIXED_POINT_SCALE, MAX_OUTPUT_VALUES};
use serde::Deserialize;

/// The card schema this engine reads.
pub const CARD_SCHEMA: &str = "healthchain-model-card/1";

/// The inference engine a card must name in `runtime.engine`.
pub const ENGINE_NAME: &str = "tract-onnx";

/// The tract-onnx version this engine runs; a card must pin exactly this in
/// `runtime.version`, because attestations compare outputs of the pinned engine.
pub const TRACT_VERSION: &str = "0.23.9";

/// The largest model card accepted, in bytes.
pub const MAX_CARD_BYTES: usize = 1024 * 1024;

/// The most input features a card may list.
pub const MAX_INPUT_FEATURES: usize = 4096;

/// The FHIR Observation element a feature's value is read from (the only one supported).
pub const VALUE_QUANTITY_VALUE: &str = "valueQuantity.value";

/// A model card: what the engine needs from it. Fields of the card not named here
/// (training data, metrics, descriptions) are accepted and ignored.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ModelCard {
	/// Always [`CARD_SCHEMA`].
	pub schema: String,
	/// The model's name (also its file stem in `models/`).
	pub name: String,
	/// The model's semantic version.
	pub version: String,
	/// `"binary classification"` or `"regression"`; informative.
	#[serde(default)]
	pub task: Option<String>,
	/// blake2-256 of the ONNX file, lowercase hex: the model's on-chain hash.
	pub model_hash: String,
	/// The engine and version the model is approved to run on.
	pub runtime: RuntimeSpec,
	/// The model's single input tensor.
	pub input: TensorSpec,
	/// The input features, in input order.
	pub input_features: Vec<InputFeature>,
	/// The model's single output tensor.
	pub output: OutputSpec,
	/// How outputs are quantized.
	pub fixed_point: FixedPointSpec,
	/// How far two nodes' fixed-point outputs may differ element-wise and still agree.
	pub tolerance_ppm: u64,
}

/// The `runtime` entry of a card.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RuntimeSpec {
	/// The engine, [`ENGINE_NAME`].
	pub engine: String,
	/// The engine version, [`TRACT_VERSION`].
	pub version: String,
}

/// A tensor's name, shape and element type as the card declares them.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TensorSpec {
	/// The tensor's name in the ONNX graph.
	pub name: String,
	/// The tensor's shape; for the input `[1, N]` with N the number of features.
	pub shape: Vec<u64>,
	/// The element type; only `"float32"` is supported.
	pub dtype: String,
}

/// The `output` entry of a card.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct OutputSpec {
	/// The output tensor's name in the ONNX graph.
	pub name: String,
	/// The output's shape; at most [`MAX_OUTPUT_VALUES`] values in all.
	pub shape: Vec<u64>,
	/// The element type; only `"float32"` is supported.
	pub dtype: String,
	/// Classifiers: the label of each output element; `None` for regression.
	#[serde(default)]
	pub class_labels: Option<Vec<String>>,
}

/// One input feature of a card.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct InputFeature {
	/// Position in the input vector; must equal the feature's position in the list.
	pub index: u32,
	/// Short name of the feature.
	pub name: String,
	/// Human-readable unit.
	#[serde(default)]
	pub unit: Option<String>,
	/// UCUM code of the unit, when the unit has one. A FHIR value that states another UCUM
	/// code is refused rather than silently misread.
	#[serde(default)]
	pub ucum: Option<String>,
	/// Which FHIR data feeds the feature.
	pub fhir: FhirBinding,
}

/// Where a feature comes from in a FHIR record.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FhirBinding {
	/// The FHIR resource type; only `"Observation"` is supported.
	#[serde(rename = "resourceType")]
	pub resource_type: String,
	/// The coding an Observation's `code.coding[]` must contain.
	pub code: Coding,
	/// The element holding the value; only [`VALUE_QUANTITY_VALUE`] is supported.
	pub value: String,
}

/// A FHIR coding: a code in a code system.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Coding {
	/// The code system URI (e.g. `http://loinc.org`).
	pub system: String,
	/// The code within the system.
	pub code: String,
	/// Human-readable meaning; informative.
	#[serde(default)]
	pub display: Option<String>,
}

/// The `fixed_point` entry of a card.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FixedPointSpec {
	/// Must be [`FIXED_POINT_SCALE`].
	pub scale: i64,
	/// Must be `"i64"`.
	#[serde(rename = "type")]
	pub kind: String,
	/// The rounding rule, in words; informative (the engine rounds to nearest, ties away
	/// from zero).
	#[serde(default)]
	pub rounding: Option<String>,
}

impl ModelCard {
	/// Parses and checks a card (see [`ModelCard::validate`]); the error says what is wrong.
	pub fn parse(card_json: &[u8]) -> Result<ModelCard, String> {
		if card_json.len() > MAX_CARD_BYTES {
			return Err(format!(
				"the card is {} bytes, more than the limit of {MAX_CARD_BYTES}",
				card_json.len()
			));
		}
		let card: ModelCard = serde_json::from_slice(card_json).map_err(|e| e.to_string())?;
		card.validate()?;
		Ok(card)
	}

	/// Checks the rules the engine relies on: the schema, the pinned engine and version, a
	/// `[1, N]` float32 input with N features listed in order, each bound to an Observation's
	/// `valueQuantity.value` through a coding; a float32 output of 1 to [`MAX_OUTPUT_VALUES`]
	/// values; the fixed-point scale; a well-formed `model_hash`.
	pub fn validate(&self) -> Result<(), String> {
		if self.schema != CARD_SCHEMA {
			return Err(format!("schema is {:?}, expected {CARD_SCHEMA:?}", self.schema));
		}
		if self.runtime.engine != ENGINE_NAME || self.runtime.version != TRACT_VERSION {
			return Err(format!(
				"the card pins {} {}, this engine is {ENGINE_NAME} {TRACT_VERSION}",
				self.runtime.engine, self.runtime.version
			));
		}
		if crate::fsio::from_hex32(&self.model_hash).is_none() {
			return Err("model_hash is not 64 lowercase hex digits".into());
		}
		let n = self.input_features.len();
		if n == 0 || n > MAX_INPUT_FEATURES {
			return Err(format!("{n} input features; expected 1 to {MAX_INPUT_FEATURES}"));
		}
		if self.input.dtype != "float32" {
			return Err(format!("input dtype {:?} is not supported", self.input.dtype));
		}
		if self.input.shape != [1, n as u64] {
			return Err(format!(
				"input shape {:?} does not match the {n} input features (expected [1, {n}])",
				self.input.shape
			));
		}
		for (position, feature) in self.input_features.iter().enumerate() {
			if feature.index as usize != position {
				return Err(format!(
					"input feature {position} ({}) has index {}",
					feature.name, feature.index
				));
			}
			let fhir = &feature.fhir;
			if fhir.resource_type != "Observation" {
				return Err(format!(
					"input feature {position}: resource type {:?} is not supported",
					fhir.resource_type
				));
			}
			if fhir.value != VALUE_QUANTITY_VALUE {
				return Err(format!(
					"input feature {position}: value element {:?} is not supported",
					fhir.value
				));
			}
			if fhir.code.system.is_empty() || fhir.code.code.is_empty() {
				return Err(format!("input feature {position}: empty code system or code"));
			}
		}
		let mut codings = std::collections::HashSet::new();
		for (i, feature) in self.input_features.iter().enumerate() {
			if !codings.insert((&feature.fhir.code.system, &feature.fhir.code.code)) {
				return Err(format!("input feature {i}: its coding feeds an earlier feature too"));
			}
		}
		if self.output.dtype != "float32" {
			return Err(format!("output dtype {:?} is not supported", self.output.dtype));
		}
		let values = self.output_len();
		if values == 0 || values > MAX_OUTPUT_VALUES as u64 {
			return Err(format!(
				"output shape {:?} has {values} values; expected 1 to {MAX_OUTPUT_VALUES}",
				self.output.shape
			));
		}
		if let Some(labels) = &self.output.class_labels {
			if labels.len() as u64 != values {
				return Err(format!("{} class labels for {values} output values", labels.len()));
			}
		}
		if self.fixed_point.scale != FIXED_POINT_SCALE || self.fixed_point.kind != "i64" {
			return Err(format!(
				"fixed point {} {} is not supported (expected scale {FIXED_POINT_SCALE}, i64)",
				self.fixed_point.scale, self.fixed_point.kind
			));
		}
		Ok(())
	}

	/// The card's `model_hash` as bytes (zeros if malformed; [`ModelCard::validate`] rejects
	/// that).
	pub fn model_hash(&self) -> ModelHash {
		crate::fsio::from_hex32(&self.model_hash).unwrap_or_default()
	}

	/// The number of input features, N.
	pub fn input_len(&self) -> usize {
		self.input_features.len()
	}

	/// The number of output values (the product of the output shape, saturating).
	pub fn output_len(&self) -> u64 {
		self.output.shape.iter().fold(1u64, |acc, d| acc.saturating_mul(*d))
	}
}
