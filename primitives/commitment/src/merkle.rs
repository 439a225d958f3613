//! The Merkle tree over a batch of record commitments (rules in the crate's README).

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::Commitment;

/// Domain-separation byte hashed before a commitment to make a leaf hash.
pub const LEAF_PREFIX: u8 = 0x00;

/// Domain-separation byte hashed before two child hashes to make an inner node hash.
pub const NODE_PREFIX: u8 = 0x01;

/// The most siblings a proof can carry: a batch has at most `u32::MAX` leaves, so a tree is
/// at most 32 levels above its leaves.
pub const MAX_PROOF_DEPTH: u32 = 32;

/// The hash of a leaf: `blake2_256(0x00 ++ commitment)`.
pub fn merkle_leaf_hash(commitment: &Commitment) -> [u8; 32] {
	let mut preimage = [0u8; 33];
	preimage[0] = LEAF_PREFIX;
	preimage[1..].copy_from_slice(commitment);
	sp_crypto_hashing::blake2_256(&preimage)
}

/// The hash of an inner node: `blake2_256(0x01 ++ left ++ right)`.
pub fn merkle_node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
	let mut preimage = [0u8; 65];
	preimage[0] = NODE_PREFIX;
	preimage[1..33].copy_from_slice(left);
	preimage[33..].copy_from_slice(right);
	sp_crypto_hashing::blake2_256(&preimage)
}

/// A proof that a commitment is the leaf at `leaf_index` of a batch of `leaf_count`
/// commitments whose Merkle root is known.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct MerkleProof {
	/// Position of the leaf in the batch, counted from 0 in the order of the batch export.
	pub leaf_index: u32,
	/// Number of leaves in the batch.
	pub leaf_count: u32,
	/// Sibling hashes from the leaf's level upwards; a level where the node on the path is
	/// promoted unchanged (the odd last node) contributes no sibling.
	pub siblings: Vec<[u8; 32]>,
}

/// Why a Merkle root or proof could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MerkleError {
	/// The batch has no commitments; an empty batch has no root.
	EmptyBatch,
	/// The batch has more than `u32::MAX` commitments.
	TooManyLeaves {
		/// Number of commitments given.
		count: usize,
	},
	/// The requested leaf is not in the batch.
	IndexOutOfRange {
		/// The requested leaf index.
		index: u32,
		/// Number of leaves in the batch.
		leaf_count: u32,
	},
}

impl core::fmt::Display for MerkleError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::EmptyBatch => write!(f, "an empty batch has no Merkle root"),
			Self::TooManyLeaves { count } => {
				write!(f, "a batch holds at most {} commitments, got {count}", u32::MAX)
			},
			Self::IndexOutOfRange { index, leaf_count } => {
				write!(f, "leaf index {index} is outside a batch of {leaf_count} commitments")
			},
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for MerkleError {}

/// The number of siblings a valid proof for leaf `leaf_index` of a batch of `leaf_count`
/// commitments carries, or `None` when no such leaf exists.
pub fn proof_length(leaf_index: u32, leaf_count: u32) -> Option<u32> {
	if leaf_index >= leaf_count {
		return None;
	}
	let (mut index, mut width, mut length) = (leaf_index, leaf_count, 0u32);
	while width > 1 {
		if index % 2 == 1 || index + 1 < width {
			length += 1;
		}
		index /= 2;
		width = width / 2 + width % 2;
	}
	Some(length)
}

/// Whether `proof` shows that `commitment` is a leaf of the tree with root `root`.
///
/// Rejects a proof whose index is outside its count or whose number of siblings is not the
/// one its index and count call for. The root does not commit to the batch size, so this
/// proves membership only; when the position matters, use [`verify_inclusion_in_batch`]
/// with the leaf count anchored next to the root.
pub fn verify_inclusion(root: &[u8; 32], commitment: &Commitment, proof: &MerkleProof) -> bool {
	if proof.siblings.len() > MAX_PROOF_DEPTH as usize {
		return false;
	}
	match proof_length(proof.leaf_index, proof.leaf_count) {
		Some(expected) if expected as usize == proof.siblings.len() => {},
		_ => return false,
	}
	let mut hash = merkle_leaf_hash(commitment);
	let (mut index, mut width) = (proof.leaf_index, proof.leaf_count);
	let mut siblings = proof.siblings.iter();
	while width > 1 {
		if index % 2 == 1 {
			match siblings.next() {
				Some(left) => hash = merkle_node_hash(left, &hash),
				None => return false,
			}
		} else if index + 1 < width {
			match siblings.next() {
				Some(right) => hash = merkle_node_hash(&hash, right),
				None => return false,
			}
		}
		index /= 2;
		width = width / 2 + width % 2;
	}
	siblings.next().is_none() && hash == *root
}

