//! Domain types of the consent pallet: the FHIR-shaped provision, its codes, the stored consent,
//! delegations, break-glass accesses and the answers the evaluation gives.

use crate::{BalanceOf, Config};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

pub use healthchain_primitives::{
	AccessBasis, ConsentId, DataClass, DataTarget, DenialReason, EmergencyAccessId, Page, Purpose,
	RecordId,
};

/// Whether a consent allows or forbids what it describes (FHIR `Consent.provision.type`).
///
/// A deny overrides every permit of the same grantee that overlaps it.
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
	PartialOrd,
	Ord,
	Debug,
)]
pub enum Decision {
	/// The grantee may use the data for the purposes listed.
	Permit,
	/// The grantee may not use the data for the purposes listed, whatever any permit says.
	Deny,
}

impl Decision {
	/// Every decision, in declaration order.
	pub const ALL: [Decision; 2] = [Decision::Permit, Decision::Deny];
}

/// One entry of what a consent is about: a whole class of data, or one record.
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
	PartialOrd,
	Ord,
	Debug,
)]
pub enum DataScope {
	/// Every record of this class (`DataClass::All`: every record).
	Class(DataClass),
	/// This one record, whatever its class (FHIR `Consent.provision.data`).
	Record(RecordId),
}

impl DataScope {
	/// Whether a permit with this entry gives access to everything `target` asks for.
	pub fn covers(&self, target: &DataTarget) -> bool {
		match *self {
			DataScope::Class(DataClass::All) => true,
			DataScope::Class(class) => class == target.class,
			DataScope::Record(id) => target.record == Some(id),
		}
	}

	/// Whether a deny with this entry forbids any part of what `target` asks for.
	///
	/// A request for a whole class overlaps a deny on any single record, since the pallet does
	/// not know that record's class: ask for records one by one to get around a record deny.
	pub fn overlaps(&self, target: &DataTarget) -> bool {
		match (*self, target.record) {
			(DataScope::Class(DataClass::All), _) => true,
			(DataScope::Class(class), _) => target.class == DataClass::All || class == target.class,
			(DataScope::Record(id), Some(record)) => id == record,
			(DataScope::Record(_), None) => true,
		}
	}
}

/// What a patient (or their delegate) submits to grant a consent: FHIR `Consent.provision`
/// without the actor, which is the call's `grantee`.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Provision<T: Config> {
	/// Permit or deny.
	pub decision: Decision,
	/// The purposes of use the consent is about; a set: at least one, no repeats.
	pub purposes: BoundedVec<Purpose, T::MaxPurposes>,
	/// The data the consent is about: classes and/or single records; a set: at least one, no
	/// repeats.
	pub data: BoundedVec<DataScope, T::MaxDataScope>,
	/// First block at which the consent applies; `None` or a past block means "from now".
	pub valid_from: Option<BlockNumberFor<T>>,
	/// First block at which the consent no longer applies; `None` means open-ended. Required
	/// when a delegate grants, and then at most the delegation's expiry.
	pub valid_until: Option<BlockNumberFor<T>>,
	/// Reference to the signed consent document kept off chain (a URI or a hash).
	pub policy: Option<BoundedVec<u8, T::MaxPolicyLen>>,
}

/// Who revoked a consent, and when.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Revocation<AccountId, BlockNumber> {
	/// The account that revoked: the patient or one of their delegates.
	pub by: AccountId,
	/// The block in which the revocation took effect.
	pub at: BlockNumber,
}

/// A consent as stored: the provision, its parties, and its history.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Consent<T: Config> {
	/// The patient whose data the consent is about (FHIR `Consent.subject`, the grantor).
	pub patient: T::AccountId,
	/// The account the consent is given to: a clinician, a hospital, a research organization.
	pub grantee: T::AccountId,
	/// Permit or deny.
	pub decision: Decision,
	/// The purposes of use, sorted, without repeats.
	pub purposes: BoundedVec<Purpose, T::MaxPurposes>,
	/// The data classes and records, sorted, without repeats.
	pub data: BoundedVec<DataScope, T::MaxDataScope>,
	/// First block at which the consent applies.
	pub valid_from: BlockNumberFor<T>,
	/// First block at which the consent no longer applies (`None`: open-ended).
	pub valid_until: Option<BlockNumberFor<T>>,
	/// Reference to the signed consent document kept off chain.
	pub policy: Option<BoundedVec<u8, T::MaxPolicyLen>>,
	/// The account that granted it: the patient, or a delegate acting for them.
	pub granted_by: T::AccountId,
	/// The block in which it was granted.
	pub granted_at: BlockNumberFor<T>,
	/// Set once the consent is revoked; it no longer applies from that block on.
	pub revoked: Option<Revocation<T::AccountId, BlockNumberFor<T>>>,
	/// The storage deposit held on the patient's account, returned when the entry is removed.
	pub deposit: BalanceOf<T>,
}

/// Where a consent stands at a given block.
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
pub enum ConsentStatus {
	/// Its period has not started yet.
	NotYetValid,
	/// It applies.
	Active,
	/// Its period is over.
	Expired,
	/// It was revoked.
	Revoked,
}

impl<T: Config> Consent<T> {
	/// The status of the consent at block `now`. A revocation wins over the period.
	pub fn status_at(&self, now: BlockNumberFor<T>) -> ConsentStatus {
		if self.revoked.is_some() {
			ConsentStatus::Revoked
		} else if now < self.valid_from {
			ConsentStatus::NotYetValid
		} else if self.valid_until.is_some_and(|until| now >= until) {
			ConsentStatus::Expired
		} else {
			ConsentStatus::Active
		}
	}

