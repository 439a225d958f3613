//! The agreement rule: when results of a request make an attestation, a dispute, or neither
//! yet. A pure function of the results in arrival order, the quorum and the model's tolerance,
//! so that it can be tested on its own (see `tests/agreement_props.rs`).
//!
//! - Two results **agree** when they have the same length and every element differs by at most
//!   the tolerance: `|a[i] - b[i]| <= tolerance_ppm` for all `i`.
//! - Results are put into **groups** in arrival order, first fit: a result joins the first
//!   group all of whose members it agrees with, or starts a new group. Every group is therefore
//!   a set of results that agree pairwise.
//! - A request with quorum `k` takes at most `2k - 1` results ([`crate::max_results`]).
//! - **Attested** as soon as a group has `k` members: the attestation names them and carries the
//!   output of the group's first member.
//! - **Disputed** as soon as no group can reach `k` members any more with the results still to
//!   come: `largest group + results still allowed < k`.
//! - Otherwise **pending**.

use crate::types::max_results;
use alloc::{vec, vec::Vec};

/// What the results of a request say so far.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Outcome {
	/// Neither attested nor disputed yet: more results may settle it.
	Pending,
	/// `k` results agree: the positions (in arrival order) of the `k` members of the agreeing
	/// group, oldest first.
	Attested(Vec<usize>),
	/// No group can reach `k` members within the `2k - 1` results a request takes.
	Disputed,
}

/// Whether two fixed-point outputs agree within `tolerance` (element-wise absolute difference).
pub fn agree(a: &[i64], b: &[i64], tolerance: u32) -> bool {
	a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.abs_diff(*y) <= u64::from(tolerance))
}

/// The first-fit groups of `results`, each a list of positions, oldest first.
pub fn groups(results: &[&[i64]], tolerance: u32) -> Vec<Vec<usize>> {
	let mut groups: Vec<Vec<usize>> = Vec::new();
	for (position, result) in results.iter().enumerate() {
		let fitting = groups.iter_mut().find(|group| {
			group.iter().all(|member| {
				results.get(*member).is_some_and(|other| agree(other, result, tolerance))
			})
		});
		match fitting {
			Some(group) => group.push(position),
			None => groups.push(vec![position]),
		}
	}
	groups
}

/// Applies the agreement rule to the results of a request with quorum `quorum` (at least 1).
pub fn evaluate(results: &[&[i64]], quorum: u32, tolerance: u32) -> Outcome {
	let quorum = quorum.max(1);
	let needed = quorum as usize;
	let groups = groups(results, tolerance);
	if let Some(group) = groups.iter().find(|group| group.len() >= needed) {
		return Outcome::Attested(group.iter().copied().take(needed).collect());
	}
	let largest = groups.iter().map(Vec::len).max().unwrap_or(0);
	let still_allowed = (max_results(quorum) as usize).saturating_sub(results.len());
	if largest.saturating_add(still_allowed) < needed {
		Outcome::Disputed
	} else {
		Outcome::Pending
	}
}
