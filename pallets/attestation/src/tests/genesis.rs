//! The genesis configuration, and the model the dev preset ships.

use super::*;
use frame_support::assert_ok;

#[test]
fn genesis_approves_models() {
	new_test_ext_with(vec![genesis_model(MODEL_HASH)]).execute_with(|| {
		register(&[NODE_A, NODE_B]);
		let model = Models::<Test>::get(0).expect("genesis model");
		assert_eq!(model.status, ModelStatus::Approved);
		assert_eq!(model.proposer, None);
		assert_eq!(model.approved_at, Some(0));
		assert_eq!(model.output_size, 2);
		assert_eq!(model.tolerance_ppm, TOLERANCE);
		assert_eq!(model.engine_version.to_vec(), b"tract-onnx 0.23.9".to_vec());
		assert_eq!(ModelIdByHash::<Test>::get(MODEL_HASH), Some(0));

		// The genesis model can be requested right away.
		anchor_records();
		alice_consents();
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(CLINICIAN),
			0,
			RECORD,
			2
		));
		AttestationPallet::do_try_state().expect("invariants hold");
	});
}

#[test]
#[should_panic(expected = "genesis model invalid or registered twice")]
fn genesis_rejects_a_model_listed_twice() {
	new_test_ext_with(vec![genesis_model(MODEL_HASH), genesis_model(MODEL_HASH)]);
}

/// blake2-256 of `models/breast-cancer-mlp.card.json`, the card hash the dev preset registers.
const SHIPPED_CARD_HASH: &str = "15626e840c7d12bb0dc3aa9a42ee0d905278c334be806c6493501e948ce6924b";

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_shipped_model_card_hashes_to_the_documented_card_hash() {
	let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/");
	let card = std::fs::read(format!("{root}breast-cancer-mlp.card.json")).expect("card shipped");
	assert_eq!(hex(&sp_io::hashing::blake2_256(&card)), SHIPPED_CARD_HASH);
	let onnx = std::fs::read(format!("{root}breast-cancer-mlp.onnx")).expect("model shipped");
	assert_eq!(
		hex(&sp_io::hashing::blake2_256(&onnx)),
		"9a60b797ad1c067550ec6432ab160bbaba5c9a105971fe472f4fb454d9af062e"
	);
}
