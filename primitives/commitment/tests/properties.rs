//! Property tests: Merkle proofs verify for every leaf and fail for any tampering;
//! canonicalization is idempotent and ignores whitespace, member order and escaping.

use std::collections::BTreeMap;

use codec::{Decode, Encode};
use healthchain_commitment::*;
use proptest::prelude::*;

fn batch(max: usize) -> impl Strategy<Value = Vec<Commitment>> {
	prop::collection::vec(any::<[u8; 32]>(), 1..=max)
}

/// A batch, a leaf index in it and a bit position (0..256).
fn batch_leaf_bit() -> impl Strategy<Value = (Vec<Commitment>, u32, usize)> {
	batch(300).prop_flat_map(|leaves| {
		let n = leaves.len() as u32;
		(Just(leaves), 0..n, 0..256usize)
	})
}

fn flip(bytes: &mut [u8; 32], bit: usize) {
	bytes[bit / 8] ^= 1 << (bit % 8);
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	#[test]
	fn every_leaf_of_a_batch_verifies(leaves in batch(300)) {
		let tree = MerkleTree::new(&leaves).unwrap();
		let root = tree.root();
		prop_assert_eq!(merkle_root(&leaves), Ok(root));
		let count = leaves.len() as u32;
		prop_assert_eq!(tree.leaf_count(), count);
		for (index, leaf) in leaves.iter().enumerate() {
			let proof = tree.proof(index as u32).unwrap();
			prop_assert_eq!(Some(proof.siblings.len() as u32), proof_length(index as u32, count));
			prop_assert!(proof.siblings.len() <= MAX_PROOF_DEPTH as usize);
			prop_assert!(verify_inclusion(&root, leaf, &proof));
			prop_assert!(verify_inclusion_in_batch(&root, count, leaf, &proof));
			prop_assert_eq!(MerkleProof::decode(&mut &proof.encode()[..]), Ok(proof));
		}
		prop_assert!(tree.proof(count).is_err());
	}

	#[test]
	fn a_flipped_bit_in_the_commitment_fails((leaves, index, bit) in batch_leaf_bit()) {
		let tree = MerkleTree::new(&leaves).unwrap();
		let proof = tree.proof(index).unwrap();
		let mut leaf = leaves[index as usize];
		flip(&mut leaf, bit);
		prop_assert!(!verify_inclusion(&tree.root(), &leaf, &proof));
	}

	#[test]
	fn a_flipped_bit_in_the_root_fails((leaves, index, bit) in batch_leaf_bit()) {
		let tree = MerkleTree::new(&leaves).unwrap();
		let proof = tree.proof(index).unwrap();
		let mut root = tree.root();
		flip(&mut root, bit);
		prop_assert!(!verify_inclusion(&root, &leaves[index as usize], &proof));
	}

	#[test]
	fn a_flipped_bit_in_a_sibling_fails(
		(leaves, index, bit) in batch_leaf_bit(),
		which in any::<prop::sample::Index>(),
	) {
		let tree = MerkleTree::new(&leaves).unwrap();
		let mut proof = tree.proof(index).unwrap();
		prop_assume!(!proof.siblings.is_empty());
		let s = which.index(proof.siblings.len());
		flip(&mut proof.siblings[s], bit);
		prop_assert!(!verify_inclusion(&tree.root(), &leaves[index as usize], &proof));
	}

	#[test]
	fn a_wrong_index_fails(
		leaves in batch(300),
		a in any::<prop::sample::Index>(),
		b in any::<prop::sample::Index>(),
	) {
		let (index, claimed) = (a.index(leaves.len()) as u32, b.index(leaves.len()) as u32);
		prop_assume!(index != claimed);
		let tree = MerkleTree::new(&leaves).unwrap();
		let mut proof = tree.proof(index).unwrap();
		proof.leaf_index = claimed;
		prop_assert!(!verify_inclusion(&tree.root(), &leaves[index as usize], &proof));
		prop_assert!(!verify_inclusion_in_batch(
			&tree.root(),
			leaves.len() as u32,
			&leaves[index as usize],
			&proof
		));
	}

	#[test]
	fn a_wrong_count_fails_against_the_anchored_count(
		leaves in batch(300),
		a in any::<prop::sample::Index>(),
		claimed_count in 1u32..1000,
	) {
		let count = leaves.len() as u32;
		prop_assume!(claimed_count != count);
		let index = a.index(leaves.len()) as u32;
		let tree = MerkleTree::new(&leaves).unwrap();
		let mut proof = tree.proof(index).unwrap();
		proof.leaf_count = claimed_count;
		let leaf = &leaves[index as usize];
		prop_assert!(!verify_inclusion_in_batch(&tree.root(), count, leaf, &proof));
		// Without the anchored count a wrong count is rejected unless it describes the
		// very same path, in which case the leaf is still a member of the batch.
		if proof_length(index, claimed_count) != Some(proof.siblings.len() as u32) {
			prop_assert!(!verify_inclusion(&tree.root(), leaf, &proof));
		}
	}

	#[test]
	fn a_proof_with_a_sibling_added_or_removed_fails((leaves, index, _bit) in batch_leaf_bit()) {
		let tree = MerkleTree::new(&leaves).unwrap();
		let leaf = &leaves[index as usize];
		let mut longer = tree.proof(index).unwrap();
		longer.siblings.push(tree.root());
		prop_assert!(!verify_inclusion(&tree.root(), leaf, &longer));
		let mut shorter = tree.proof(index).unwrap();
		if shorter.siblings.pop().is_some() {
			prop_assert!(!verify_inclusion(&tree.root(), leaf, &shorter));
		}
	}
}

