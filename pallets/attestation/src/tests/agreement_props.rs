//! Properties of the agreement rule (`crate::agreement`), over random results.

use crate::{
	agreement::{agree, evaluate, groups, Outcome},
	max_results,
};
use proptest::prelude::*;

/// Up to `2 * quorum - 1` results of `size` values each, drawn near a few centres so that
/// agreements and conflicts both happen.
fn results_strategy() -> impl Strategy<Value = (u32, u32, Vec<Vec<i64>>)> {
	(1u32..=5, 1usize..=4, 0u32..=2_000).prop_flat_map(|(quorum, size, tolerance)| {
		let count = max_results(quorum) as usize;
		let value =
			prop_oneof![Just(0i64), Just(1_000_000i64), -1_500i64..=1_500, 998_500i64..=1_001_500,];
		(
			Just(quorum),
			Just(tolerance),
			proptest::collection::vec(proptest::collection::vec(value, size), 0..=count),
		)
	})
}

fn slices(results: &[Vec<i64>]) -> Vec<&[i64]> {
	results.iter().map(Vec::as_slice).collect()
}

proptest! {
	#[test]
	fn an_attestation_names_quorum_results_that_agree_pairwise(
		(quorum, tolerance, results) in results_strategy()
	) {
		let results = slices(&results);
		if let Outcome::Attested(members) = evaluate(&results, quorum, tolerance) {
			prop_assert_eq!(members.len(), quorum as usize);
			prop_assert!(members.windows(2).all(|w| w[0] < w[1]));
			for a in &members {
				for b in &members {
					prop_assert!(agree(results[*a], results[*b], tolerance));
				}
			}
		}
	}

	#[test]
	fn groups_partition_the_results_into_pairwise_agreeing_sets(
		(_quorum, tolerance, results) in results_strategy()
	) {
		let results = slices(&results);
		let groups = groups(&results, tolerance);
		let mut seen: Vec<usize> = groups.iter().flatten().copied().collect();
		seen.sort();
		prop_assert_eq!(seen, (0..results.len()).collect::<Vec<_>>());
		for group in &groups {
			for a in group {
				for b in group {
					prop_assert!(agree(results[*a], results[*b], tolerance));
				}
			}
		}
	}

	#[test]
	fn quorum_identical_results_always_attest(
		quorum in 1u32..=5,
		tolerance in 0u32..=2_000,
		value in proptest::collection::vec(-2_000_000i64..=2_000_000, 1..=16),
		noise in proptest::collection::vec(proptest::collection::vec(-5_000_000i64..=5_000_000, 1..=16), 0..=4),
	) {
		// Up to quorum - 1 arbitrary results first, then quorum identical ones: attested at the
		// latest with the last identical one.
		let noise: Vec<Vec<i64>> = noise.into_iter().take(quorum as usize - 1).collect();
		let mut results = noise.clone();
		let mut outcome = Outcome::Pending;
		for _ in 0..quorum {
			results.push(value.clone());
			outcome = evaluate(&slices(&results), quorum, tolerance);
			if outcome != Outcome::Pending {
				break;
			}
		}
		prop_assert!(matches!(outcome, Outcome::Attested(_)));
	}

	#[test]
	fn a_dispute_means_no_group_can_reach_the_quorum(
		(quorum, tolerance, results) in results_strategy()
	) {
		let results = slices(&results);
		let outcome = evaluate(&results, quorum, tolerance);
		let largest = groups(&results, tolerance).iter().map(Vec::len).max().unwrap_or(0);
		let left = max_results(quorum) as usize - results.len();
		match outcome {
			Outcome::Disputed => prop_assert!(largest + left < quorum as usize),
			Outcome::Pending => {
				prop_assert!(largest < quorum as usize);
				prop_assert!(largest + left >= quorum as usize);
			},
			Outcome::Attested(_) => prop_assert!(largest >= quorum as usize),
		}
		// With every result the request takes, it is settled one way or the other.
		if results.len() == max_results(quorum) as usize {
			prop_assert!(outcome != Outcome::Pending);
		}
	}

	#[test]
	fn agreement_is_symmetric_and_exact_at_the_tolerance(
		a in proptest::collection::vec(-1_000_000_000i64..=1_000_000_000, 1..=16),
		tolerance in 0u32..=10_000,
		index in 0usize..16,
	) {
		let index = index % a.len();
		let mut b = a.clone();
		b[index] += i64::from(tolerance);
		prop_assert!(agree(&a, &b, tolerance));
		prop_assert!(agree(&b, &a, tolerance));
		b[index] += 1;
		prop_assert!(!agree(&a, &b, tolerance));
		prop_assert!(!agree(&b, &a, tolerance));
		// Outputs of different lengths never agree.
		prop_assert!(!agree(&a, &a[..a.len() - 1], u32::MAX));
	}
}

#[test]
fn extreme_values_do_not_overflow() {
	assert!(!agree(&[i64::MIN], &[i64::MAX], u32::MAX));
	assert!(agree(&[i64::MAX], &[i64::MAX], 0));
	assert_eq!(evaluate(&[&[i64::MIN], &[i64::MAX]], 1, u32::MAX), Outcome::Attested(vec![0]));
}
