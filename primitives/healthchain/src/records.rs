//! What other pallets know about an anchored record: its id, its commitment, its status and a
//! summary of its newest version.

use crate::consent::DataClass;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

pub use healthchain_commitment::Commitment;

/// Identifier of a medical record, assigned by the records pallet in increasing order.
pub type RecordId = u64;

/// Number of a version of a record: `0` is the original anchor, each amendment adds one.
pub type VersionNumber = u32;

/// The status of one version of a record.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum RecordStatus {
	/// The newest version of a record that is not erased: usable.
	Current,
	/// An older version: a newer one replaced it. Evidence only.
	Superseded,
	/// The record was erased (every version): evidence only, never usable for new requests.
	Erased,
}

/// A record as another pallet needs it (see [`crate::RecordLookup`]): its parties,
/// its current commitment and class, and whether it may be used.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RecordSummary<AccountId> {
	/// The patient the record is about (whose consent governs its use).
	pub patient: AccountId,
	/// The hospital that holds the record (whose node can read it).
	pub custodian: AccountId,
	/// The commitment of the current version.
	pub commitment: Commitment,
	/// The number of the current version.
	pub version: VersionNumber,
	/// The class of clinical data, the target of consent checks.
	pub data_class: DataClass,
	/// `Current`, or `Erased` (then the record must not be used). A summary describes the
	/// newest version, so it is never `Superseded`; ask
	/// [`crate::RecordLookup::status_of`] about an older commitment.
	pub status: RecordStatus,
}
