//! What consent is about, as the pallets that ask for it see it: purposes of use, classes of
//! data, the target of a request, and the answer (a basis for access, or why not).

use crate::records::RecordId;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifier of a consent, assigned by the consent pallet in increasing order.
pub type ConsentId = u64;

/// Identifier of a break-glass emergency access, assigned by the consent pallet in increasing
/// order.
pub type EmergencyAccessId = u64;

/// Purpose of use, from the HL7 v3 `PurposeOfUse` value set (FHIR `Consent.provision.purpose`),
/// plus one healthchain code for AI-assisted diagnosis.
///
/// HL7 places emergency treatment (`ETREAT`) under treatment (`TREAT`): a consent that names
/// `TREAT` also covers `ETREAT`, for a permit as for a deny. The other codes cover only
/// themselves.
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
pub enum Purpose {
	/// `TREAT`: treatment of the patient.
	Treatment,
	/// `ETREAT`: emergency treatment. Also the purpose of every break-glass access.
	EmergencyTreatment,
	/// `HRESCH`: healthcare research.
	Research,
	/// `HPAYMT`: healthcare payment.
	Payment,
	/// `HOPERAT`: healthcare operations.
	Operations,
	/// `AIDIAG` (healthchain code): AI-assisted diagnosis, the purpose inference requests are
	/// checked against. It is not part of `TREAT`: a patient decides about it separately.
	AiAssistedDiagnosis,
}

impl Purpose {
	/// Every purpose, in declaration order.
	pub const ALL: [Purpose; 6] = [
		Purpose::Treatment,
		Purpose::EmergencyTreatment,
		Purpose::Research,
		Purpose::Payment,
		Purpose::Operations,
		Purpose::AiAssistedDiagnosis,
	];

	/// The code of this purpose (HL7 `PurposeOfUse`, or healthchain's own for `AIDIAG`).
	pub fn code(&self) -> &'static str {
		match self {
			Purpose::Treatment => "TREAT",
			Purpose::EmergencyTreatment => "ETREAT",
			Purpose::Research => "HRESCH",
			Purpose::Payment => "HPAYMT",
			Purpose::Operations => "HOPERAT",
			Purpose::AiAssistedDiagnosis => "AIDIAG",
		}
	}

	/// The code system the code belongs to.
	pub fn system(&self) -> &'static str {
		match self {
			Purpose::AiAssistedDiagnosis => "urn:healthchain:purpose-of-use",
			_ => "http://terminology.hl7.org/CodeSystem/v3-ActReason",
		}
	}

	/// Whether a consent naming `self` speaks about a request made for `requested`.
	pub fn covers(&self, requested: Purpose) -> bool {
		*self == requested
			|| (*self == Purpose::Treatment && requested == Purpose::EmergencyTreatment)
	}
}

/// A category of clinical data (FHIR `Consent.provision.class`, reduced to what hospitals
/// anchor).
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
pub enum DataClass {
	/// Every kind of data, present and future.
	All,
	/// Laboratory results (FHIR `Observation` with category `laboratory`).
	Laboratory,
	/// Imaging studies and reports.
	Imaging,
	/// Genomic data.
	Genomics,
	/// Clinical notes and documents.
	ClinicalNotes,
	/// Medication statements, requests and administrations.
	Medications,
	/// Vital signs.
	VitalSigns,
}

impl DataClass {
	/// Every data class, in declaration order.
	pub const ALL: [DataClass; 7] = [
		DataClass::All,
		DataClass::Laboratory,
		DataClass::Imaging,
		DataClass::Genomics,
		DataClass::ClinicalNotes,
		DataClass::Medications,
		DataClass::VitalSigns,
	];
}

/// What a request wants to use: records of a class, or one record of that class.
///
/// `record: None` asks for every record of `class` (`DataClass::All`: every record).
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
pub struct DataTarget {
	/// The class of the data asked for.
	pub class: DataClass,
	/// The one record asked for, if the request is about a single record.
	pub record: Option<RecordId>,
}

impl DataTarget {
	/// A request for every record of `class`.
	pub fn class(class: DataClass) -> Self {
		Self { class, record: None }
	}

	/// A request for one record, which is of class `class`.
	pub fn record(class: DataClass, record: RecordId) -> Self {
		Self { class, record: Some(record) }
	}
}

/// Why a request is not permitted by consent.
///
/// When several consents speak about the request, the reason reported is the first that
/// applies in this order: an active deny, then a consent that would have permitted but is not
/// yet valid, expired or revoked, then a permit that names the purpose but not the data, then
/// a permit that names neither, then no consent at all.
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
pub enum DenialReason {
	/// The patient has given the grantee no consent at all.
	NoConsent,
	/// The grantee's active permits do not name the purpose.
	PurposeNotCovered,
	/// The grantee's active permits name the purpose but not the data.
	DataNotCovered,
	/// This permit would cover the request, but its period has not started.
	NotYetValid(ConsentId),
	/// This permit would cover the request, but its period is over.
	Expired(ConsentId),
	/// This permit would cover the request, but it was revoked.
	Revoked(ConsentId),
	/// This active deny overlaps the request.
	ExplicitDeny(ConsentId),
}

/// On what grounds a request may proceed.
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
pub enum AccessBasis {
	/// An active permit covers the request.
	Consent(ConsentId),
	/// An open break-glass access covers the (emergency treatment) request.
	EmergencyAccess(EmergencyAccessId),
}