/// Whether `proof` shows that `commitment` is the leaf at `proof.leaf_index` of the batch of
/// `leaf_count` commitments with root `root`: [`verify_inclusion`] plus a check that the
/// proof is for a batch of that size, which pins the leaf's position.
pub fn verify_inclusion_in_batch(
	root: &[u8; 32],
	leaf_count: u32,
	commitment: &Commitment,
	proof: &MerkleProof,
) -> bool {
	proof.leaf_count == leaf_count && verify_inclusion(root, commitment, proof)
}

fn checked_count(leaves: &[Commitment]) -> Result<u32, MerkleError> {
	if leaves.is_empty() {
		return Err(MerkleError::EmptyBatch);
	}
	u32::try_from(leaves.len()).map_err(|_| MerkleError::TooManyLeaves { count: leaves.len() })
}

fn next_level(level: &[[u8; 32]]) -> Vec<[u8; 32]> {
	let mut next = Vec::with_capacity(level.len().div_ceil(2));
	let mut pairs = level.chunks_exact(2);
	for pair in &mut pairs {
		if let [left, right] = pair {
			next.push(merkle_node_hash(left, right));
		}
	}
	// An odd node at the end of a level is promoted unchanged.
	next.extend_from_slice(pairs.remainder());
	next
}

/// The Merkle root of a batch of commitments, in batch order.
pub fn merkle_root(leaves: &[Commitment]) -> Result<[u8; 32], MerkleError> {
	checked_count(leaves)?;
	let mut level: Vec<[u8; 32]> = leaves.iter().map(merkle_leaf_hash).collect();
	while level.len() > 1 {
		level = next_level(&level);
	}
	level.first().copied().ok_or(MerkleError::EmptyBatch)
}

/// The inclusion proof for leaf `index` of a batch; builds the whole tree, so use
/// [`MerkleTree`] to prove many leaves of one batch.
pub fn merkle_proof(leaves: &[Commitment], index: u32) -> Result<MerkleProof, MerkleError> {
	MerkleTree::new(leaves)?.proof(index)
}

/// A batch's Merkle tree with every level computed once, so that the root and any number of
/// proofs cost no further hashing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree {
	/// `levels[0]` are the leaf hashes, the last level is the root alone.
	levels: Vec<Vec<[u8; 32]>>,
}

impl MerkleTree {
	/// Builds the tree over `leaves` in batch order (about `2 * leaves.len()` hashes).
	pub fn new(leaves: &[Commitment]) -> Result<Self, MerkleError> {
		checked_count(leaves)?;
		let mut levels = Vec::new();
		let mut level: Vec<[u8; 32]> = leaves.iter().map(merkle_leaf_hash).collect();
		while level.len() > 1 {
			let next = next_level(&level);
			levels.push(level);
			level = next;
		}
		levels.push(level);
		Ok(Self { levels })
	}

	/// The root of the tree.
	pub fn root(&self) -> [u8; 32] {
		// `new` never builds a tree without levels or with an empty top level.
		self.levels.last().and_then(|top| top.first()).copied().unwrap_or_default()
	}

	/// The number of leaves in the batch.
	pub fn leaf_count(&self) -> u32 {
		// `new` checked that the count fits in a u32.
		self.levels.first().map_or(0, |leaves| leaves.len() as u32)
	}

