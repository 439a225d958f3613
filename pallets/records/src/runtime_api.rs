//! The runtime API dApps, patients and researchers use to verify records and read access logs
//! without reading raw storage.
//!
//! The runtime implements it with one line per method, each calling the `Pallet` function of
//! the same name:
//!
//! ```ignore
//! impl pallet_records::runtime_api::RecordsApi<
//!     Block,
//!     AccountId,
//!     BlockNumber,
//!     pallet_records::RecordOf<Runtime>,
//!     pallet_records::BatchOf<Runtime>,
//! > for Runtime {
//!     fn record(record_id: RecordId) -> Option<pallet_records::RecordOf<Runtime>> {
//!         pallet_records::Pallet::<Runtime>::record(record_id)
//!     }
//!     fn verify_record(record_id: RecordId, commitment: Commitment) -> Verification {
//!         pallet_records::Pallet::<Runtime>::verify_record(record_id, commitment)
//!     }
//!     // … likewise for every method below.
//! }
//! ```
//!
//! Paged methods follow healthchain's one cursor rule (`healthchain_primitives::page`): they
//! return at most `MAX_PAGE_SIZE` entries, whatever `limit` asks, each with its key; pass a
//! page's `next` as `start_after` to get the following page.

use crate::types::{
	AccessEntry, AccessLog, AccessSeq, Anchor, BatchId, Commitment, MerkleProof, Page, RecordId,
	RecordVersion, Verification,
};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Queries on anchored records, batches and access logs.
	pub trait RecordsApi<AccountId, BlockNumber, Record, Batch>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		Record: Codec,
		Batch: Codec,
	{
		/// One record by id, as of its newest version.
		fn record(record_id: RecordId) -> Option<Record>;

		/// Whether `commitment` is the current, a superseded or an erased version of record
		/// `record_id`; `Unknown` if it is none of its versions or the record does not exist.
		fn verify_record(record_id: RecordId, commitment: Commitment) -> Verification;

		/// What an anchored 32-byte value is: which version of which record, or which batch's
		/// root. `None` if it was never anchored (leaves of a batch are not known on chain;
		/// check them with `verify_inclusion`).
		fn anchor_of(commitment: Commitment) -> Option<Anchor>;

		/// The records anchored one by one for a patient, oldest first, after record
		/// `start_after` (`None` for the first page), paged.
		fn records_of_patient(
			patient: AccountId,
			start_after: Option<RecordId>,
			limit: u32,
		) -> Page<RecordId, Record>;

		/// Every version of a record, oldest first; the last is the current one. Empty for an
		/// unknown record.
		fn record_history(record_id: RecordId) -> Vec<RecordVersion<BlockNumber>>;

		/// One batch by id.
		fn batch(batch_id: BatchId) -> Option<Batch>;

		/// Whether `proof` (the `healthchain-commitment` Merkle proof) shows that `commitment`
		/// is the leaf at `proof.leaf_index` of batch `batch_id`, against its anchored root and
		/// leaf count. `false` for an unknown batch.
		fn verify_inclusion(batch_id: BatchId, commitment: Commitment, proof: MerkleProof) -> bool;

		/// The disclosures of a patient's records still in storage, oldest first, after
		/// position `start_after` (`None`: from the oldest kept), paged. Older entries are in
		/// the digest (`access_log_digest`) and in the `AccessLogged` events of the chain's
		/// history.
		fn access_log_of_patient(
			patient: AccountId,
			start_after: Option<AccessSeq>,
			limit: u32,
		) -> Page<AccessSeq, AccessEntry<AccountId, BlockNumber>>;

		/// The state of a patient's access log: entries ever logged (`next`), entries rolled
		/// into the digest (`folded`), the digest and the block of its newest entry.
		fn access_log_digest(patient: AccountId) -> AccessLog<BlockNumber>;
	}
}
