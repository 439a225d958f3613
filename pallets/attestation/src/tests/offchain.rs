//! The off-chain worker, with a test keystore, a test engine behind the inference host
//! function, and the test transaction pool.

use super::*;
use crate::offchain::{
	not_held_key, pair_key, DONE_PREFIX, LOCK_EXPIRY_BLOCKS, LOCK_PREFIX, MAX_TRANSIENT_ATTEMPTS,
	NOT_HELD_RECHECK_BLOCKS, RESUBMIT_AFTER_BLOCKS, TRANSIENT_RETRY_BLOCKS,
};
use codec::Decode;
use frame_support::{assert_ok, traits::Hooks};
use healthchain_inference_primitives::{InferenceEngine, InferenceExt, InferenceResult};
use healthchain_primitives::{
	testing::{MockAttestors, MockConsentCheck},
	Purpose,
};
use sp_core::{
	offchain::{
		testing::{TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	},
	sr25519,
};
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use sp_runtime::{
	generic::Preamble,
	offchain::{
		storage::StorageValueRef,
		storage_lock::{BlockAndTime, StorageLock},
		Duration,
	},
	traits::{Dispatchable, IdentifyAccount, Verify},
	MultiSigner,
};
use std::sync::{Arc, Mutex};

/// An engine that gives the answer it was set to and records what it was asked; it holds
/// the card `CARD_HASH` for every model.
struct FixedEngine {
	answer: Mutex<InferenceResult>,
	runs: Mutex<Vec<(ModelHash, RecordCommitment)>>,
}

impl InferenceEngine for FixedEngine {
	fn run(&self, model: &ModelHash, commitment: &RecordCommitment) -> InferenceResult {
		self.runs.lock().expect("not poisoned").push((*model, *commitment));
		self.answer.lock().expect("not poisoned").clone()
	}

	fn run_approved(
		&self,
		model: &ModelHash,
		card: &[u8; 32],
		commitment: &RecordCommitment,
	) -> InferenceResult {
		if *card != CARD_HASH {
			return Err(InferenceFailure::ModelCardMismatch);
		}
		self.run(model, commitment)
	}
}

/// A node's view into its externalities (built by [`Node::new`] with an off-chain worker
/// context, a keystore with `infr` keys, a transaction pool and, unless `answer` is `None`, an
/// inference engine).
struct Node {
	pool: Box<dyn Fn() -> Vec<Vec<u8>>>,
	engine: Option<Arc<FixedEngine>>,
	keys: Vec<sr25519::Public>,
}

impl Node {
	fn new(answer: Option<InferenceResult>, seeds: &[&str]) -> (sp_io::TestExternalities, Self) {
		let keystore = MemoryKeystore::new();
		let keys = seeds
			.iter()
			.map(|seed| {
				keystore.sr25519_generate_new(crate::KEY_TYPE, Some(seed)).expect("key generated")
			})
			.collect();
		let mut ext = new_test_ext();
		let (offchain, _offchain_state) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		ext.register_extension(KeystoreExt::new(keystore));
		let engine = answer.map(|answer| {
			Arc::new(FixedEngine { answer: answer.into(), runs: Mutex::new(vec![]) })
		});
		if let Some(engine) = &engine {
			ext.register_extension(InferenceExt::new(engine.clone()));
		}
		let pool = Box::new(move || pool_state.read().transactions.clone());
		(ext, Node { pool, engine, keys })
	}

	/// The attestor account of the `i`-th key.
	fn account(&self, i: usize) -> AccountId {
		MultiSigner::from(self.keys[i]).into_account()
	}

	/// From now on the engine answers `answer` (e.g. the node received the record).
	fn answer(&self, answer: InferenceResult) {
		let engine = self.engine.as_ref().expect("the node has an engine");
		*engine.answer.lock().expect("not poisoned") = answer;
	}

	/// How many times the engine ran.
	fn engine_runs(&self) -> usize {
		self.engine.as_ref().map_or(0, |e| e.runs.lock().expect("not poisoned").len())
	}

	/// The transactions in the pool, decoded.
	fn transactions(&self) -> Vec<Extrinsic> {
		(self.pool)()
			.iter()
			.map(|bytes| Extrinsic::decode(&mut &bytes[..]).expect("a transaction of the mock"))
			.collect()
	}
}

/// Checks that `xt` is signed by `key`'s account over the call and `nonce`, and returns its
/// call.
fn signed_call(xt: &Extrinsic, key: &sr25519::Public, nonce: u32) -> RuntimeCall {
	let Preamble::Signed(address, signature, ()) = &xt.preamble else {
		panic!("the worker sends signed transactions")
	};
	assert_eq!(*address, MultiSigner::from(*key).into_account());
	assert!(signature.verify(&signed_payload(&xt.function, nonce)[..], address));
	xt.function.clone()
}

/// The everyday setup with the node's first key registered as the only attestor, and a
/// request of `quorum` open. Returns the request id.
fn open_request(node: &Node, quorum: u32) -> RequestId {
	let model_id = approved_model();
	register(&[node.account(0)]);
	anchor_records();
	alice_consents();
	request(model_id, quorum)
}

const ALICE_SEED: &str = "//Alice";
const BOB_SEED: &str = "//Bob";

#[test]
fn the_worker_submits_a_signed_result_for_an_open_request() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);

		// The engine ran the request's model on the pinned commitment.
		let runs = node.engine.as_ref().expect("engine").runs.lock().expect("lock").clone();
		assert_eq!(runs, vec![(MODEL_HASH, COMMITMENT)]);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 1);
		let call = signed_call(&transactions[0], &node.keys[0], 0);
		assert_eq!(
			call,
			RuntimeCall::AttestationPallet(Call::submit_result {
				request_id,
				output: output(&BENIGN)
			})
		);

		// Included in a block, it attests the request.
		assert!(call.dispatch(RuntimeOrigin::signed(node.account(0))).is_ok());
		assert_eq!(status(request_id), RequestStatus::Attested);
		AttestationPallet::do_try_state().expect("invariants hold");
	});
}

