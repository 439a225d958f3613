//! The model and record stores: round trips, idempotence, erasure, crash safety.

use crate::common::*;
use healthchain_commitment::{canonicalize_json, commit, Salt};
use healthchain_engine::{
	model_hash, InferenceEngine, InferenceFailure, ModelStore, RecordStore, StoreError,
};
use std::fs;

const LIMIT: u64 = 16 * 1024 * 1024;

fn file_names(dir: &std::path::Path) -> Vec<String> {
	let mut names: Vec<String> =
		fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
	names.sort();
	names
}

// ---- models ----

#[test]
fn models_import_get_list_and_remove() {
	let dir = tempfile::tempdir().unwrap();
	let store = ModelStore::open(dir.path(), LIMIT).unwrap();
	assert!(store.list().unwrap().is_empty());
	let breast = store.import(&onnx(BREAST), &card(BREAST)).unwrap();
	let diabetes = store.import(&onnx(DIABETES), &card(DIABETES)).unwrap();
	assert_eq!(hex(&breast), "9a60b797ad1c067550ec6432ab160bbaba5c9a105971fe472f4fb454d9af062e");
	assert_eq!(breast, model_hash(&onnx(BREAST)));
	let mut both = vec![breast, diabetes];
	both.sort();
	assert_eq!(store.list().unwrap(), both);

	let stored = store.get(&breast).unwrap();
	assert_eq!(stored.onnx, onnx(BREAST));
	assert_eq!(stored.card.name, BREAST);
	assert_eq!(stored.card.input_features.len(), 30);
	assert_eq!(
		file_names(dir.path()),
		[
			"592746fd9dd9c63a40291ffd12f0d81e92a6d08f68da4c37e3372e0f28224f17.card.json",
			"592746fd9dd9c63a40291ffd12f0d81e92a6d08f68da4c37e3372e0f28224f17.onnx",
			"9a60b797ad1c067550ec6432ab160bbaba5c9a105971fe472f4fb454d9af062e.card.json",
			"9a60b797ad1c067550ec6432ab160bbaba5c9a105971fe472f4fb454d9af062e.onnx",
		]
	);

	assert!(store.remove(&breast).unwrap());
	assert!(!store.remove(&breast).unwrap());
	assert_eq!(store.list().unwrap(), vec![diabetes]);
	assert!(matches!(store.get(&breast), Err(StoreError::ModelNotFound)));
}

#[test]
fn reimporting_a_model_is_idempotent_and_may_replace_its_card() {
	let dir = tempfile::tempdir().unwrap();
	let store = ModelStore::open(dir.path(), LIMIT).unwrap();
	let first = store.import(&onnx(BREAST), &card(BREAST)).unwrap();
	let modified = fs::metadata(store.onnx_path(&first)).unwrap().modified().unwrap();
	assert_eq!(store.import(&onnx(BREAST), &card(BREAST)).unwrap(), first);
	assert_eq!(fs::metadata(store.onnx_path(&first)).unwrap().modified().unwrap(), modified);
	assert_eq!(store.list().unwrap().len(), 1);

	let new_card = card_for(BREAST, &onnx(BREAST), |c| c["version"] = "1.0.1".into());
	assert_eq!(store.import(&onnx(BREAST), &new_card).unwrap(), first);
	assert_eq!(store.get(&first).unwrap().card.version, "1.0.1");
	assert_eq!(file_names(dir.path()).len(), 2);
}

#[test]
fn a_crash_between_card_and_model_leaves_no_model() {
	// Import writes the card, then the model; a crash in between leaves only the card.
	let dir = tempfile::tempdir().unwrap();
	let store = ModelStore::open(dir.path(), LIMIT).unwrap();
	let hash = model_hash(&onnx(BREAST));
	fs::write(store.card_path(&hash), card(BREAST)).unwrap();
	assert!(store.list().unwrap().is_empty());
	assert!(!store.contains(&hash));
	assert!(matches!(store.get(&hash), Err(StoreError::ModelNotFound)));
	assert_eq!(store.import(&onnx(BREAST), &card(BREAST)).unwrap(), hash);
	assert!(store.get(&hash).is_ok());
}

