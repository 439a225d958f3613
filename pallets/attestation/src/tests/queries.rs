//! The queries behind the runtime API.

use super::*;
use frame_support::assert_ok;
use healthchain_primitives::{testing::MockConsentCheck, Purpose};

/// Attests `count` quorum-1 requests on Alice's record, one per block from the current one.
fn attest_many(model_id: ModelId, count: u32) -> Vec<RequestId> {
	(0..count)
		.map(|_| {
			let request_id = request(model_id, 1);
			submit(&NODE_A, request_id, &BENIGN);
			run_to_block(System::block_number() + 1);
			request_id
		})
		.collect()
}

#[test]
fn models_are_listed_by_id_and_hash_with_their_counts() {
	new_test_ext_checked(|| {
		let first = setup();
		let second = propose([0x02; 32], 1);
		let third = propose([0x03; 32], 3);
		assert_eq!(AttestationPallet::model(second).map(|m| m.output_size), Some(1));
		assert_eq!(AttestationPallet::model(9), None);
		assert_eq!(AttestationPallet::model_by_hash([0x03; 32]).map(|(id, _)| id), Some(third));
		assert_eq!(AttestationPallet::model_by_hash([0x04; 32]), None);

		let page = AttestationPallet::models(None, 2);
		assert_eq!(page.items.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![first, second]);
		assert_eq!(page.next, Some(second));
		let page = AttestationPallet::models(page.next, 2);
		assert_eq!(page.items.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![third]);
		assert_eq!(page.next, None);

		let request_id = request(first, 1);
		submit(&NODE_A, request_id, &BENIGN);
		request(first, 1);
		let counts = AttestationPallet::model_counts(first).expect("model exists");
		assert_eq!((counts.requested, counts.attested, counts.open()), (2, 1, 1));
		assert_eq!(AttestationPallet::model_counts(second), Some(ModelCounts::default()));
		assert_eq!(AttestationPallet::model_counts(9), None);
	});
}

#[test]
fn attestors_are_listed() {
	new_test_ext_checked(|| {
		register(&[NODE_A, NODE_B]);
		assert!(AttestationPallet::is_attestor(NODE_A));
		assert!(!AttestationPallet::is_attestor(NODE_C));
		let mut attestors = AttestationPallet::attestors();
		attestors.sort();
		assert_eq!(attestors, vec![NODE_A, NODE_B]);
	});
}

#[test]
fn open_requests_are_listed_page_by_page() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let ids: Vec<RequestId> = (0..4).map(|_| request(model_id, 1)).collect();
		submit(&NODE_A, ids[1], &BENIGN);
		assert_eq!(
			AttestationPallet::request(ids[1]).map(|r| r.status),
			Some(RequestStatus::Attested)
		);
		assert!(AttestationPallet::request(99).is_none());

		let mut seen = Vec::new();
		let mut cursor = None;
		loop {
			let page = AttestationPallet::open_requests(cursor, 2);
			assert!(page.items.len() <= 2);
			seen.extend(page.items.iter().map(|(id, request)| {
				assert_eq!(request.status, RequestStatus::Open);
				*id
			}));
			match page.next {
				Some(next) => cursor = Some(next),
				None => break,
			}
		}
		seen.sort();
		assert_eq!(seen, vec![ids[0], ids[2], ids[3]]);
	});
}

