//! The content-addressed model store: approved ONNX files and their cards, named by the
//! blake2-256 of the ONNX bytes.
//!
//! Layout, in the store's directory (e.g. `<base>/models/`):
//!
//! ```text
//! <hex>.onnx         the ONNX file; <hex> = blake2-256 of its bytes, lowercase
//! <hex>.card.json    its model card, as imported
//! .tmp-*             a write in progress (or left by a crash); ignored, removed when stale
//! ```
//!
//! A model is in the store when its `.onnx` file is. Import writes the card first and the
//! ONNX file last, each atomically; removal deletes the ONNX file first. A crash in between
//! leaves at most a card without a model, which is invisible and overwritten by the next
//! import.

use crate::{
	card::{ModelCard, MAX_CARD_BYTES},
	fsio, StoreError,
};
use healthchain_inference_primitives::{CardHash, InferenceFailure, ModelHash};
use std::{
	fs, io,
	path::{Path, PathBuf},
	time::SystemTime,
};

const ONNX_SUFFIX: &str = ".onnx";
const CARD_SUFFIX: &str = ".card.json";

/// blake2-256 of an ONNX file: the model's hash, its name in the store and on chain.
pub fn model_hash(onnx_bytes: &[u8]) -> ModelHash {
	sp_crypto_hashing::blake2_256(onnx_bytes)
}

/// blake2-256 of a model card file: the `card_hash` a model is approved with on chain.
pub fn card_hash(card_bytes: &[u8]) -> CardHash {
	sp_crypto_hashing::blake2_256(card_bytes)
}

/// A model read back from the store, its bytes verified against its hash.
#[derive(Clone, Debug)]
pub struct StoredModel {
	/// The model's hash.
	pub hash: ModelHash,
	/// The ONNX file's bytes.
	pub onnx: Vec<u8>,
	/// The parsed and checked model card.
	pub card: ModelCard,
}

/// Identifies the files of a stored model as they are on disk now (sizes and modification
/// times), so that a cached plan can notice that its files changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelFingerprint {
	onnx: (u64, Option<SystemTime>),
	card: (u64, Option<SystemTime>),
}

/// The model store; see the module docs for the layout.
#[derive(Clone, Debug)]
pub struct ModelStore {
	dir: PathBuf,
	max_model_bytes: u64,
}

impl ModelStore {
	/// Opens (creating it if needed) the model store in `dir`, refusing models larger than
	/// `max_model_bytes`. Temporary files left by a crash are removed.
	pub fn open(dir: impl Into<PathBuf>, max_model_bytes: u64) -> Result<Self, StoreError> {
		let dir = dir.into();
		fsio::create_private_dir(&dir)?;
		fsio::remove_stale_temp_files(&dir, fsio::STALE_TEMP_AGE)?;
		Ok(Self { dir, max_model_bytes })
	}

	/// The store's directory.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// The path of a model's ONNX file (which may not exist).
	pub fn onnx_path(&self, hash: &ModelHash) -> PathBuf {
		self.dir.join(format!("{}{ONNX_SUFFIX}", fsio::to_hex(hash)))
	}

	/// The path of a model's card (which may not exist).
	pub fn card_path(&self, hash: &ModelHash) -> PathBuf {
		self.dir.join(format!("{}{CARD_SUFFIX}", fsio::to_hex(hash)))
	}

	/// Imports a model and its card, returning the model's hash.
	///
	/// Checks the size limit, that the card parses and follows the card rules, and that the
	/// card's `model_hash` is the blake2-256 of `onnx_bytes`. Idempotent: importing a stored
	/// model again with the same card changes nothing; with another card (same model hash),
	/// replaces the card. Whether tract can run the model is checked when it first runs
	/// (or with `Engine::check_model`).
	pub fn import(&self, onnx_bytes: &[u8], card_bytes: &[u8]) -> Result<ModelHash, StoreError> {
		let size = onnx_bytes.len() as u64;
		if size > self.max_model_bytes {
			return Err(StoreError::TooLarge { size, limit: self.max_model_bytes });
		}
		let card = ModelCard::parse(card_bytes).map_err(StoreError::InvalidModelCard)?;
		let hash = model_hash(onnx_bytes);
		if card.model_hash() != hash {
			return Err(StoreError::CardHashMismatch { card: card.model_hash, actual: hash });
		}
		let hex = fsio::to_hex(&hash);
		let unchanged = |path: PathBuf, bytes: &[u8]| -> io::Result<bool> {
			match fs::read(path) {
				Ok(stored) => Ok(stored == bytes),
				Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
				Err(e) => Err(e),
			}
		};
		if !unchanged(self.card_path(&hash), card_bytes)? {
			fsio::write_atomic(&self.dir, &format!("{hex}{CARD_SUFFIX}"), card_bytes)?;
		}
		if !unchanged(self.onnx_path(&hash), onnx_bytes)? {
			fsio::write_atomic(&self.dir, &format!("{hex}{ONNX_SUFFIX}"), onnx_bytes)?;
		}
		log::info!(target: "healthchain-engine", "model {hex} ({} {}) imported", card.name, card.version);
		Ok(hash)
	}