#[test]
fn a_torn_model_write_is_invisible_and_harmless() {
	let dir = tempfile::tempdir().unwrap();
	let store = ModelStore::open(dir.path(), LIMIT).unwrap();
	let hash = store.import(&onnx(BREAST), &card(BREAST)).unwrap();
	// What a crash during the write of a new version of the card and a new model leaves.
	let hex = hex(&hash);
	fs::write(dir.path().join(format!(".tmp-{hex}.card.json-1-1")), b"{\"schema\":").unwrap();
	let diabetes = onnx(DIABETES);
	fs::write(dir.path().join(format!(".tmp-{}.onnx-1-2", hex_of(&diabetes))), &diabetes[..100])
		.unwrap();
	let reopened = ModelStore::open(dir.path(), LIMIT).unwrap();
	assert_eq!(reopened.list().unwrap(), vec![hash]);
	assert_eq!(reopened.get(&hash).unwrap().card.name, BREAST);
}

fn hex_of(onnx: &[u8]) -> String {
	hex(&model_hash(onnx))
}

// ---- records ----

#[test]
fn records_import_read_list_and_remove() {
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	let one = store.import(ALICE, &bundle(1)).unwrap();
	let two = store.import(BOB, &bundle(2)).unwrap();
	let mut both = vec![one, two];
	both.sort();
	assert_eq!(store.list().unwrap(), both);

	let record = store.read(&one).unwrap();
	assert_eq!(record.commitment(), &one);
	assert_eq!(record.patient(), ALICE);
	assert_eq!(record.canonical_bytes(), canonicalize_json(&bundle(1)).unwrap());
	assert_eq!(file_names(dir.path()), {
		let mut names = vec![format!("{}.record", hex(&one)), format!("{}.record", hex(&two))];
		names.sort();
		names
	});

	assert!(store.remove(&one).unwrap());
	assert!(!store.remove(&one).unwrap());
	assert!(matches!(store.read(&one), Err(StoreError::RecordNotFound)));
	assert_eq!(store.list().unwrap(), vec![two]);
}

#[test]
fn a_removed_record_is_not_held() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(3)).unwrap();
	assert!(engine.run(&model, &commitment).is_ok());
	assert!(engine.records().remove(&commitment).unwrap());
	assert_eq!(engine.run(&model, &commitment), Err(InferenceFailure::RecordNotHeld));
	assert!(file_names(engine.records().dir()).is_empty());
}

#[test]
fn reimporting_a_record_is_idempotent_for_the_same_patient_only() {
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	let first = store.import(ALICE, &bundle(1)).unwrap();
	assert_eq!(store.import(ALICE, &bundle(1)).unwrap(), first);
	// Whitespace and member order do not make another record.
	let reformatted =
		serde_json::to_vec(&json(models_dir().join("examples/patient-1.bundle.json"))).unwrap();
	assert_ne!(reformatted, bundle(1));
	assert_eq!(store.import(ALICE, &reformatted).unwrap(), first);
	assert_eq!(store.list().unwrap(), vec![first]);
	// The same document for another patient is another record, with its own salt.
	let other = store.import(BOB, &bundle(1)).unwrap();
	assert_ne!(other, first);
	assert_eq!(store.list().unwrap().len(), 2);
	// After erasure, a new import draws a new salt: the old commitment is not revived.
	assert!(store.remove(&first).unwrap());
	let again = store.import(ALICE, &bundle(1)).unwrap();
	assert_ne!(again, first);
}

#[test]
fn a_commitment_is_reproducible_from_the_record_file() {
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	let commitment = store.import(ALICE, &bundle(4)).unwrap();
	// The layout documented in the README.
	let file = read(store.record_path(&commitment));
	assert_eq!(&file[..21], b"healthchain-record/1\n");
	let salt: Salt = file[21..53].try_into().unwrap();
	let patient_len = u16::from_le_bytes([file[53], file[54]]) as usize;
	assert_eq!(&file[55..55 + patient_len], ALICE.as_bytes());
	let canonical = &file[55 + patient_len..];
	assert_eq!(canonical, canonicalize_json(&bundle(4)).unwrap());
	assert_eq!(commit(&salt, canonical), commitment);
	assert_ne!(salt, [0; 32]);
}

