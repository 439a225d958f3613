//! Unit tests of the records pallet over the mock runtime, one file per call or concern.
//!
//! Every test runs in `new_test_ext_checked`, which checks the pallet's `try_state`
//! invariants after the test body.

mod access_log;
mod amend;
mod anchor;
mod batch;
mod batch_props;
mod compact;
mod custodians;
mod erase;
mod no_phi;
mod queries;
mod sharing;

use crate::{mock::*, *};
use frame_support::assert_ok;

/// `custodian` anchors a laboratory record of `patient` with `commitment`; returns its id.
pub fn anchor(custodian: u64, patient: u64, commitment: Commitment) -> RecordId {
	anchor_as(custodian, patient, commitment, DataClass::Laboratory)
}

/// `custodian` anchors a record of `patient` of class `data_class`; returns its id.
pub fn anchor_as(
	custodian: u64,
	patient: u64,
	commitment: Commitment,
	data_class: DataClass,
) -> RecordId {
	let record_id = NextRecordId::<Test>::get();
	assert_ok!(RecordsPallet::anchor_record(
		RuntimeOrigin::signed(custodian),
		patient,
		commitment,
		data_class,
		fhir()
	));
	record_id
}

/// `custodian` amends `record_id` to `commitment`.
pub fn amend(custodian: u64, record_id: RecordId, commitment: Commitment) {
	assert_ok!(RecordsPallet::amend_record(
		RuntimeOrigin::signed(custodian),
		record_id,
		commitment,
		AmendmentReason::Correction
	));
}

/// The entries of every `AccessLogged` event so far, with the patient and position.
pub fn logged_entries() -> Vec<(u64, AccessSeq, AccessEntryOf<Test>)> {
	record_events()
		.into_iter()
		.filter_map(|event| match event {
			Event::AccessLogged { patient, seq, entry } => Some((patient, seq, entry)),
			_ => None,
		})
		.collect()
}

/// The digest of the first `count` entries logged for `patient`, recomputed from the events.
pub fn digest_from_events(patient: u64, count: usize) -> Hash32 {
	logged_entries().into_iter().filter(|(p, _, _)| *p == patient).take(count).fold(
		[0u8; 32],
		|digest, (_, _, entry)| {
			let mut preimage = digest.to_vec();
			preimage.extend(codec::Encode::encode(&entry));
			sp_io::hashing::blake2_256(&preimage)
		},
	)
}