#[test]
fn the_worker_reports_a_failure_of_the_engine() {
	let (mut ext, node) = Node::new(Some(Err(InferenceFailure::MissingFeature(4))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 1);
		assert_eq!(
			signed_call(&transactions[0], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::report_failure {
				request_id,
				failure: InferenceFailure::MissingFeature(4)
			})
		);
	});
}

#[test]
fn an_output_of_the_wrong_size_is_reported_as_unsupported() {
	let (mut ext, node) = Node::new(Some(Ok(output(&[1, 2, 3]))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);
		let transactions = node.transactions();
		assert_eq!(
			signed_call(&transactions[0], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::report_failure {
				request_id,
				failure: InferenceFailure::UnsupportedOutput
			})
		);
	});
}

#[test]
fn a_node_that_does_not_hold_the_record_stays_silent_and_asks_again_later() {
	let (mut ext, node) = Node::new(Some(Err(InferenceFailure::RecordNotHeld)), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		assert_eq!(node.engine_runs(), 1);
		assert_eq!(
			StorageValueRef::persistent(&not_held_key(request_id)).get::<u64>(),
			Ok(Some(1))
		);
		// Not again before the recheck interval is over…
		for block in 2..1 + u64::from(NOT_HELD_RECHECK_BLOCKS) {
			run_to_block(block);
			AttestationPallet::offchain_worker(block);
		}
		assert_eq!(node.engine_runs(), 1);
		// …then once more, still silent.
		let recheck = 1 + u64::from(NOT_HELD_RECHECK_BLOCKS);
		run_to_block(recheck);
		AttestationPallet::offchain_worker(recheck);
		assert_eq!(node.engine_runs(), 2);
		assert!(node.transactions().is_empty());
		assert_eq!(
			StorageValueRef::persistent(&not_held_key(request_id)).get::<u64>(),
			Ok(Some(recheck))
		);
	});
}

#[test]
fn a_node_that_receives_the_record_while_the_request_is_open_answers_it() {
	let (mut ext, node) = Node::new(Some(Err(InferenceFailure::RecordNotHeld)), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		// Another custodian's export is imported into this node's store.
		node.answer(Ok(output(&BENIGN)));
		let recheck = 1 + u64::from(NOT_HELD_RECHECK_BLOCKS);
		run_to_block(recheck);
		AttestationPallet::offchain_worker(recheck);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 1);
		assert_eq!(
			signed_call(&transactions[0], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::submit_result {
				request_id,
				output: output(&BENIGN)
			})
		);
	});
}

