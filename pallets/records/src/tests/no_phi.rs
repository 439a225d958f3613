//! A realistic day at two hospitals — FHIR bundles anchored as salted commitments, amended,
//! exported in a batch, disclosed and erased — after which no byte sequence of any record is
//! anywhere in the chain's state.

use super::*;
use healthchain_commitment::{canonicalize_json, commit, MerkleTree, Salt};
use healthchain_primitives::testing::MockConsentCheck;
use std::collections::HashSet;

/// The synthetic FHIR R4 bundles of `models/examples`.
const BUNDLES: [&str; 5] = [
	include_str!("../../../../models/examples/patient-1.bundle.json"),
	include_str!("../../../../models/examples/patient-2.bundle.json"),
	include_str!("../../../../models/examples/patient-3.bundle.json"),
	include_str!("../../../../models/examples/patient-4.bundle.json"),
	include_str!("../../../../models/examples/patient-5.bundle.json"),
];

/// The length of the windows searched for: any 8 consecutive bytes of a record.
const WINDOW: usize = 8;

/// A salt as the record store would draw it; derived here so that the test is deterministic.
fn salt(label: &str, i: usize) -> Salt {
	sp_io::hashing::blake2_256(format!("{label}-{i}").as_bytes())
}

/// Every string and number in a JSON document of at least 5 bytes: names, identifiers, codes,
/// dates, values.
fn salient_values(value: &serde_json::Value, out: &mut HashSet<Vec<u8>>) {
	match value {
		serde_json::Value::String(s) if s.len() >= 5 => {
			out.insert(s.as_bytes().to_vec());
		},
		serde_json::Value::Number(n) if n.to_string().len() >= 5 => {
			out.insert(n.to_string().into_bytes());
		},
		serde_json::Value::Array(items) => items.iter().for_each(|v| salient_values(v, out)),
		serde_json::Value::Object(members) => members.values().for_each(|v| salient_values(v, out)),
		_ => {},
	}
}

/// Every key and value of the whole state, in key order.
fn whole_state() -> Vec<(Vec<u8>, Vec<u8>)> {
	let mut entries = Vec::new();
	let mut key = Vec::new();
	while let Some(next) = sp_io::storage::next_key(&key) {
		let value = frame_support::storage::unhashed::get_raw(&next).unwrap_or_default();
		entries.push((next.clone(), value));
		key = next;
	}
	entries
}

/// Whether any blob contains `needle`.
fn state_contains(state: &[(Vec<u8>, Vec<u8>)], needle: &[u8]) -> bool {
	state.iter().any(|(key, value)| {
		key.windows(needle.len()).any(|w| w == needle)
			|| value.windows(needle.len()).any(|w| w == needle)
	})
}