// --- canonicalization -------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Json {
	Null,
	Bool(bool),
	Number(String),
	Str(String),
	Array(Vec<Json>),
	Object(BTreeMap<String, Json>),
}

fn json() -> impl Strategy<Value = Json> {
	let leaf = prop_oneof![
		Just(Json::Null),
		any::<bool>().prop_map(Json::Bool),
		"-?(0|[1-9][0-9]{0,12})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?".prop_map(Json::Number),
		any::<String>().prop_map(Json::Str),
	];
	leaf.prop_recursive(6, 64, 6, |inner| {
		prop_oneof![
			prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
			prop::collection::btree_map(any::<String>(), inner, 0..6).prop_map(Json::Object),
		]
	})
}

/// The canonical form, written directly from the rules.
fn reference(value: &Json, out: &mut String) {
	match value {
		Json::Null => out.push_str("null"),
		Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
		Json::Number(n) => out.push_str(n),
		Json::Str(s) => reference_string(s, out),
		Json::Array(items) => {
			out.push('[');
			for (i, item) in items.iter().enumerate() {
				if i > 0 {
					out.push(',');
				}
				reference(item, out);
			}
			out.push(']');
		},
		// A BTreeMap<String, _> iterates in byte order of the UTF-8 keys.
		Json::Object(members) => {
			out.push('{');
			for (i, (key, item)) in members.iter().enumerate() {
				if i > 0 {
					out.push(',');
				}
				reference_string(key, out);
				out.push(':');
				reference(item, out);
			}
			out.push('}');
		},
	}
}

fn reference_string(s: &str, out: &mut String) {
	out.push('"');
	for c in s.chars() {
		match c {
			'"' => out.push_str("\\\""),
			'\\' => out.push_str("\\\\"),
			'\u{8}' => out.push_str("\\b"),
			'\u{c}' => out.push_str("\\f"),
			'\n' => out.push_str("\\n"),
			'\r' => out.push_str("\\r"),
			'\t' => out.push_str("\\t"),
			c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
			c => out.push(c),
		}
	}
	out.push('"');
}

/// Writes `value` as valid but non-canonical JSON, with whitespace, member order and
/// escaping chosen by `noise`.
struct Messy<'a> {
	noise: &'a [u8],
	at: usize,
}

