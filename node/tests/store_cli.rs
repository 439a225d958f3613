//! End to end: `healthchain-node store …` imports, lists and removes records and models in
//! the node's local stores, applies the engine's `--inference-*` limits given after the
//! subcommand, and refuses bad input with a clear message; and the node itself refuses to
//! start without a chain.

mod common;

use common::SHIPPED_MODEL_HASH;
use std::{path::Path, process::Command};

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

fn repo(path: &str) -> String {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path).display().to_string()
}

/// Runs `healthchain-node store <args> --dev --base-path <base>`; returns (success, stdout, stderr).
fn store(base: &Path, args: &[&str]) -> (bool, String, String) {
	let output = Command::new(env!("CARGO_BIN_EXE_healthchain-node"))
		.arg("store")
		.args(args)
		.args(["--dev", "--base-path"])
		.arg(base)
		.output()
		.expect("the node binary runs");
	(
		output.status.success(),
		String::from_utf8_lossy(&output.stdout).trim().to_string(),
		String::from_utf8_lossy(&output.stderr).to_string(),
	)
}

fn temp_base(name: &str) -> std::path::PathBuf {
	let dir = std::env::temp_dir().join(format!("healthchain-store-{name}-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	dir
}

#[test]
fn store_commands_import_list_and_remove_records_and_models() {
	let base = temp_base("roundtrip");

	let (ok, model, err) = store(&base, &["import-model", &repo("models/breast-cancer-mlp.onnx")]);
	assert!(ok, "import-model failed: {err}");
	assert_eq!(model, SHIPPED_MODEL_HASH);
	let (ok, models, _) = store(&base, &["list-models"]);
	assert!(ok);
	assert!(models.lines().any(|l| l == SHIPPED_MODEL_HASH), "{models}");

	let bundle = repo("models/examples/patient-1.bundle.json");
	let (ok, commitment, err) = store(&base, &["import-record", "--patient", ALICE, &bundle]);
	assert!(ok, "import-record failed: {err}");
	assert!(commitment.starts_with("0x") && commitment.len() == 66, "{commitment}");
	// Importing the same Bundle again for the same patient is idempotent.
	let (ok, again, _) = store(&base, &["import-record", "--patient", ALICE, &bundle]);
	assert!(ok);
	assert_eq!(again, commitment);

	let (ok, records, _) = store(&base, &["list-records"]);
	assert!(ok);
	assert_eq!(records.lines().collect::<Vec<_>>(), vec![commitment.as_str()]);

	let (ok, _, err) = store(&base, &["remove-record", &commitment]);
	assert!(ok, "remove-record failed: {err}");
	let (ok, records, _) = store(&base, &["list-records"]);
	assert!(ok);
	assert!(records.is_empty(), "{records}");
	let (ok, _, err) = store(&base, &["remove-record", &commitment]);
	assert!(!ok && err.contains("no such record"), "{err}");

	let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn store_commands_reject_bad_input_with_a_reason() {
	let base = temp_base("bad");
	let bundle = repo("models/examples/patient-1.bundle.json");

	let (ok, _, err) = store(&base, &["import-record", "--patient", "nobody", &bundle]);
	assert!(!ok && err.contains("SS58"), "{err}");

	// A model file that is not ONNX under a card that names another hash.
	let (ok, _, err) = store(
		&base,
		&["import-model", &bundle, "--card", &repo("models/breast-cancer-mlp.card.json")],
	);
	assert!(!ok && !err.is_empty());

	// A record that is not JSON.
	let (ok, _, err) = store(
		&base,
		&["import-record", "--patient", ALICE, &repo("models/breast-cancer-mlp.onnx")],
	);
	assert!(!ok && !err.is_empty());

	let (ok, _, err) = store(&base, &["remove-record", "0x1234"]);
	assert!(!ok && err.contains("32 bytes"), "{err}");

	let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn engine_flags_are_accepted_after_a_store_subcommand() {
	let base = temp_base("flags");
	let model = repo("models/breast-cancer-mlp.onnx");

	// The limit given after `import-model` is the one the store applies.
	let (ok, _, err) = store(&base, &["import-model", "--inference-max-model-bytes", "10", &model]);
	assert!(!ok && err.contains("limit of 10 bytes"), "{err}");
	let (ok, models, err) = store(&base, &["list-models", "--inference-max-model-bytes", "10"]);
	assert!(ok, "list-models failed: {err}");
	assert!(models.is_empty(), "nothing was imported: {models}");

	// Any engine flag, anywhere after the subcommand; a generous limit lets the model in.
	let (ok, hash, err) = store(
		&base,
		&[
			"import-model",
			&model,
			"--inference-max-model-bytes",
			"1000000",
			"--inference-plan-cache",
			"1",
		],
	);
	assert!(ok, "import-model failed: {err}");
	assert_eq!(hash, SHIPPED_MODEL_HASH);

	let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_record_exported_by_one_hospital_keeps_its_commitment_at_another() {
	let (first, second) = (temp_base("export-a"), temp_base("export-b"));
	let bundle = repo("models/examples/patient-2.bundle.json");
	let (ok, commitment, err) = store(&first, &["import-record", "--patient", ALICE, &bundle]);
	assert!(ok, "import-record failed: {err}");

	let export = first.join("patient-2.export");
	let (ok, _, err) =
		store(&first, &["export-record", &commitment, "--output", &export.display().to_string()]);
	assert!(ok, "export-record failed: {err}");
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		let mode = std::fs::metadata(&export).expect("export written").permissions().mode();
		assert_eq!(mode & 0o077, 0, "the export is readable by others: {mode:o}");
	}
	// An existing file is not overwritten.
	let (ok, _, err) =
		store(&first, &["export-record", &commitment, "--output", &export.display().to_string()]);
	assert!(!ok && err.contains("cannot write the export"), "{err}");

	// The operator can insist on the commitment anchored on chain.
	let other = format!("0x{}", "22".repeat(32));
	let (ok, _, err) = store(
		&second,
		&["import-record-export", &export.display().to_string(), "--expect", &other],
	);
	assert!(!ok && err.contains("not the expected"), "{err}");
	let (ok, records, _) = store(&second, &["list-records"]);
	assert!(ok && records.is_empty(), "nothing was imported: {records}");
	let (ok, imported, err) = store(
		&second,
		&["import-record-export", &export.display().to_string(), "--expect", &commitment],
	);
	assert!(ok, "import-record-export failed: {err}");
	assert_eq!(imported, commitment);
	let (ok, records, _) = store(&second, &["list-records"]);
	assert!(ok);
	assert_eq!(records, commitment);

	// A Bundle is not an export; a record not held cannot be exported.
	let (ok, _, err) = store(&second, &["import-record-export", &bundle]);
	assert!(!ok && err.contains("corrupt record file"), "{err}");
	let missing = format!("0x{}", "11".repeat(32));
	let (ok, _, err) = store(
		&second,
		&["export-record", &missing, "--output", &second.join("x").display().to_string()],
	);
	assert!(!ok && err.contains("no such record"), "{err}");

	let _ = std::fs::remove_dir_all(&first);
	let _ = std::fs::remove_dir_all(&second);
}

#[test]
fn the_node_refuses_to_start_without_a_chain() {
	let base = temp_base("no-chain");
	let output = Command::new(env!("CARGO_BIN_EXE_healthchain-node"))
		.arg("--base-path")
		.arg(&base)
		.output()
		.expect("the node binary runs");
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(!output.status.success(), "the node started without --chain");
	assert!(stderr.contains("no chain given: pass --chain FILE"), "unexpected error: {stderr}");
	// It created no chain database.
	assert!(!base.join("chains").exists());
	let _ = std::fs::remove_dir_all(&base);
}
