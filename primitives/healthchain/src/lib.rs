#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod consent;
pub mod page;
pub mod records;
#[cfg(feature = "test-utils")]
pub mod testing;
pub mod traits;

pub use consent::{
	AccessBasis, ConsentId, DataClass, DataTarget, DenialReason, EmergencyAccessId, Purpose,
};
pub use page::{page_size, Page, MAX_PAGE_SIZE};
pub use records::{Commitment, RecordId, RecordStatus, RecordSummary, VersionNumber};
pub use traits::{
	AttestorRegistry, ConsentCheck, DenyAll, OnConsentChange, OnRecordChange, PermitAll,
	RecordLookup,
};

/// A 32-byte BLAKE2b digest.
pub type Hash32 = [u8; 32];

/// Wall-clock time in milliseconds since the Unix epoch, as the runtime's timestamp reports it.
pub type Moment = u64;
