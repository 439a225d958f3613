//! `anchor_batch` and inclusion proofs through the pallet's `verify_inclusion`, including the
//! independent test vectors of `healthchain-commitment`.

use super::*;
use codec::Decode;
use frame_support::assert_noop;
use healthchain_commitment::{merkle_root, MerkleTree};
use sp_runtime::DispatchError;

/// The test vectors `scripts/commitment_vectors.py` wrote (see primitives/commitment).
const VECTORS: &str =
	include_str!("../../../../primitives/commitment/test-vectors/commitment-vectors.json");

fn hex(value: &serde_json::Value) -> Vec<u8> {
	let text = value.as_str().expect("a hex string");
	(0..text.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
		.collect()
}

fn hex32(value: &serde_json::Value) -> [u8; 32] {
	hex(value).try_into().expect("32 bytes")
}

/// Commitments `1..=n` (each a repeated byte pattern, distinct).
pub fn leaves(n: u32) -> Vec<Commitment> {
	(1..=n).map(|i| sp_io::hashing::blake2_256(&i.to_le_bytes())).collect()
}

/// `custodian` anchors a batch over `leaves`; returns its id.
pub fn anchor_leaves(custodian: u64, patient: Option<u64>, leaves: &[Commitment]) -> BatchId {
	let batch_id = NextBatchId::<Test>::get();
	assert_ok!(RecordsPallet::anchor_batch(
		RuntimeOrigin::signed(custodian),
		patient,
		merkle_root(leaves).unwrap(),
		leaves.len() as u32,
		DataClass::Laboratory,
		fhir()
	));
	batch_id
}

#[test]
fn a_custodian_anchors_a_batch_with_its_root_count_block_and_time() {
	new_test_ext_checked(|| {
		run_to_block(4);
		let leaves = leaves(5);
		let root = merkle_root(&leaves).unwrap();
		assert_eq!(anchor_leaves(ST_MARYS, None, &leaves), 0);
		let batch = RecordsPallet::batch(0).unwrap();
		assert_eq!((batch.custodian, batch.patient), (ST_MARYS, None));
		assert_eq!((batch.root, batch.leaf_count), (root, 5));
		assert_eq!((batch.anchored_at, batch.anchored_time), (4, time_of(4)));
		assert_eq!(
			last_record_event(),
			Event::BatchAnchored {
				batch_id: 0,
				custodian: ST_MARYS,
				patient: None,
				root,
				leaf_count: 5,
				data_class: DataClass::Laboratory,
			}
		);
		assert_eq!(anchor_leaves(GENERAL, Some(ALICE), &leaves[..3]), 1);
		assert_eq!(RecordsPallet::anchor_of(root), Some(Anchor::Batch(0)));
		assert_eq!(NextBatchId::<Test>::get(), 2);
	});
}

#[test]
fn every_leaf_of_an_anchored_batch_verifies_at_its_position() {
	new_test_ext_checked(|| {
		for n in [1u32, 2, 3, 7, 16, 33] {
			let leaves = leaves(n);
			let batch_id = anchor_leaves(ST_MARYS, None, &leaves);
			let tree = MerkleTree::new(&leaves).unwrap();
			for (i, leaf) in leaves.iter().enumerate() {
				let proof = tree.proof(i as u32).unwrap();
				assert!(RecordsPallet::verify_inclusion(batch_id, *leaf, proof.clone()), "{n} {i}");
				// The same proof for another commitment, batch or position fails.
				assert!(!RecordsPallet::verify_inclusion(
					batch_id,
					commitment(0xee),
					proof.clone()
				));
				assert!(!RecordsPallet::verify_inclusion(batch_id + 1, *leaf, proof.clone()));
				if n > 1 {
					let mut moved = proof.clone();
					moved.leaf_index = (moved.leaf_index + 1) % n;
					assert!(!RecordsPallet::verify_inclusion(batch_id, *leaf, moved));
				}
			}
		}
	});
}

#[test]
fn a_proof_with_a_forged_leaf_count_fails_because_the_count_is_anchored() {
	new_test_ext_checked(|| {
		// Leaf 2 of 3 has the same path as leaf 1 of 2: the root alone would accept it.
		let leaves = leaves(3);
		let tree = MerkleTree::new(&leaves).unwrap();
		let batch_id = anchor_leaves(ST_MARYS, None, &leaves);
		let mut forged = tree.proof(2).unwrap();
		forged.leaf_index = 1;
		forged.leaf_count = 2;
		assert!(healthchain_commitment::verify_inclusion(&tree.root(), &leaves[2], &forged));
		assert!(!RecordsPallet::verify_inclusion(batch_id, leaves[2], forged));
		assert!(RecordsPallet::verify_inclusion(batch_id, leaves[2], tree.proof(2).unwrap()));
	});
}

#[test]
fn the_independent_test_vectors_verify_through_the_pallet() {
	let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
	let batches = vectors["merkle_batches"].as_array().unwrap();
	assert!(batches.len() >= 10);
	new_test_ext_checked(|| {
		let mut proofs_checked = 0;
		for case in batches {
			let leaves: Vec<Commitment> =
				case["leaves_hex"].as_array().unwrap().iter().map(hex32).collect();
			let root = hex32(&case["root_hex"]);
			let leaf_count = case["leaf_count"].as_u64().unwrap() as u32;
			assert_eq!(leaves.len() as u32, leaf_count);
			let batch_id = NextBatchId::<Test>::get();
			assert_ok!(RecordsPallet::anchor_batch(
				RuntimeOrigin::signed(ST_MARYS),
				None,
				root,
				leaf_count,
				DataClass::Laboratory,
				fhir()
			));
			for vector in case["proofs"].as_array().unwrap() {
				// The proof as a client would submit it: its SCALE bytes from the vector file.
				let proof = MerkleProof::decode(&mut &hex(&vector["scale_hex"])[..]).unwrap();
				assert_eq!(proof.leaf_index as u64, vector["leaf_index"].as_u64().unwrap());
				let leaf = leaves[proof.leaf_index as usize];
				assert!(RecordsPallet::verify_inclusion(batch_id, leaf, proof.clone()));
				let mut flipped = leaf;
				flipped[31] ^= 1;
				assert!(!RecordsPallet::verify_inclusion(batch_id, flipped, proof));
				proofs_checked += 1;
			}
		}
		assert!(proofs_checked >= 50);
	});
}

#[test]
fn a_batch_holds_at_least_one_and_at_most_max_batch_size_commitments() {
	new_test_ext_checked(|| {
		for (count, error) in
			[(0, Error::<Test>::EmptyBatch), (MAX_BATCH_SIZE + 1, Error::<Test>::BatchTooLarge)]
		{
			assert_noop!(
				RecordsPallet::anchor_batch(
					RuntimeOrigin::signed(ST_MARYS),
					None,
					commitment(1),
					count,
					DataClass::Laboratory,
					fhir()
				),
				error
			);
		}
		assert_ok!(RecordsPallet::anchor_batch(
			RuntimeOrigin::signed(ST_MARYS),
			None,
			commitment(1),
			MAX_BATCH_SIZE,
			DataClass::Laboratory,
			fhir()
		));
	});
}

#[test]
fn only_a_custodian_anchors_batches_and_a_root_is_anchored_once() {
	new_test_ext_checked(|| {
		assert_noop!(
			RecordsPallet::anchor_batch(
				RuntimeOrigin::signed(CLINIC),
				None,
				commitment(1),
				3,
				DataClass::Laboratory,
				fhir()
			),
			DispatchError::BadOrigin
		);
		anchor(ST_MARYS, ALICE, commitment(2));
		anchor_leaves(ST_MARYS, None, &leaves(3));
		for root in [merkle_root(&leaves(3)).unwrap(), commitment(2), [0; 32]] {
			let error = if root == [0; 32] {
				Error::<Test>::ZeroCommitment
			} else {
				Error::<Test>::CommitmentAlreadyAnchored
			};
			assert_noop!(
				RecordsPallet::anchor_batch(
					RuntimeOrigin::signed(GENERAL),
					None,
					root,
					3,
					DataClass::Laboratory,
					fhir()
				),
				error
			);
		}
		assert_noop!(
			RecordsPallet::anchor_batch(
				RuntimeOrigin::signed(GENERAL),
				None,
				commitment(5),
				3,
				DataClass::Laboratory,
				Schema::Other(Default::default())
			),
			Error::<Test>::InvalidSchemaCode
		);
	});
}
