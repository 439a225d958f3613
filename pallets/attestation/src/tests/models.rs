//! `propose_model`, `approve_model`, `retire_model`.

use super::*;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn propose_with(
	who: AccountId,
	model_hash: ModelHash,
	name: &str,
	version: &str,
	output_size: u32,
	engine: &str,
) -> frame_support::dispatch::DispatchResult {
	AttestationPallet::propose_model(
		RuntimeOrigin::signed(who),
		model_hash,
		CARD_HASH,
		bytes(name),
		bytes(version),
		output_size,
		TOLERANCE,
		bytes(engine),
	)
}

#[test]
fn a_consortium_hospital_proposes_a_model() {
	new_test_ext_checked(|| {
		assert_ok!(propose_with(ST_MARYS, MODEL_HASH, "breast-cancer-mlp", "1.0.0", 2, "tract"));
		let model = Models::<Test>::get(0).expect("model stored");
		assert_eq!(model.status, ModelStatus::Proposed);
		assert_eq!(model.model_hash, MODEL_HASH);
		assert_eq!(model.card_hash, CARD_HASH);
		assert_eq!(model.name.to_vec(), b"breast-cancer-mlp".to_vec());
		assert_eq!(model.output_size, 2);
		assert_eq!(model.tolerance_ppm, TOLERANCE);
		assert_eq!(model.proposer, Some(ST_MARYS));
		assert_eq!(model.proposed_at, 1);
		assert_eq!(ModelIdByHash::<Test>::get(MODEL_HASH), Some(0));
		assert_eq!(NextModelId::<Test>::get(), 1);
		assert_eq!(
			last_event(),
			Event::ModelProposed { model_id: 0, model_hash: MODEL_HASH, proposer: ST_MARYS }
		);
	});
}

#[test]
fn only_the_proposer_origin_may_propose() {
	new_test_ext_checked(|| {
		assert_noop!(
			propose_with(STRANGER, MODEL_HASH, "m", "1", 2, "tract"),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn a_model_needs_name_version_engine_and_a_valid_output_size() {
	new_test_ext_checked(|| {
		assert_noop!(propose_with(ST_MARYS, MODEL_HASH, "", "1", 2, "t"), Error::<Test>::EmptyName);
		assert_noop!(
			propose_with(ST_MARYS, MODEL_HASH, "m", "", 2, "t"),
			Error::<Test>::EmptyVersion
		);
		assert_noop!(
			propose_with(ST_MARYS, MODEL_HASH, "m", "1", 2, ""),
			Error::<Test>::EmptyEngineVersion
		);
		assert_noop!(
			propose_with(ST_MARYS, MODEL_HASH, "m", "1", 0, "t"),
			Error::<Test>::InvalidOutputSize
		);
		assert_noop!(
			propose_with(ST_MARYS, MODEL_HASH, "m", "1", MAX_OUTPUT_VALUES + 1, "t"),
			Error::<Test>::InvalidOutputSize
		);
		assert_ok!(propose_with(ST_MARYS, MODEL_HASH, "m", "1", MAX_OUTPUT_VALUES, "t"));
	});
}

#[test]
fn a_model_hash_is_registered_once() {
	new_test_ext_checked(|| {
		assert_ok!(propose_with(ST_MARYS, MODEL_HASH, "m", "1", 2, "t"));
		assert_noop!(
			propose_with(GENERAL, MODEL_HASH, "other", "2", 2, "t"),
			Error::<Test>::ModelAlreadyRegistered
		);
	});
}

#[test]
fn model_ids_can_run_out() {
	new_test_ext_checked(|| {
		NextModelId::<Test>::put(ModelId::MAX);
		assert_noop!(
			propose_with(ST_MARYS, MODEL_HASH, "m", "1", 2, "t"),
			Error::<Test>::ModelIdsExhausted
		);
	});
}

#[test]
fn governance_approves_a_proposed_model() {
	new_test_ext_checked(|| {
		let model_id = propose(MODEL_HASH, 2);
		run_to_block(3);
		assert_noop!(
			AttestationPallet::approve_model(RuntimeOrigin::signed(ST_MARYS), model_id),
			DispatchError::BadOrigin
		);
		assert_ok!(AttestationPallet::approve_model(RuntimeOrigin::root(), model_id));
		let model = Models::<Test>::get(model_id).expect("model stored");
		assert_eq!(model.status, ModelStatus::Approved);
		assert_eq!(model.approved_at, Some(3));
		assert_eq!(last_event(), Event::ModelApproved { model_id, model_hash: MODEL_HASH });
		assert_noop!(
			AttestationPallet::approve_model(RuntimeOrigin::root(), model_id),
			Error::<Test>::ModelAlreadyApproved
		);
		assert_noop!(
			AttestationPallet::approve_model(RuntimeOrigin::root(), 9),
			Error::<Test>::ModelNotFound
		);
	});
}

#[test]
fn governance_retires_a_model_and_it_cannot_come_back() {
	new_test_ext_checked(|| {
		let model_id = approved_model();
		assert_noop!(
			AttestationPallet::retire_model(RuntimeOrigin::signed(ST_MARYS), model_id),
			DispatchError::BadOrigin
		);
		run_to_block(4);
		assert_ok!(AttestationPallet::retire_model(RuntimeOrigin::root(), model_id));
		let model = Models::<Test>::get(model_id).expect("model kept");
		assert_eq!(model.status, ModelStatus::Retired);
		assert_eq!(model.retired_at, Some(4));
		assert_eq!(last_event(), Event::ModelRetired { model_id, model_hash: MODEL_HASH });
		assert_noop!(
			AttestationPallet::retire_model(RuntimeOrigin::root(), model_id),
			Error::<Test>::ModelAlreadyRetired
		);
		assert_noop!(
			AttestationPallet::approve_model(RuntimeOrigin::root(), model_id),
			Error::<Test>::ModelAlreadyRetired
		);
		assert_noop!(
			AttestationPallet::retire_model(RuntimeOrigin::root(), 9),
			Error::<Test>::ModelNotFound
		);
	});
}

#[test]
fn a_proposal_can_be_withdrawn_by_retiring_it() {
	new_test_ext_checked(|| {
		let model_id = propose(MODEL_HASH, 2);
		assert_ok!(AttestationPallet::retire_model(RuntimeOrigin::root(), model_id));
		assert_eq!(Models::<Test>::get(model_id).map(|m| m.status), Some(ModelStatus::Retired));
		// The hash stays taken: a retired model is evidence for its attestations.
		assert_noop!(
			propose_with(ST_MARYS, MODEL_HASH, "m", "2", 2, "t"),
			Error::<Test>::ModelAlreadyRegistered
		);
	});
}

#[test]
fn only_approved_models_can_be_requested() {
	new_test_ext_checked(|| {
		let model_id = propose(MODEL_HASH, 2);
		anchor_records();
		alice_consents();
		let ask = || {
			AttestationPallet::request_inference(
				RuntimeOrigin::signed(CLINICIAN),
				model_id,
				RECORD,
				1,
			)
		};
		assert_noop!(ask(), Error::<Test>::ModelNotApproved);
		assert_ok!(AttestationPallet::approve_model(RuntimeOrigin::root(), model_id));
		assert_ok!(ask());
		assert_ok!(AttestationPallet::retire_model(RuntimeOrigin::root(), model_id));
		assert_noop!(ask(), Error::<Test>::ModelNotApproved);
	});
}