#[test]
fn requests_whose_record_is_not_held_do_not_use_up_the_inference_budget() {
	let (mut ext, node) = Node::new(Some(Err(InferenceFailure::RecordNotHeld)), &[ALICE_SEED]);
	ext.execute_with(|| {
		let model_id = approved_model();
		register(&[node.account(0)]);
		anchor_records();
		alice_consents();
		let budget = MAX_REQUESTS_PER_OCW_RUN;
		for _ in 0..budget + 1 {
			request(model_id, 1);
		}
		AttestationPallet::offchain_worker(1);
		// Every open request was looked at, not just `budget` of them.
		assert_eq!(node.engine_runs() as u32, budget + 1);
		assert!(node.transactions().is_empty());
	});
}

#[test]
fn without_the_inference_extension_the_worker_does_nothing() {
	let (mut ext, node) = Node::new(None, &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		// Nothing was marked: a node that gets an engine later still answers.
		let done = pair_key::<Test>(DONE_PREFIX, request_id, &node.account(0));
		assert_eq!(StorageValueRef::persistent(&done).get::<u64>(), Ok(None));
		assert_eq!(StorageValueRef::persistent(&not_held_key(request_id)).get::<u64>(), Ok(None));
	});
}

#[test]
fn a_key_not_registered_on_chain_does_not_submit() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let model_id = setup();
		request(model_id, 1);
		// The keystore key is not a registered attestor (the mock's attestors are others).
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		assert_eq!(node.engine_runs(), 0);
	});
}

#[test]
fn without_keys_the_worker_does_nothing() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[]);
	ext.execute_with(|| {
		let model_id = setup();
		request(model_id, 1);
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		assert_eq!(node.engine_runs(), 0);
	});
}

#[test]
fn the_worker_does_not_submit_twice_while_its_answer_is_pending() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 2);
		AttestationPallet::offchain_worker(1);
		// A second worker for the same block, and the workers of the next blocks, see the
		// "done" marker while the transaction is not yet included.
		AttestationPallet::offchain_worker(1);
		run_to_block(1 + RESUBMIT_AFTER_BLOCKS as u64 - 1);
		AttestationPallet::offchain_worker(System::block_number());
		assert_eq!(node.transactions().len(), 1);
		assert_eq!(node.engine_runs(), 1);

		// The transaction was dropped: after RESUBMIT_AFTER_BLOCKS it is sent again.
		let resubmit_at = 1 + RESUBMIT_AFTER_BLOCKS as u64;
		assert!(resubmit_at < 1 + REQUEST_TIMEOUT);
		run_to_block(resubmit_at);
		AttestationPallet::offchain_worker(resubmit_at);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 2);
		// The dropped transaction's nonce is as old as the resubmission delay: the worker takes
		// the state's nonce again, so that the gap does not hold back its later answers.
		assert_eq!(
			signed_call(&transactions[1], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::submit_result {
				request_id,
				output: output(&BENIGN)
			})
		);
	});
}

#[test]
fn the_worker_skips_requests_its_attestor_already_answered_on_chain() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 2);
		submit(&node.account(0), request_id, &BENIGN);
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		assert_eq!(node.engine_runs(), 0);
	});
}

#[test]
fn a_request_locked_by_another_worker_is_skipped() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		let key = pair_key::<Test>(LOCK_PREFIX, request_id, &node.account(0));
		let mut lock = StorageLock::<BlockAndTime<System>>::with_block_and_time_deadline(
			&key,
			LOCK_EXPIRY_BLOCKS,
			Duration::from_millis(60_000),
		);
		let guard = lock.try_lock().expect("the lock is free");
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		assert_eq!(node.engine_runs(), 0);
		drop(guard);
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.transactions().len(), 1);
	});
}

#[test]
fn the_worker_runs_at_most_max_requests_per_run_inferences_per_block() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let first = open_request(&node, 1);
		let model_id = Requests::<Test>::get(first).expect("request").model_id;
		let others: Vec<RequestId> =
			(1..MAX_REQUESTS_PER_OCW_RUN + 1).map(|_| request(model_id, 1)).collect();
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.engine_runs(), MAX_REQUESTS_PER_OCW_RUN as usize);
		let answered: Vec<RequestId> = node
			.transactions()
			.iter()
			.enumerate()
			.map(|(nonce, xt)| match signed_call(xt, &node.keys[0], nonce as u32) {
				RuntimeCall::AttestationPallet(Call::submit_result { request_id, .. }) => {
					request_id
				},
				other => panic!("unexpected call {other:?}"),
			})
			.collect();
		// Oldest first, with increasing nonces.
		let mut expected = vec![first];
		expected.extend(&others[..MAX_REQUESTS_PER_OCW_RUN as usize - 1]);
		assert_eq!(answered, expected);

		run_to_block(2);
		AttestationPallet::offchain_worker(2);
		assert_eq!(node.transactions().len(), MAX_REQUESTS_PER_OCW_RUN as usize + 1);
	});
}