#[test]
fn a_record_file_is_private_and_its_debug_form_holds_no_health_data() {
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path().join("records"), LIMIT).unwrap();
	let commitment = store.import(ALICE, &bundle(1)).unwrap();
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		let mode = fs::metadata(store.record_path(&commitment)).unwrap().permissions().mode();
		assert_eq!(mode & 0o077, 0, "record file mode {mode:o}");
		let mode = fs::metadata(store.dir()).unwrap().permissions().mode();
		assert_eq!(mode & 0o077, 0, "record dir mode {mode:o}");
	}
	let debug = format!("{:?}", store.read(&commitment).unwrap());
	assert!(debug.contains(&hex(&commitment)));
	assert!(!debug.contains("20.94") && !debug.contains("Alpha"), "{debug}");
}

#[test]
fn patients_must_be_ss58_accounts() {
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	for bad in ["", "alice", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", &"5".repeat(200)] {
		assert!(
			matches!(store.import(bad, &bundle(1)), Err(StoreError::InvalidPatient(_))),
			"{bad:?}"
		);
	}
	assert!(store.list().unwrap().is_empty());
}

#[test]
fn an_interrupted_record_write_leaves_the_old_state() {
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	let old = store.import(ALICE, &bundle(1)).unwrap();
	let old_file = read(store.record_path(&old));

	// A crash while importing bundle 2 leaves its temporary file: complete but not renamed,
	// or truncated. Both are what `write_atomic` leaves before its rename; readers ignore them.
	let other = tempfile::tempdir().unwrap();
	let other_store = RecordStore::open(other.path(), LIMIT).unwrap();
	let new = other_store.import(BOB, &bundle(2)).unwrap();
	let new_file = read(other_store.record_path(&new));
	let name = format!("{}.record", hex(&new));
	fs::write(dir.path().join(format!(".tmp-{name}-4242-0")), &new_file).unwrap();
	fs::write(dir.path().join(format!(".tmp-{name}-4242-1")), &new_file[..new_file.len() / 3])
		.unwrap();

	for store in [store, RecordStore::open(dir.path(), LIMIT).unwrap()] {
		assert_eq!(store.list().unwrap(), vec![old]);
		assert!(matches!(store.read(&new), Err(StoreError::RecordNotFound)));
		assert_eq!(read(store.record_path(&old)), old_file);
		assert_eq!(store.read(&old).unwrap().patient(), ALICE);
	}
	// Retrying the import after the crash completes it.
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	let retried = store.import(BOB, &bundle(2)).unwrap();
	assert_eq!(store.list().unwrap().len(), 2);
	assert_eq!(store.read(&retried).unwrap().patient(), BOB);
}

#[test]
fn a_record_file_truncated_in_place_is_a_commitment_mismatch_not_a_panic() {
	// Not something `write_atomic` produces; a disk fault or a careless operator might.
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	let commitment = store.import(ALICE, &bundle(1)).unwrap();
	let file = read(store.record_path(&commitment));
	for len in [0, 10, 21, 53, 55, 60, file.len() - 1] {
		fs::write(store.record_path(&commitment), &file[..len]).unwrap();
		let err = store.read(&commitment).unwrap_err();
		assert!(
			matches!(err, StoreError::CorruptRecord(_) | StoreError::CommitmentMismatch),
			"{len}: {err:?}"
		);
		assert_eq!(err.as_failure(), InferenceFailure::RecordCommitmentMismatch);
	}
}

// ---- record export and import between custodians ----