	/// Whether the consent names `purpose` (directly, or through the `TREAT` ⊃ `ETREAT` rule).
	pub fn speaks_of_purpose(&self, purpose: Purpose) -> bool {
		self.purposes.iter().any(|p| p.covers(purpose))
	}

	/// Whether the consent speaks about `target`: for a permit, it covers all of it; for a
	/// deny, it overlaps any part of it.
	pub fn speaks_of_data(&self, target: &DataTarget) -> bool {
		match self.decision {
			Decision::Permit => self.data.iter().any(|d| d.covers(target)),
			Decision::Deny => self.data.iter().any(|d| d.overlaps(target)),
		}
	}

	/// The data classes the consent names (records named one by one are not classes).
	pub fn data_classes(&self) -> impl Iterator<Item = DataClass> + '_ {
		self.data.iter().filter_map(|d| match d {
			DataScope::Class(class) => Some(*class),
			DataScope::Record(_) => None,
		})
	}
}

/// The role of a delegate a patient appoints (FHIR `RelatedPerson.relationship`, reduced).
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
pub enum RepresentativeRole {
	/// A parent or court-appointed guardian.
	Guardian,
	/// A legal proxy (power of attorney, healthcare proxy).
	LegalProxy,
	/// Another delegate the patient trusts.
	Other,
}

/// A patient's appointment of a delegate who may grant and revoke consents for them.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Delegation<BlockNumber, Balance> {
	/// What the delegate is to the patient.
	pub role: RepresentativeRole,
	/// The block in which the delegation was appointed or last renewed.
	pub appointed_at: BlockNumber,
	/// First block at which the delegate may no longer act.
	pub expires_at: BlockNumber,
	/// The storage deposit held on the patient's account for this entry.
	pub deposit: Balance,
}

/// The outcome of a compliance review of a break-glass access.
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
pub enum ReviewOutcome {
	/// The emergency justified the access.
	Justified,
	/// The access was not justified; follow-up happens off chain.
	Unjustified,
}

/// A review recorded for a break-glass access.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct EmergencyReview<BlockNumber> {
	/// What the reviewer concluded.
	pub outcome: ReviewOutcome,
	/// The block in which the review was recorded.
	pub reviewed_at: BlockNumber,
}

/// A break-glass emergency access opened by a care provider.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct EmergencyAccess<T: Config> {
	/// The patient whose data is accessed.
	pub patient: T::AccountId,
	/// The care provider who opened the access.
	pub provider: T::AccountId,
	/// The reason code the provider gave.
	pub reason: BoundedVec<u8, T::MaxReasonLen>,
	/// The block in which the access was opened.
	pub opened_at: BlockNumberFor<T>,
	/// First block at which the access no longer applies.
	pub expires_at: BlockNumberFor<T>,
	/// The compliance review, once recorded.
	pub review: Option<EmergencyReview<BlockNumberFor<T>>>,
}

impl<T: Config> EmergencyAccess<T> {
	/// Whether the access applies at block `now`.
	pub fn is_open_at(&self, now: BlockNumberFor<T>) -> bool {
		self.opened_at <= now && now < self.expires_at
	}
}

/// Number of consents of a decision naming a purpose.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct PurposeCount {
	/// Permit or deny.
	pub decision: Decision,
	/// The purpose.
	pub purpose: Purpose,
	/// How many consents.
	pub count: u32,
}

/// Number of consents of a decision naming a data class.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct DataClassCount {
	/// Permit or deny.
	pub decision: Decision,
	/// The data class.
	pub data_class: DataClass,
	/// How many consents.
	pub count: u32,
}

/// Counts of consents by purpose and by data class: numbers only, no identities.
///
/// Only non-zero counts are listed. A consent naming several purposes (or classes) counts once
/// under each.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct ConsentCounts {
	/// Counts by (decision, purpose).
	pub by_purpose: Vec<PurposeCount>,
	/// Counts by (decision, data class).
	pub by_data_class: Vec<DataClassCount>,
}

impl ConsentCounts {
	/// The count for (decision, purpose), zero when not listed.
	pub fn purpose(&self, decision: Decision, purpose: Purpose) -> u32 {
		self.by_purpose
			.iter()
			.find(|c| c.decision == decision && c.purpose == purpose)
			.map_or(0, |c| c.count)
	}

	/// The count for (decision, data class), zero when not listed.
	pub fn data_class(&self, decision: Decision, data_class: DataClass) -> u32 {
		self.by_data_class
			.iter()
			.find(|c| c.decision == decision && c.data_class == data_class)
			.map_or(0, |c| c.count)
	}

	/// Adds one consent naming `purposes` and `classes` under `decision`.
	pub fn add(
		&mut self,
		decision: Decision,
		purposes: impl IntoIterator<Item = Purpose>,
		classes: impl IntoIterator<Item = DataClass>,
	) {
		for purpose in purposes {
			match self
				.by_purpose
				.iter_mut()
				.find(|c| c.decision == decision && c.purpose == purpose)
			{
				Some(c) => c.count = c.count.saturating_add(1),
				None => self.by_purpose.push(PurposeCount { decision, purpose, count: 1 }),
			}
		}
		for data_class in classes {
			match self
				.by_data_class
				.iter_mut()
				.find(|c| c.decision == decision && c.data_class == data_class)
			{
				Some(c) => c.count = c.count.saturating_add(1),
				None => self.by_data_class.push(DataClassCount { decision, data_class, count: 1 }),
			}
		}
	}
}

/// Counts of the consents active at a block, over one page of the consent map.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct ActiveCountsPage {
	/// Counts of the consents of this page that are active (granted, in period, not revoked).
	pub counts: ConsentCounts,
	/// How many consents this page looked at.
	pub scanned: u32,
	/// Pass this as `start_after` to continue; `None` when every consent was looked at.
	pub next: Option<ConsentId>,
}