#[test]
fn a_node_with_two_registered_keys_submits_with_one_only() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED, BOB_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 2);
		register(&[node.account(1)]);
		AttestationPallet::offchain_worker(1);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 1);
		let lowest = if node.account(0) < node.account(1) { 0 } else { 1 };
		let call = signed_call(&transactions[0], &node.keys[lowest], 0);
		assert!(call.dispatch(RuntimeOrigin::signed(node.account(lowest))).is_ok());
		// The node's one result does not make the quorum of two.
		assert_eq!(status(request_id), RequestStatus::Open);
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.transactions().len(), 1);
	});
}

#[test]
fn two_nodes_attest_a_quorum_two_request() {
	// Both nodes see the same chain: run node A, then replay its transaction and run node B.
	let (mut a_ext, a) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	let (mut b_ext, b) = Node::new(Some(Ok(output(&BENIGN_DRIFTED))), &[BOB_SEED]);
	let (a_account, b_account) = (a.account(0), b.account(0));
	let setup_chain = |attestors: &[AccountId]| {
		let model_id = approved_model();
		register(attestors);
		anchor_records();
		alice_consents();
		request(model_id, 2)
	};
	let a_call = a_ext.execute_with(|| {
		setup_chain(&[a_account.clone(), b_account.clone()]);
		AttestationPallet::offchain_worker(1);
		signed_call(&a.transactions()[0], &a.keys[0], 0)
	});
	b_ext.execute_with(|| {
		let request_id = setup_chain(&[a_account.clone(), b_account.clone()]);
		assert!(a_call.dispatch(RuntimeOrigin::signed(a_account.clone())).is_ok());
		run_to_block(2);
		AttestationPallet::offchain_worker(2);
		let b_call = signed_call(&b.transactions()[0], &b.keys[0], 0);
		assert!(b_call.dispatch(RuntimeOrigin::signed(b_account.clone())).is_ok());
		assert_eq!(status(request_id), RequestStatus::Attested);
		let attestation = Attestations::<Test>::get(request_id).expect("attested");
		assert_eq!(attestation.attestors.to_vec(), vec![a_account.clone(), b_account.clone()]);
		assert_eq!(attestation.output.to_vec(), BENIGN.to_vec());
		AttestationPallet::do_try_state().expect("invariants hold");
	});
}

#[test]
fn a_transient_fault_of_the_node_is_retried_a_bounded_number_of_times_and_never_reported() {
	let (mut ext, node) = Node::new(Some(Err(InferenceFailure::NodeBusy)), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		let mut block = 1;
		AttestationPallet::offchain_worker(block);
		assert_eq!(node.engine_runs(), 1);
		// Not again until the retry delay has passed.
		block += 1;
		run_to_block(block);
		AttestationPallet::offchain_worker(block);
		assert_eq!(node.engine_runs(), 1);
		// Then at most `MAX_TRANSIENT_ATTEMPTS` attempts in all, each a retry delay apart.
		for _ in 0..(MAX_TRANSIENT_ATTEMPTS * TRANSIENT_RETRY_BLOCKS + 5) {
			block += 1;
			run_to_block(block);
			AttestationPallet::offchain_worker(block);
		}
		assert_eq!(node.engine_runs(), MAX_TRANSIENT_ATTEMPTS as usize);
		assert!(node.transactions().is_empty(), "a local fault is never reported");
		assert_eq!(status(request_id), RequestStatus::Open);
	});
}

#[test]
fn a_busy_node_stops_for_the_block_instead_of_spending_every_request_s_attempts() {
	let (mut ext, node) = Node::new(Some(Err(InferenceFailure::NodeBusy)), &[ALICE_SEED]);
	ext.execute_with(|| {
		let first = open_request(&node, 1);
		let second = request(0, 1);
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.engine_runs(), 1, "the second request waits for the next block");
		// The node has room again: the first request is in its retry delay, the second,
		// never attempted, is answered.
		node.answer(Ok(output(&BENIGN)));
		run_to_block(2);
		AttestationPallet::offchain_worker(2);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 1);
		assert_eq!(
			signed_call(&transactions[0], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::submit_result {
				request_id: second,
				output: output(&BENIGN)
			})
		);
		assert_eq!(status(first), RequestStatus::Open);
	});
}