	/// Reads a model and its card, re-hashing the ONNX file: `ModelNotFound`, `TooLarge`
	/// (the file is over the size limit), `ModelHashMismatch` (the file was altered) or
	/// `InvalidModelCard` (the card is missing, malformed or names another model).
	pub fn get(&self, hash: &ModelHash) -> Result<StoredModel, StoreError> {
		let onnx = match fsio::read_limited(&self.onnx_path(hash), self.max_model_bytes) {
			Ok(Ok(bytes)) => bytes,
			Ok(Err(size)) => {
				return Err(StoreError::TooLarge { size, limit: self.max_model_bytes })
			},
			Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StoreError::ModelNotFound),
			Err(e) => return Err(e.into()),
		};
		let actual = model_hash(&onnx);
		if actual != *hash {
			return Err(StoreError::ModelHashMismatch { expected: *hash, actual });
		}
		let card_bytes = match fsio::read_limited(&self.card_path(hash), MAX_CARD_BYTES as u64) {
			Ok(Ok(bytes)) => bytes,
			Ok(Err(size)) => {
				return Err(StoreError::InvalidModelCard(format!("the card is {size} bytes")))
			},
			Err(e) if e.kind() == io::ErrorKind::NotFound => {
				return Err(StoreError::InvalidModelCard("the model has no card".into()))
			},
			Err(e) => return Err(e.into()),
		};
		let card = ModelCard::parse(&card_bytes).map_err(StoreError::InvalidModelCard)?;
		if card.model_hash() != *hash {
			return Err(StoreError::CardHashMismatch { card: card.model_hash, actual: *hash });
		}
		Ok(StoredModel { hash: *hash, onnx, card })
	}

	/// Checks that the stored card of model `hash` is byte for byte the card the chain
	/// approved, whose blake2-256 is `expected`: `UnknownModel` if the model is not in the
	/// store, `InvalidModelCard` if its card is missing or unreadable, `ModelCardMismatch` if
	/// the card differs (re-importing a model with another card replaces the card, so a node
	/// can hold a card nobody approved).
	pub fn check_card(
		&self,
		hash: &ModelHash,
		expected: &CardHash,
	) -> Result<(), InferenceFailure> {
		if !self.contains(hash) {
			return Err(InferenceFailure::UnknownModel);
		}
		let bytes = match fsio::read_limited(&self.card_path(hash), MAX_CARD_BYTES as u64) {
			Ok(Ok(bytes)) => bytes,
			Ok(Err(_)) => return Err(InferenceFailure::InvalidModelCard),
			Err(e) if e.kind() == io::ErrorKind::NotFound => {
				return Err(InferenceFailure::InvalidModelCard)
			},
			Err(e) => {
				log::error!(target: "healthchain-engine", "cannot read the card of a model: {e}");
				return Err(InferenceFailure::EngineError);
			},
		};
		if card_hash(&bytes) == *expected {
			Ok(())
		} else {
			log::warn!(
				target: "healthchain-engine",
				"the card of model {} is not the approved one (approved {}, stored {})",
				fsio::to_hex(hash),
				fsio::to_hex(expected),
				fsio::to_hex(&card_hash(&bytes)),
			);
			Err(InferenceFailure::ModelCardMismatch)
		}
	}

	/// Whether the model's ONNX file is in the store (not verified; see [`ModelStore::get`]).
	pub fn contains(&self, hash: &ModelHash) -> bool {
		self.onnx_path(hash).is_file()
	}

	/// The sizes and modification times of a model's files; `None` if the model is not in the
	/// store. Cheap (two `stat` calls): the engine checks it before each use of a cached plan.
	pub fn fingerprint(&self, hash: &ModelHash) -> Result<Option<ModelFingerprint>, StoreError> {
		let stat = |path: PathBuf| -> io::Result<Option<(u64, Option<SystemTime>)>> {
			match fs::metadata(path) {
				Ok(meta) => Ok(Some((meta.len(), meta.modified().ok()))),
				Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
				Err(e) => Err(e),
			}
		};
		let Some(onnx) = stat(self.onnx_path(hash))? else { return Ok(None) };
		let card = stat(self.card_path(hash))?.unwrap_or((0, None));
		Ok(Some(ModelFingerprint { onnx, card }))
	}

	/// The hashes of the stored models, sorted.
	pub fn list(&self) -> Result<Vec<ModelHash>, StoreError> {
		Ok(fsio::list_hex_names(&self.dir, ONNX_SUFFIX)?)
	}

	/// Removes a model and its card; `Ok(false)` if it was not in the store.
	pub fn remove(&self, hash: &ModelHash) -> Result<bool, StoreError> {
		let removed = match fs::remove_file(self.onnx_path(hash)) {
			Ok(()) => true,
			Err(e) if e.kind() == io::ErrorKind::NotFound => false,
			Err(e) => return Err(e.into()),
		};
		match fs::remove_file(self.card_path(hash)) {
			Ok(()) => {},
			Err(e) if e.kind() == io::ErrorKind::NotFound => {},
			Err(e) => return Err(e.into()),
		}
		fsio::sync_dir(&self.dir)?;
		if removed {
			log::info!(target: "healthchain-engine", "model {} removed", fsio::to_hex(hash));
		}
		Ok(removed)
	}
}
