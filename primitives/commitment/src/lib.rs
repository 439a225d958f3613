#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "std")]
mod canonical;
mod merkle;

#[cfg(feature = "std")]
pub use canonical::{canonicalize_json, CanonicalizeError, CanonicalizeErrorKind, MAX_DEPTH};
pub use merkle::{
	merkle_leaf_hash, merkle_node_hash, merkle_proof, merkle_root, proof_length, verify_inclusion,
	verify_inclusion_in_batch, MerkleError, MerkleProof, MerkleTree, LEAF_PREFIX, MAX_PROOF_DEPTH,
	NODE_PREFIX,
};

/// Length in bytes of a record salt.
pub const SALT_LEN: usize = 32;

/// A record commitment: `blake2_256(salt ++ canonical_bytes)`.
pub type Commitment = [u8; 32];

/// The random salt that keeps a commitment to a low-entropy record from being brute-forced.
pub type Salt = [u8; SALT_LEN];

/// Commits to `canonical_bytes` under `salt`: `blake2_256(salt ++ canonical_bytes)`.
///
/// The bytes are taken as they are; use [`commit_document`] for a JSON document.
pub fn commit(salt: &Salt, canonical_bytes: &[u8]) -> Commitment {
	let mut preimage = alloc::vec::Vec::with_capacity(SALT_LEN + canonical_bytes.len());
	preimage.extend_from_slice(salt);
	preimage.extend_from_slice(canonical_bytes);
	sp_crypto_hashing::blake2_256(&preimage)
}

/// Whether `commitment` is the commitment to `canonical_bytes` under `salt`.
pub fn verify(salt: &Salt, canonical_bytes: &[u8], commitment: &Commitment) -> bool {
	commit(salt, canonical_bytes) == *commitment
}

/// Canonicalizes a JSON document (see [`canonicalize_json`]) and commits to the result.
#[cfg(feature = "std")]
pub fn commit_document(salt: &Salt, json_bytes: &[u8]) -> Result<Commitment, CanonicalizeError> {
	Ok(commit(salt, &canonicalize_json(json_bytes)?))
}

/// Whether `commitment` is the commitment to the canonical form of the JSON document
/// `json_bytes` under `salt`; an error if the document is not valid JSON.
#[cfg(feature = "std")]
pub fn verify_document(
	salt: &Salt,
	json_bytes: &[u8],
	commitment: &Commitment,
) -> Result<bool, CanonicalizeError> {
	Ok(commit_document(salt, json_bytes)? == *commitment)
}

/// The operating system's random number generator could not be read.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaltError(pub getrandom::Error);

#[cfg(feature = "std")]
impl core::fmt::Display for SaltError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(
			f,
			"cannot draw a salt from the operating system's random number generator: {}",
			self.0
		)
	}
}

#[cfg(feature = "std")]
impl std::error::Error for SaltError {}

/// Draws a fresh salt from the operating system's random number generator.
#[cfg(feature = "std")]
pub fn try_draw_salt() -> Result<Salt, SaltError> {
	let mut salt = [0u8; SALT_LEN];
	getrandom::fill(&mut salt).map_err(SaltError)?;
	Ok(salt)
}

/// Draws a fresh salt from the operating system's random number generator.
///
/// # Panics
///
/// If the operating system's random number generator cannot be read (as `rand`'s `OsRng`
/// does); a salt must never be predictable, so there is no fallback. Use [`try_draw_salt`]
/// to handle that case.
#[cfg(feature = "std")]
pub fn draw_salt() -> Salt {
	match try_draw_salt() {
		Ok(salt) => salt,
		Err(e) => panic!("{e}"),
	}
}

#[cfg(all(test, feature = "std"))]
mod tests {
	use super::*;

	#[test]
	fn commit_is_blake2_256_of_salt_then_bytes() {
		let salt = [7u8; SALT_LEN];
		let mut preimage = salt.to_vec();
		preimage.extend_from_slice(b"{\"a\":1}");
		assert_eq!(commit(&salt, b"{\"a\":1}"), sp_crypto_hashing::blake2_256(&preimage));
	}

	#[test]
	fn verify_rejects_another_salt_or_other_bytes() {
		let salt = [1u8; SALT_LEN];
		let c = commit(&salt, b"x");
		assert!(verify(&salt, b"x", &c));
		assert!(!verify(&[2u8; SALT_LEN], b"x", &c));
		assert!(!verify(&salt, b"y", &c));
	}

	#[test]
	fn commit_document_ignores_whitespace_and_key_order() {
		let salt = [3u8; SALT_LEN];
		let a = commit_document(&salt, br#"{"b": [1.0, true], "a": "x"}"#).unwrap();
		let b = commit_document(&salt, b"{\"a\":\"x\",\n \"b\":[1.0,true]}").unwrap();
		assert_eq!(a, b);
		assert_eq!(a, commit(&salt, br#"{"a":"x","b":[1.0,true]}"#));
		assert!(verify_document(&salt, br#"{"a":"x","b":[1.0,true]}"#, &a).unwrap());
		assert!(!verify_document(&salt, br#"{"a":"x","b":[1,true]}"#, &a).unwrap());
	}

	#[test]
	fn drawn_salts_differ() {
		assert_ne!(draw_salt(), draw_salt());
		assert!(try_draw_salt().is_ok());
	}
}