#[test]
fn a_transient_fault_then_an_answer_is_submitted() {
	let (mut ext, node) = Node::new(Some(Err(InferenceFailure::WorkerUnavailable)), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);
		assert!(node.transactions().is_empty());
		node.answer(Ok(output(&BENIGN)));
		let retry = 1 + u64::from(TRANSIENT_RETRY_BLOCKS);
		run_to_block(retry);
		AttestationPallet::offchain_worker(retry);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 1);
		assert_eq!(
			signed_call(&transactions[0], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::submit_result {
				request_id,
				output: output(&BENIGN)
			})
		);
	});
}

#[test]
fn the_worker_runs_the_model_with_the_approved_card_and_reports_a_local_card_that_differs() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		// The model was approved with another card than the one the node holds.
		let model_id = approved_model();
		Models::<Test>::mutate(model_id, |m| {
			if let Some(model) = m {
				model.card_hash = [0xcb; 32];
			}
		});
		register(&[node.account(0)]);
		anchor_records();
		alice_consents();
		let request_id = request(model_id, 1);
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.engine_runs(), 0, "a card nobody approved never reaches the model");
		assert_eq!(
			signed_call(&node.transactions()[0], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::report_failure {
				request_id,
				failure: InferenceFailure::ModelCardMismatch
			})
		);
	});
}

#[test]
fn the_worker_does_not_touch_a_record_whose_request_is_no_longer_permitted() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		// The consent ends without anything cancelling the request (as a consent that runs
		// out does): the worker checks before it reads the record.
		MockConsentCheck::revoke(&ALICE, &CLINICIAN, Purpose::AiAssistedDiagnosis);
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.engine_runs(), 0);
		assert!(node.transactions().is_empty());
		assert_eq!(status(request_id), RequestStatus::Open);
	});
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let request_id = open_request(&node, 1);
		assert_ok!(AttestationPallet::retire_model(RuntimeOrigin::root(), 0));
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.engine_runs(), 0, "a retired model is not run");
		assert_eq!(status(request_id), RequestStatus::Open);
	});
}

#[test]
fn the_worker_of_a_hospital_that_does_not_hold_the_record_on_chain_runs_nothing() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let model_id = approved_model();
		anchor_records();
		alice_consents();
		// The node's key is the attestor of a hospital the records were never shared with
		// (even if the node has a copy off chain).
		MockAttestors::register(&node.account(0), &OUTSIDER);
		request(model_id, 1);
		AttestationPallet::offchain_worker(1);
		assert_eq!(node.engine_runs(), 0);
		assert!(node.transactions().is_empty());
	});
}

#[test]
fn answers_sent_before_the_first_is_included_take_consecutive_nonces() {
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let first = open_request(&node, 1);
		AttestationPallet::offchain_worker(1);
		// The next block does not include the answer yet (the state's nonce is still 0), and a
		// new request comes in: its answer must not reuse nonce 0 and replace the first.
		run_to_block(2);
		let second = request(0, 1);
		AttestationPallet::offchain_worker(2);
		let transactions = node.transactions();
		assert_eq!(transactions.len(), 2);
		assert_eq!(
			signed_call(&transactions[0], &node.keys[0], 0),
			RuntimeCall::AttestationPallet(Call::submit_result {
				request_id: first,
				output: output(&BENIGN)
			})
		);
		assert_eq!(
			signed_call(&transactions[1], &node.keys[0], 1),
			RuntimeCall::AttestationPallet(Call::submit_result {
				request_id: second,
				output: output(&BENIGN)
			})
		);
	});
}