#[test]
fn a_realistic_scenario_leaves_no_record_bytes_in_storage() {
	new_test_ext_checked(|| {
		let patients: Vec<u64> = (101..=105).collect();
		let documents: Vec<serde_json::Value> =
			BUNDLES.iter().map(|b| serde_json::from_str(b).unwrap()).collect();
		let canonical: Vec<Vec<u8>> =
			BUNDLES.iter().map(|b| canonicalize_json(b.as_bytes()).unwrap()).collect();
		let mut salts: Vec<Salt> = Vec::new();

		// 1. St. Mary's holds patients 1-3, General Hospital patients 4-5: each anchors its
		// bundles.
		let mut record_ids = Vec::new();
		for (i, bytes) in canonical.iter().enumerate() {
			let custodian = if i < 3 { ST_MARYS } else { GENERAL };
			salts.push(salt("record", i));
			let commitment = commit(&salts[i], bytes);
			record_ids.push(anchor(custodian, patients[i], commitment));
			assert_eq!(
				RecordsPallet::verify_record(record_ids[i], commitment),
				Verification::Current
			);
		}

		// 2. A corrected lab value for patient 1: a new version under the same record id.
		run_to_block(10);
		let mut corrected = documents[0].clone();
		corrected["entry"][1]["resource"]["valueQuantity"]["value"] = serde_json::json!(21.07);
		let corrected_bytes = canonicalize_json(&serde_json::to_vec(&corrected).unwrap()).unwrap();
		salts.push(salt("amended", 0));
		let amended = commit(salts.last().unwrap(), &corrected_bytes);
		assert_ok!(RecordsPallet::amend_record(
			RuntimeOrigin::signed(ST_MARYS),
			record_ids[0],
			amended,
			AmendmentReason::Correction
		));
		assert_eq!(RecordsPallet::verify_record(record_ids[0], amended), Verification::Current);

		// 3. The nightly export: every bundle under fresh salts, plus the corrected one, in one
		// batch.
		run_to_block(20);
		let mut export: Vec<Commitment> = canonical
			.iter()
			.enumerate()
			.map(|(i, bytes)| {
				salts.push(salt("export", i));
				commit(salts.last().unwrap(), bytes)
			})
			.collect();
		export.push(commit(&salt("export", 99), &corrected_bytes));
		salts.push(salt("export", 99));
		let tree = MerkleTree::new(&export).unwrap();
		assert_ok!(RecordsPallet::anchor_batch(
			RuntimeOrigin::signed(ST_MARYS),
			None,
			tree.root(),
			tree.leaf_count(),
			DataClass::Laboratory,
			Schema::FhirR4Bundle
		));
		for (i, leaf) in export.iter().enumerate() {
			assert!(RecordsPallet::verify_inclusion(0, *leaf, tree.proof(i as u32).unwrap()));
		}

		// 4. Disclosures: research with consent, the patient's own copy, break-glass.
		run_to_block(30);
		MockConsentCheck::permit(&patients[0], &RESEARCH_ORG, Purpose::Research, 5);
		MockConsentCheck::open_emergency(&patients[3], &ER_DOCTOR, 1);
		for (custodian, i, accessor, purpose) in [
			(ST_MARYS, 0, RESEARCH_ORG, Purpose::Research),
			(ST_MARYS, 1, patients[1], Purpose::Treatment),
			(GENERAL, 3, ER_DOCTOR, Purpose::EmergencyTreatment),
		] {
			assert_ok!(RecordsPallet::log_access(
				RuntimeOrigin::signed(custodian),
				record_ids[i],
				accessor,
				purpose
			));
		}

		// 5. Patient 3 asks for erasure; the hospital shreds the salt off chain.
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(patients[2]),
			record_ids[2],
			ErasureReason::PatientRequest
		));

		// 6. Later, the old access-log entry is rolled into patient 1's digest.
		run_to_block(30 + ACCESS_LOG_RETENTION);
		assert_ok!(RecordsPallet::compact_access_log(RuntimeOrigin::signed(BOB), patients[0], 10));

		// Scan every key and value of the state (events included).
		let state = whole_state();
		assert!(state.len() > 20, "the scenario wrote state");

		// The scan does see what is on chain: every commitment and the batch root.
		assert!(state_contains(&state, &amended));
		assert!(state_contains(&state, &tree.root()));

		// No 8-byte window of any record, original or corrected.
		let mut windows: HashSet<&[u8]> = HashSet::new();
		for bytes in canonical.iter().chain([&corrected_bytes]) {
			windows.extend(bytes.windows(WINDOW));
		}
		assert!(windows.len() > 10_000);
		for (key, value) in &state {
			for blob in [key, value] {
				if let Some(hit) = blob.windows(WINDOW).find(|w| windows.contains(w)) {
					panic!("record bytes {:?} found in storage", String::from_utf8_lossy(hit));
				}
			}
		}

		// No salient value (names, identifiers, dates, lab values) even shorter than a window.
		let mut values = HashSet::new();
		for document in documents.iter().chain([&corrected]) {
			salient_values(document, &mut values);
		}
		assert!(values.contains(&b"patient-1"[..]));
		assert!(values.contains(&b"Alpha Example (synthetic test patient)"[..]));
		for value in &values {
			assert!(
				!state_contains(&state, value),
				"{:?} found in storage",
				String::from_utf8_lossy(value)
			);
		}

		// And no salt: without it nobody can test a guess against a commitment.
		for salt in &salts {
			assert!(!state_contains(&state, salt), "a salt is in storage");
		}
	});
}
