//! From a FHIR R4 Bundle to a model's input vector, with the model card alone.
//!
//! The rule (also in the crate README):
//!
//! 1. The record must be a JSON object with `"resourceType": "Bundle"`; `entry`, if present,
//!    an array. Otherwise: `UnparsableRecord`.
//! 2. Every `entry[].resource` with `"resourceType": "Observation"` is considered, except
//!    those with `"status": "entered-in-error"` (FHIR: such a resource should be treated as
//!    if it did not exist).
//! 3. An Observation feeds feature `i` when one of its `code.coding[]` entries has the
//!    feature's `system` and `code` (exact string comparison). One Observation may feed
//!    several features if it carries several matching codings.
//! 4. Each feature must be fed by **exactly one** Observation: none is `MissingFeature(i)`,
//!    more than one is `AmbiguousFeature(i)`. A record holding two measurements of the same
//!    thing is refused rather than resolved by a guess (such as the latest `effectiveDateTime`,
//!    which is often a partial date or missing); the hospital decides which one to commit.
//! 5. The value is `valueQuantity.value`, a JSON number converted to f64 and then to f32 (as
//!    numpy does). No `valueQuantity`, a value that is not a number, a value that is not a
//!    finite f32, or a `valueQuantity.comparator` (`<5` is not the number 5) is
//!    `NonNumericFeature(i)`.
//! 6. If the value's `valueQuantity.system` is UCUM (`http://unitsofmeasure.org`) with a
//!    `code`, and the card gives the feature a `ucum` code, the two must be equal, else
//!    `FeatureUnitMismatch(i)` (a glucose in mmol/L is not a glucose in mg/dL). A value
//!    without a UCUM code is taken to be in the card's unit.
//! 7. Failures are reported for the lowest feature index that fails, so every node reports
//!    the same failure for the same record.

use crate::card::ModelCard;
use healthchain_inference_primitives::InferenceFailure;
use serde_json::Value;
use std::collections::HashMap;

/// The UCUM code system URI.
pub const UCUM_SYSTEM: &str = "http://unitsofmeasure.org";

/// What was found for one feature while scanning the Bundle.
#[derive(Clone, Copy)]
enum Found {
	None,
	Once(Result<f32, InferenceFailure>),
	Many,
}

/// Maps a FHIR R4 Bundle (JSON bytes) to the card's input vector; see the module docs for the
/// rule and the failures.
pub fn features_from_bundle(
	card: &ModelCard,
	bundle_json: &[u8],
) -> Result<Vec<f32>, InferenceFailure> {
	let bundle: Value =
		serde_json::from_slice(bundle_json).map_err(|_| InferenceFailure::UnparsableRecord)?;
	features_from_bundle_value(card, &bundle)
}

/// [`features_from_bundle`] for an already parsed Bundle.
pub fn features_from_bundle_value(
	card: &ModelCard,
	bundle: &Value,
) -> Result<Vec<f32>, InferenceFailure> {
	if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
		return Err(InferenceFailure::UnparsableRecord);
	}
	let entries = match bundle.get("entry") {
		None => &[][..],
		Some(Value::Array(entries)) => &entries[..],
		Some(_) => return Err(InferenceFailure::UnparsableRecord),
	};
	let mut by_coding: HashMap<(&str, &str), usize> = HashMap::new();
	for (i, feature) in card.input_features.iter().enumerate() {
		by_coding.insert((&feature.fhir.code.system, &feature.fhir.code.code), i);
	}
	let mut found = vec![Found::None; card.input_features.len()];
	let mut fed = Vec::new();
	for entry in entries {
		let Some(resource) = entry.get("resource") else { continue };
		if resource.get("resourceType").and_then(Value::as_str) != Some("Observation") {
			continue;
		}
		if resource.get("status").and_then(Value::as_str) == Some("entered-in-error") {
			continue;
		}
		let Some(codings) = resource.pointer("/code/coding").and_then(Value::as_array) else {
			continue;
		};
		fed.clear();
		for coding in codings {
			let system = coding.get("system").and_then(Value::as_str);
			let code = coding.get("code").and_then(Value::as_str);
			if let (Some(system), Some(code)) = (system, code) {
				if let Some(&i) = by_coding.get(&(system, code)) {
					if !fed.contains(&i) {
						fed.push(i);
					}
				}
			}
		}
		for &i in &fed {
			found[i] = match found[i] {
				Found::None => Found::Once(quantity_value(card, i, resource)),
				Found::Once(_) | Found::Many => Found::Many,
			};
		}
	}
	found
		.into_iter()
		.enumerate()
		.map(|(i, found)| match found {
			Found::None => Err(InferenceFailure::MissingFeature(i as u32)),
			Found::Many => Err(InferenceFailure::AmbiguousFeature(i as u32)),
			Found::Once(value) => value,
		})
		.collect()
}

/// The value of feature `i` in an Observation that feeds it.
fn quantity_value(
	card: &ModelCard,
	i: usize,
	observation: &Value,
) -> Result<f32, InferenceFailure> {
	let non_numeric = InferenceFailure::NonNumericFeature(i as u32);
	let quantity = observation.get("valueQuantity").ok_or(non_numeric)?;
	if quantity.get("comparator").is_some() {
		return Err(non_numeric);
	}
	let value = quantity.get("value").and_then(Value::as_f64).ok_or(non_numeric)?;
	let value = value as f32;
	if !value.is_finite() {
		return Err(non_numeric);
	}
	let ucum = quantity
		.get("system")
		.and_then(Value::as_str)
		.filter(|system| *system == UCUM_SYSTEM)
		.and_then(|_| quantity.get("code").and_then(Value::as_str));
	if let (Some(given), Some(expected)) = (ucum, card.input_features[i].ucum.as_deref()) {
		if given != expected {
			return Err(InferenceFailure::FeatureUnitMismatch(i as u32));
		}
	}
	Ok(value)
}
