//! The bounded cache of runnable plans, least recently used first out.

use crate::{model_store::ModelFingerprint, plan::Plan};
use healthchain_inference_primitives::ModelHash;
use std::{collections::HashMap, sync::Arc};

struct Entry {
	plan: Arc<Plan>,
	fingerprint: ModelFingerprint,
	last_used: u64,
}

/// At most `capacity` plans; a plan whose model files changed on disk is dropped on lookup.
pub(crate) struct PlanCache {
	capacity: usize,
	clock: u64,
	entries: HashMap<ModelHash, Entry>,
}

impl PlanCache {
	pub(crate) fn new(capacity: usize) -> Self {
		Self { capacity, clock: 0, entries: HashMap::new() }
	}

	/// The cached plan for `model`, if its files still have `fingerprint`.
	pub(crate) fn get(
		&mut self,
		model: &ModelHash,
		fingerprint: &ModelFingerprint,
	) -> Option<Arc<Plan>> {
		self.clock += 1;
		let entry = self.entries.get_mut(model)?;
		if entry.fingerprint != *fingerprint {
			self.entries.remove(model);
			return None;
		}
		entry.last_used = self.clock;
		Some(entry.plan.clone())
	}

	pub(crate) fn insert(
		&mut self,
		model: ModelHash,
		plan: Arc<Plan>,
		fingerprint: ModelFingerprint,
	) {
		if self.capacity == 0 {
			return;
		}
		self.clock += 1;
		if !self.entries.contains_key(&model) && self.entries.len() >= self.capacity {
			let oldest = self.entries.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| *k);
			if let Some(oldest) = oldest {
				self.entries.remove(&oldest);
			}
		}
		self.entries.insert(model, Entry { plan, fingerprint, last_used: self.clock });
	}

	pub(crate) fn remove(&mut self, model: &ModelHash) {
		self.entries.remove(model);
	}

	pub(crate) fn len(&self) -> usize {
		self.entries.len()
	}

	pub(crate) fn contains(&self, model: &ModelHash) -> bool {
		self.entries.contains_key(model)
	}
}
