//! Property tests of batch inclusion proofs through the pallet's `verify_inclusion`: every
//! leaf of every anchored batch verifies, and any flipped bit — in the commitment, in a
//! sibling, in the position or in the count — fails.

use super::*;
use healthchain_commitment::MerkleTree;
use proptest::{collection::hash_set, prelude::*};

/// 1 to 70 distinct non-zero commitments, in a random order.
fn batch() -> impl Strategy<Value = Vec<Commitment>> {
	hash_set(any::<[u8; 32]>().prop_filter("non-zero", |c| *c != [0; 32]), 1..70)
		.prop_map(|set| set.into_iter().collect())
}

/// Anchors `leaves` as one batch in fresh externalities and runs `check` with its id.
fn with_batch<R>(leaves: &[Commitment], check: impl FnOnce(BatchId, &MerkleTree) -> R) -> R {
	let tree = MerkleTree::new(leaves).unwrap();
	new_test_ext().execute_with(|| {
		assert_ok!(RecordsPallet::anchor_batch(
			RuntimeOrigin::signed(ST_MARYS),
			None,
			tree.root(),
			tree.leaf_count(),
			DataClass::Laboratory,
			fhir()
		));
		check(0, &tree)
	})
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(48))]

	#[test]
	fn every_leaf_verifies(leaves in batch()) {
		with_batch(&leaves, |batch_id, tree| {
			for (i, leaf) in leaves.iter().enumerate() {
				let proof = tree.proof(i as u32).unwrap();
				prop_assert!(RecordsPallet::verify_inclusion(batch_id, *leaf, proof));
			}
			Ok(())
		})?;
	}

	#[test]
	fn any_flipped_bit_of_the_commitment_fails(
		leaves in batch(),
		pick in any::<prop::sample::Index>(),
		bit in 0usize..256,
	) {
		with_batch(&leaves, |batch_id, tree| {
			let i = pick.index(leaves.len());
			let mut leaf = leaves[i];
			leaf[bit / 8] ^= 1 << (bit % 8);
			prop_assert!(!RecordsPallet::verify_inclusion(batch_id, leaf, tree.proof(i as u32).unwrap()));
			Ok(())
		})?;
	}

	#[test]
	fn any_flipped_bit_of_a_sibling_fails(
		leaves in batch(),
		pick in any::<prop::sample::Index>(),
		sibling in any::<prop::sample::Index>(),
		bit in 0usize..256,
	) {
		with_batch(&leaves, |batch_id, tree| {
			let i = pick.index(leaves.len());
			let mut proof = tree.proof(i as u32).unwrap();
			if proof.siblings.is_empty() {
				return Ok(()); // a one-leaf batch has no siblings
			}
			let s = sibling.index(proof.siblings.len());
			proof.siblings[s][bit / 8] ^= 1 << (bit % 8);
			prop_assert!(!RecordsPallet::verify_inclusion(batch_id, leaves[i], proof));
			Ok(())
		})?;
	}

	#[test]
	fn any_flipped_bit_of_the_position_or_count_fails(
		leaves in batch(),
		pick in any::<prop::sample::Index>(),
		bit in 0u32..32,
		in_count in any::<bool>(),
	) {
		with_batch(&leaves, |batch_id, tree| {
			let i = pick.index(leaves.len());
			let mut proof = tree.proof(i as u32).unwrap();
			if in_count {
				proof.leaf_count ^= 1 << bit;
			} else {
				proof.leaf_index ^= 1 << bit;
			}
			prop_assert!(!RecordsPallet::verify_inclusion(batch_id, leaves[i], proof));
			Ok(())
		})?;
	}

	#[test]
	fn a_dropped_or_extra_sibling_fails(leaves in batch(), pick in any::<prop::sample::Index>()) {
		with_batch(&leaves, |batch_id, tree| {
			let i = pick.index(leaves.len());
			let proof = tree.proof(i as u32).unwrap();
			let mut extra = proof.clone();
			extra.siblings.push([7; 32]);
			prop_assert!(!RecordsPallet::verify_inclusion(batch_id, leaves[i], extra));
			if !proof.siblings.is_empty() {
				let mut dropped = proof;
				dropped.siblings.pop();
				prop_assert!(!RecordsPallet::verify_inclusion(batch_id, leaves[i], dropped));
			}
			Ok(())
		})?;
	}
}