impl Messy<'_> {
	fn pick(&mut self) -> u8 {
		let n = self.noise.get(self.at % self.noise.len().max(1)).copied().unwrap_or(0);
		self.at += 1;
		n
	}

	fn ws(&mut self, out: &mut String) {
		out.push_str(["", " ", "\n", "\t", "\r\n  ", ""][usize::from(self.pick() % 6)]);
	}

	fn value(&mut self, value: &Json, out: &mut String) {
		match value {
			Json::Null | Json::Bool(_) | Json::Number(_) => reference(value, out),
			Json::Str(s) => self.string(s, out),
			Json::Array(items) => {
				out.push('[');
				self.ws(out);
				for (i, item) in items.iter().enumerate() {
					if i > 0 {
						out.push(',');
						self.ws(out);
					}
					self.value(item, out);
					self.ws(out);
				}
				out.push(']');
			},
			Json::Object(members) => {
				let mut members: Vec<_> = members.iter().collect();
				let rotate = usize::from(self.pick()) % members.len().max(1);
				members.rotate_left(rotate);
				if self.pick().is_multiple_of(2) {
					members.reverse();
				}
				out.push('{');
				self.ws(out);
				for (i, (key, item)) in members.into_iter().enumerate() {
					if i > 0 {
						out.push(',');
						self.ws(out);
					}
					self.string(key, out);
					self.ws(out);
					out.push(':');
					self.ws(out);
					self.value(item, out);
					self.ws(out);
				}
				out.push('}');
			},
		}
	}

	fn string(&mut self, s: &str, out: &mut String) {
		out.push('"');
		for c in s.chars() {
			let must_escape = c == '"' || c == '\\' || (c as u32) < 0x20;
			match self.pick() % 3 {
				0 if !must_escape => out.push(c),
				1 if c == '/' => out.push_str("\\/"),
				_ => {
					let mut units = [0u16; 2];
					for unit in c.encode_utf16(&mut units) {
						if self.pick().is_multiple_of(2) {
							out.push_str(&format!("\\u{:04x}", unit));
						} else {
							out.push_str(&format!("\\u{:04X}", unit));
						}
					}
				},
			}
		}
		out.push('"');
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(256))]

	#[test]
	fn canonical_form_ignores_whitespace_member_order_and_escaping(
		value in json(),
		noise_a in prop::collection::vec(any::<u8>(), 1..64),
		noise_b in prop::collection::vec(any::<u8>(), 1..64),
	) {
		let mut expected = String::new();
		reference(&value, &mut expected);
		let (mut a, mut b) = (String::new(), String::new());
		Messy { noise: &noise_a, at: 0 }.value(&value, &mut a);
		Messy { noise: &noise_b, at: 0 }.value(&value, &mut b);
		let canon_a = canonicalize_json(a.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e} in {a:?}")))?;
		let canon_b = canonicalize_json(b.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e} in {b:?}")))?;
		prop_assert_eq!(String::from_utf8(canon_a.clone()).unwrap(), expected);
		prop_assert_eq!(&canon_a, &canon_b);
		let salt = [9u8; SALT_LEN];
		prop_assert_eq!(commit_document(&salt, a.as_bytes()), commit_document(&salt, b.as_bytes()));
	}

	#[test]
	fn canonicalization_is_idempotent(value in json(), noise in prop::collection::vec(any::<u8>(), 1..64)) {
		let mut messy = String::new();
		Messy { noise: &noise, at: 0 }.value(&value, &mut messy);
		let once = canonicalize_json(messy.as_bytes()).unwrap();
		prop_assert_eq!(canonicalize_json(&once), Ok(once.clone()));
	}

	#[test]
	fn arbitrary_bytes_never_panic_and_accepted_ones_are_stable(input in prop::collection::vec(any::<u8>(), 0..256)) {
		if let Ok(once) = canonicalize_json(&input) {
			prop_assert_eq!(canonicalize_json(&once), Ok(once.clone()));
		}
	}

	#[test]
	fn json_like_text_never_panics(input in "[\\[\\]{}\",:0-9eE.+\\- \\\\ntrufalsu]{0,64}") {
		if let Ok(once) = canonicalize_json(input.as_bytes()) {
			prop_assert_eq!(canonicalize_json(&once), Ok(once.clone()));
		}
	}
}

#[test]
fn a_batch_of_100_000_leaves_builds_once_and_proves_cheaply() {
	let leaves: Vec<Commitment> = (0u32..100_000)
		.map(|i| {
			let mut c = [0u8; 32];
			c[..4].copy_from_slice(&i.to_le_bytes());
			c
		})
		.collect();
	let tree = MerkleTree::new(&leaves).unwrap();
	let root = tree.root();
	assert_eq!(merkle_root(&leaves), Ok(root));
	for index in (0..100_000u32).step_by(997).chain([99_998, 99_999]) {
		let proof = tree.proof(index).unwrap();
		// 17 levels above the leaves; a leaf on a promoted path skips some of them.
		assert_eq!(Some(proof.siblings.len() as u32), proof_length(index, 100_000));
		assert!(proof.siblings.len() <= 17);
		if index == 0 {
			assert_eq!(proof.siblings.len(), 17);
		}
		assert!(verify_inclusion_in_batch(&root, 100_000, &leaves[index as usize], &proof));
	}
}
