//! Checks the crate against `test-vectors/commitment-vectors.json`, which an independent
//! Python implementation (`scripts/commitment_vectors.py`) wrote.

use codec::{Decode, Encode};
use healthchain_commitment::*;
use serde_json::Value;

const VECTORS: &str = include_str!("../test-vectors/commitment-vectors.json");

fn vectors() -> Value {
	serde_json::from_str(VECTORS).expect("the test vectors are JSON")
}

fn hex(value: &Value) -> Vec<u8> {
	let text = value.as_str().expect("a hex string");
	assert!(text.len().is_multiple_of(2), "odd-length hex {text}");
	(0..text.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
		.collect()
}

fn hex32(value: &Value) -> [u8; 32] {
	hex(value).try_into().expect("32 bytes")
}

fn list(value: &Value) -> &Vec<Value> {
	value.as_array().expect("an array")
}

#[test]
fn canonical_forms_and_commitments_match_the_python_vectors() {
	let v = vectors();
	let cases = list(&v["canonicalization"]);
	assert!(cases.len() >= 10);
	for case in cases {
		let note = case["note"].as_str().unwrap_or_default();
		let input = hex(&case["input_hex"]);
		let canonical = canonicalize_json(&input).unwrap_or_else(|e| panic!("{note}: {e}"));
		assert_eq!(canonical, hex(&case["canonical_hex"]), "{note}");
		assert_eq!(
			std::str::from_utf8(&canonical).unwrap(),
			case["canonical_utf8"].as_str().unwrap(),
			"{note}"
		);
		let salt = hex32(&case["salt_hex"]);
		let commitment = hex32(&case["commitment_hex"]);
		assert_eq!(commit_document(&salt, &input), Ok(commitment), "{note}");
		assert_eq!(commit(&salt, &canonical), commitment, "{note}");
		assert!(verify(&salt, &canonical, &commitment), "{note}");
	}
}

#[test]
fn rejected_documents_fail_with_the_named_error_at_the_same_offset() {
	let v = vectors();
	let cases = list(&v["rejected"]);
	assert!(cases.len() >= 30);
	for case in cases {
		let input = hex(&case["input_hex"]);
		let error = canonicalize_json(&input).expect_err("the vector is invalid JSON");
		let shown = String::from_utf8_lossy(&input).into_owned();
		assert_eq!(format!("{:?}", error.kind), case["error"].as_str().unwrap(), "{shown:?}");
		assert_eq!(error.offset as u64, case["offset"].as_u64().unwrap(), "{shown:?}");
	}
}

#[test]
fn raw_commitments_match_the_python_vectors() {
	let v = vectors();
	for case in list(&v["raw_commitments"]) {
		let salt = hex32(&case["salt_hex"]);
		assert_eq!(commit(&salt, &hex(&case["bytes_hex"])), hex32(&case["commitment_hex"]));
	}
}

#[test]
fn merkle_roots_and_proofs_match_the_python_vectors() {
	let v = vectors();
	for batch in list(&v["merkle_batches"]) {
		let leaves: Vec<Commitment> = list(&batch["leaves_hex"]).iter().map(hex32).collect();
		let count = leaves.len() as u32;
		assert_eq!(count as u64, batch["leaf_count"].as_u64().unwrap());
		let leaf_hashes: Vec<[u8; 32]> =
			list(&batch["leaf_hashes_hex"]).iter().map(hex32).collect();
		assert_eq!(leaves.iter().map(merkle_leaf_hash).collect::<Vec<_>>(), leaf_hashes);
		let root = hex32(&batch["root_hex"]);
		assert_eq!(merkle_root(&leaves), Ok(root), "batch of {count}");
		let tree = MerkleTree::new(&leaves).unwrap();
		assert_eq!(tree.root(), root);
		for expected in list(&batch["proofs"]) {
			let index = expected["leaf_index"].as_u64().unwrap() as u32;
			let proof = tree.proof(index).unwrap();
			assert_eq!(proof.leaf_count, expected["leaf_count"].as_u64().unwrap() as u32);
			let siblings: Vec<[u8; 32]> =
				list(&expected["siblings_hex"]).iter().map(hex32).collect();
			assert_eq!(proof.siblings, siblings, "leaf {index} of {count}");
			let scale = hex(&expected["scale_hex"]);
			assert_eq!(proof.encode(), scale, "leaf {index} of {count}");
			assert_eq!(MerkleProof::decode(&mut &scale[..]), Ok(proof.clone()));
			assert_eq!(merkle_proof(&leaves, index), Ok(proof.clone()));
			assert!(verify_inclusion_in_batch(&root, count, &leaves[index as usize], &proof));
		}
	}
}