#[test]
fn an_exported_record_keeps_its_commitment_in_another_store() {
	let engine = engine();
	let model = import_shipped(&engine, BREAST);
	let commitment = engine.records().import(ALICE, &bundle(2)).unwrap();
	let export = engine.records().export(&commitment).unwrap();
	assert_eq!(export, read(engine.records().record_path(&commitment)));

	let other = self::engine();
	import_shipped(&other, BREAST);
	assert_eq!(other.records().import_export(&export).unwrap(), commitment);
	assert_eq!(other.records().read(&commitment).unwrap().patient(), ALICE);
	// Both hospitals' nodes give the same answer under the one commitment.
	assert_eq!(other.run(&model, &commitment), engine.run(&model, &commitment));
	assert!(other.run(&model, &commitment).is_ok());
	// Importing it again writes nothing new.
	assert_eq!(other.records().import_export(&export).unwrap(), commitment);
	assert_eq!(other.records().list().unwrap(), vec![commitment]);
}

#[test]
fn exporting_a_record_not_held_or_altered_is_refused() {
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), LIMIT).unwrap();
	assert!(matches!(store.export(&[7; 32]), Err(StoreError::RecordNotFound)));
	let commitment = store.import(ALICE, &bundle(1)).unwrap();
	let path = store.record_path(&commitment);
	let mut file = read(&path);
	let last = file.len() - 2;
	file[last] ^= 1;
	fs::write(&path, &file).unwrap();
	assert!(matches!(store.export(&commitment), Err(StoreError::CommitmentMismatch)));
}

#[test]
fn a_bad_export_is_refused_with_its_reason_and_nothing_is_written() {
	let source = tempfile::tempdir().unwrap();
	let source = RecordStore::open(source.path(), LIMIT).unwrap();
	let commitment = source.import(ALICE, &bundle(1)).unwrap();
	let export = source.export(&commitment).unwrap();
	let dir = tempfile::tempdir().unwrap();
	let store = RecordStore::open(dir.path(), 64 * 1024).unwrap();

	// Not an export at all, or cut short anywhere in the header.
	assert!(matches!(store.import_export(b"{}"), Err(StoreError::CorruptRecord(_))));
	for len in 0..60 {
		assert!(matches!(store.import_export(&export[..len]), Err(StoreError::CorruptRecord(_))));
	}
	// Health data altered after export: no longer canonical, or no longer JSON.
	let canonical_at = 55 + ALICE.len();
	let mut spaced = export[..canonical_at].to_vec();
	spaced.extend_from_slice(b" ");
	spaced.extend_from_slice(&export[canonical_at..]);
	assert!(matches!(store.import_export(&spaced), Err(StoreError::CorruptRecord(_))));
	let mut cut = export.clone();
	cut.truncate(export.len() - 1);
	assert!(matches!(store.import_export(&cut), Err(StoreError::InvalidRecord(_))));
	// A patient that is not an SS58 address.
	let mut patient = export[..53].to_vec();
	patient.extend_from_slice(&4u16.to_le_bytes());
	patient.extend_from_slice(b"nope");
	patient.extend_from_slice(&export[canonical_at..]);
	assert!(matches!(store.import_export(&patient), Err(StoreError::InvalidPatient(_))));
	// Canonical JSON that is not a Bundle.
	let mut observation = export[..canonical_at].to_vec();
	observation.extend_from_slice(br#"{"resourceType":"Observation"}"#);
	assert!(matches!(store.import_export(&observation), Err(StoreError::NotABundle)));
	// Larger than this store's limit.
	let mut large = export[..canonical_at].to_vec();
	large.extend_from_slice(format!("{{\"a\":\"{}\"}}", "x".repeat(70 * 1024)).as_bytes());
	assert!(matches!(store.import_export(&large), Err(StoreError::TooLarge { .. })));

	assert!(file_names(dir.path()).is_empty());
	assert_eq!(store.import_export(&export).unwrap(), commitment);
}

#[test]
fn a_node_not_holding_the_record_says_so_even_without_the_model() {
	let engine = engine();
	let commitment = [3; 32];
	assert_eq!(engine.run(&[9; 32], &commitment), Err(InferenceFailure::RecordNotHeld));
}