	/// The inclusion proof for leaf `index`.
	pub fn proof(&self, index: u32) -> Result<MerkleProof, MerkleError> {
		let leaf_count = self.leaf_count();
		if index >= leaf_count {
			return Err(MerkleError::IndexOutOfRange { index, leaf_count });
		}
		let mut siblings = Vec::new();
		let mut position = index as usize;
		let below_root = self.levels.split_last().map_or(&[][..], |(_, below)| below);
		for level in below_root {
			if let Some(sibling) = level.get(position ^ 1) {
				siblings.push(*sibling);
			}
			position /= 2;
		}
		Ok(MerkleProof { leaf_index: index, leaf_count, siblings })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	fn leaves(n: u8) -> Vec<Commitment> {
		(0..n).map(|i| [i; 32]).collect()
	}

	#[test]
	fn empty_batch_is_an_error() {
		assert_eq!(merkle_root(&[]), Err(MerkleError::EmptyBatch));
		assert_eq!(MerkleTree::new(&[]), Err(MerkleError::EmptyBatch));
		assert_eq!(merkle_proof(&[], 0), Err(MerkleError::EmptyBatch));
	}

	#[test]
	fn single_leaf_root_is_its_leaf_hash_with_an_empty_proof() {
		let l = leaves(1);
		assert_eq!(merkle_root(&l), Ok(merkle_leaf_hash(&l[0])));
		let proof = merkle_proof(&l, 0).unwrap();
		assert!(proof.siblings.is_empty());
		assert!(verify_inclusion(&merkle_leaf_hash(&l[0]), &l[0], &proof));
	}

	#[test]
	fn three_leaves_promote_the_odd_one() {
		let l = leaves(3);
		let h: Vec<_> = l.iter().map(merkle_leaf_hash).collect();
		let root = merkle_node_hash(&merkle_node_hash(&h[0], &h[1]), &h[2]);
		assert_eq!(merkle_root(&l), Ok(root));
		let proof = merkle_proof(&l, 2).unwrap();
		assert_eq!(proof.siblings, vec![merkle_node_hash(&h[0], &h[1])]);
		assert!(verify_inclusion(&root, &l[2], &proof));
	}

	#[test]
	fn proof_for_a_missing_leaf_is_an_error() {
		assert_eq!(
			merkle_proof(&leaves(3), 3),
			Err(MerkleError::IndexOutOfRange { index: 3, leaf_count: 3 })
		);
	}

	#[test]
	fn the_root_does_not_bind_the_count_but_the_batch_check_does() {
		// Leaf 2 of 3 has the same path shape as leaf 1 of 2: the sibling is node(h0, h1).
		let l = leaves(3);
		let tree = MerkleTree::new(&l).unwrap();
		let mut forged = tree.proof(2).unwrap();
		forged.leaf_index = 1;
		forged.leaf_count = 2;
		assert!(verify_inclusion(&tree.root(), &l[2], &forged));
		assert!(!verify_inclusion_in_batch(&tree.root(), 3, &l[2], &forged));
		assert!(verify_inclusion_in_batch(&tree.root(), 3, &l[2], &tree.proof(2).unwrap()));
	}

	#[test]
	fn an_inner_node_is_not_a_leaf() {
		let l = leaves(4);
		let h: Vec<_> = l.iter().map(merkle_leaf_hash).collect();
		let root = merkle_root(&l).unwrap();
		let n01 = merkle_node_hash(&h[0], &h[1]);
		let n23 = merkle_node_hash(&h[2], &h[3]);
		let proof = MerkleProof { leaf_index: 0, leaf_count: 2, siblings: vec![n23] };
		assert!(!verify_inclusion(&root, &n01, &proof));
	}

	#[test]
	fn proofs_with_too_many_or_too_few_siblings_fail() {
		let l = leaves(5);
		let tree = MerkleTree::new(&l).unwrap();
		let mut proof = tree.proof(1).unwrap();
		proof.siblings.push([0; 32]);
		assert!(!verify_inclusion(&tree.root(), &l[1], &proof));
		proof.siblings.truncate(1);
		assert!(!verify_inclusion(&tree.root(), &l[1], &proof));
		let huge = MerkleProof {
			leaf_index: 0,
			leaf_count: u32::MAX,
			siblings: vec![[0; 32]; MAX_PROOF_DEPTH as usize + 1],
		};
		assert!(!verify_inclusion(&tree.root(), &l[0], &huge));
	}

	#[test]
	fn proof_length_matches_the_tree() {
		assert_eq!(proof_length(0, 0), None);
		assert_eq!(proof_length(0, 1), Some(0));
		assert_eq!(proof_length(2, 3), Some(1));
		assert_eq!(proof_length(0, 3), Some(2));
		assert_eq!(proof_length(0, u32::MAX), Some(32));
		assert_eq!(proof_length(u32::MAX - 1, u32::MAX), Some(31));
	}

	#[test]
	fn proof_round_trips_through_scale() {
		use codec::DecodeAll;
		let proof = merkle_proof(&leaves(9), 8).unwrap();
		let bytes = proof.encode();
		assert_eq!(MerkleProof::decode_all(&mut &bytes[..]), Ok(proof));
	}
}