#[test]
fn the_worker_takes_the_state_nonce_when_it_is_ahead_or_stands_still_behind_a_gap() {
	use crate::offchain::{next_nonce, reserve_nonce, NONCE_MEMORY_BLOCKS};
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		open_request(&node, 1);
		let attestor = node.account(0);
		AttestationPallet::offchain_worker(1);
		assert_eq!(next_nonce::<Test>(&attestor, 1), 1);
		// Its transaction was included, and two more of this account's: the state is ahead.
		for _ in 0..3 {
			System::inc_account_nonce(&attestor);
		}
		assert_eq!(next_nonce::<Test>(&attestor, 2), 3);
		// The answer signed with 3 is dropped, and the worker goes on answering a request in
		// every block: 4, 5, … wait in the pool behind the gap, and the state stays at 3.
		let memory = u64::from(NONCE_MEMORY_BLOCKS);
		for block in 2..2 + memory {
			let expected = 3 + u32::try_from(block - 2).expect("small");
			assert_eq!(reserve_nonce::<Test>(&attestor, block).map(|(n, _)| n), Some(expected));
		}
		// Once the state's nonce has stood still for `NONCE_MEMORY_BLOCKS` blocks the worker
		// fills the gap, however busy it is, and goes on after the answers still in the pool.
		assert_eq!(reserve_nonce::<Test>(&attestor, 2 + memory).map(|(n, _)| n), Some(3));
		assert_eq!(reserve_nonce::<Test>(&attestor, 2 + memory).map(|(n, _)| n), Some(13));
		// A state that moves is no gap: the remembered nonce stays ahead of it.
		System::inc_account_nonce(&attestor);
		assert_eq!(reserve_nonce::<Test>(&attestor, 3 + 2 * memory).map(|(n, _)| n), Some(14));
	});
}

#[test]
fn reserved_nonces_are_never_handed_out_twice_and_a_refused_one_is_given_back() {
	use crate::offchain::{next_nonce, release_nonce, reserve_nonce};
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		let attestor = node.account(0);
		// Two workers reserving in the same block (before either transaction is in the pool)
		// get consecutive nonces.
		let (first, before_first) = reserve_nonce::<Test>(&attestor, 1).expect("reserved");
		let (second, before_second) = reserve_nonce::<Test>(&attestor, 1).expect("reserved");
		assert_eq!((first, second), (0, 1));
		assert_eq!(before_first, None);
		assert_eq!(before_second.map(|remembered| remembered.next), Some(1));
		// The pool refuses the second: its nonce is given back and taken by the next answer.
		release_nonce::<Test>(&attestor, second, 1, before_second);
		assert_eq!(next_nonce::<Test>(&attestor, 1), 1);
		assert_eq!(reserve_nonce::<Test>(&attestor, 1).map(|(nonce, _)| nonce), Some(1));
		// A refused nonce is not given back over one reserved after it.
		let (third, before_third) = reserve_nonce::<Test>(&attestor, 1).expect("reserved");
		let (fourth, _) = reserve_nonce::<Test>(&attestor, 1).expect("reserved");
		release_nonce::<Test>(&attestor, third, 1, before_third);
		assert_eq!(next_nonce::<Test>(&attestor, 1), fourth + 1);
		// The very first nonce given back is taken again, not skipped.
		let fresh = node.account(0);
		StorageValueRef::persistent(&crate::offchain::nonce_key::<Test>(&fresh)).clear();
		let (nonce, replaced) = reserve_nonce::<Test>(&fresh, 1).expect("reserved");
		assert_eq!((nonce, replaced), (0, None));
		release_nonce::<Test>(&fresh, nonce, 1, replaced);
		assert_eq!(next_nonce::<Test>(&fresh, 1), 0);
		assert_eq!(reserve_nonce::<Test>(&fresh, 1).map(|(nonce, _)| nonce), Some(0));
	});
}

#[test]
fn a_worker_whose_attestor_is_its_hospital_s_own_account_warns_once_an_hour_not_every_block() {
	use crate::offchain::{SHARED_ACCOUNT_WARNED_KEY, SHARED_ACCOUNT_WARNING_BLOCKS};
	let (mut ext, node) = Node::new(Some(Ok(output(&BENIGN))), &[ALICE_SEED]);
	ext.execute_with(|| {
		// Admitted before attestor accounts had to be their own.
		let attestor = node.account(0);
		MockAttestors::register(&attestor, &attestor);
		let warned_at =
			|| StorageValueRef::persistent(SHARED_ACCOUNT_WARNED_KEY).get::<u64>().ok().flatten();
		AttestationPallet::offchain_worker(1);
		assert_eq!(warned_at(), Some(1));
		AttestationPallet::offchain_worker(2);
		assert_eq!(warned_at(), Some(1), "not again in the next block");
		let later = 1 + u64::from(SHARED_ACCOUNT_WARNING_BLOCKS);
		AttestationPallet::offchain_worker(later);
		assert_eq!(warned_at(), Some(later));
	});
}