#[test]
fn attestations_are_listed_by_model_and_by_patient_oldest_first() {
	new_test_ext_checked(|| {
		let model_id = setup();
		let other_model = propose([0x02; 32], 2);
		assert_ok!(AttestationPallet::approve_model(RuntimeOrigin::root(), other_model));
		let alices = attest_many(model_id, 3);
		// One attestation of Bob's record, on the other model.
		MockConsentCheck::permit(&BOB, &CLINICIAN, Purpose::AiAssistedDiagnosis, 2);
		let bobs = NextRequestId::<Test>::get();
		assert_ok!(AttestationPallet::request_inference(
			RuntimeOrigin::signed(CLINICIAN),
			other_model,
			BOB_RECORD,
			1
		));
		submit(&NODE_B, bobs, &MALIGNANT);

		let page = AttestationPallet::attestations_by_model(model_id, None, 2);
		let ids = |page: &Page<u32, AttestationInfoOf<Test>>| {
			page.items.iter().map(|(_, info)| info.attestation.request_id).collect::<Vec<_>>()
		};
		assert_eq!(ids(&page), alices[..2].to_vec());
		assert_eq!(page.next, Some(1));
		let page = AttestationPallet::attestations_by_model(model_id, page.next, 2);
		assert_eq!(ids(&page), alices[2..].to_vec());
		assert_eq!(page.next, None);
		assert_eq!(
			ids(&AttestationPallet::attestations_by_model(other_model, None, 10)),
			vec![bobs]
		);
		assert!(AttestationPallet::attestations_by_model(9, None, 10).items.is_empty());

		assert_eq!(ids(&AttestationPallet::attestations_by_patient(ALICE, None, 10)), alices);
		assert_eq!(ids(&AttestationPallet::attestations_by_patient(BOB, None, 10)), vec![bobs]);
		assert!(AttestationPallet::attestations_by_patient(CLINICIAN, None, 10).items.is_empty());
		let page = AttestationPallet::attestations_by_patient(ALICE, Some(0), 1);
		assert_eq!(ids(&page), vec![alices[1]]);
		assert_eq!(page.next, Some(1));
	});
}

#[test]
fn attestations_are_listed_by_block_range() {
	new_test_ext_checked(|| {
		let model_id = setup();
		// Attested in blocks 1, 2, 3, 4, 5 (one each).
		let ids = attest_many(model_id, 5);
		// Two more in block 6.
		let sixth = request(model_id, 1);
		let seventh = request(model_id, 1);
		submit(&NODE_A, sixth, &BENIGN);
		submit(&NODE_A, seventh, &BENIGN);
		let request_ids = |page: &Page<AttestationSeq, AttestationInfoOf<Test>>| {
			page.items.iter().map(|(_, info)| info.attestation.request_id).collect::<Vec<_>>()
		};

		let page = AttestationPallet::attestations_by_block_range(2, 4, None, 10);
		assert_eq!(request_ids(&page), ids[1..4].to_vec());
		assert_eq!(page.next, None);

		let page = AttestationPallet::attestations_by_block_range(2, 6, None, 2);
		assert_eq!(request_ids(&page), ids[1..3].to_vec());
		assert_eq!(page.next, Some(2));
		let page = AttestationPallet::attestations_by_block_range(2, 6, page.next, 2);
		assert_eq!(request_ids(&page), ids[3..5].to_vec());
		let page = AttestationPallet::attestations_by_block_range(2, 6, page.next, 2);
		assert_eq!(request_ids(&page), vec![sixth, seventh]);
		assert_eq!(page.next, None);

		assert_eq!(
			request_ids(&AttestationPallet::attestations_by_block_range(6, 6, None, 10)),
			vec![sixth, seventh]
		);
		assert!(AttestationPallet::attestations_by_block_range(7, 100, None, 10).items.is_empty());
		assert!(AttestationPallet::attestations_by_block_range(4, 2, None, 10).items.is_empty());
		assert_eq!(
			request_ids(&AttestationPallet::attestations_by_block_range(0, u64::MAX, None, 100))
				.len(),
			7
		);
	});
}

#[test]
fn page_sizes_are_clamped() {
	new_test_ext_checked(|| {
		let model_id = setup();
		attest_many(model_id, 2);
		// A limit of 0 still returns one entry.
		let page = AttestationPallet::attestations_by_model(model_id, None, 0);
		assert_eq!(page.items.len(), 1);
		assert_eq!(page.next, Some(0));
	});
}
