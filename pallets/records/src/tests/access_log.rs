//! `log_access`: consent-checked disclosures and the patient's access log.

use super::*;
use frame_support::assert_noop;
use healthchain_primitives::{testing::MockConsentCheck, DenialReason};
use sp_runtime::DispatchError;

#[test]
fn a_disclosure_permitted_by_consent_is_logged_like_an_audit_event() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		amend(ST_MARYS, record_id, commitment(2));
		MockConsentCheck::permit(&ALICE, &RESEARCH_ORG, Purpose::Research, 42);
		run_to_block(6);
		assert_ok!(RecordsPallet::log_access(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			RESEARCH_ORG,
			Purpose::Research
		));
		let entry = AccessEntry {
			record_id,
			version: 1,
			custodian: ST_MARYS,
			accessor: RESEARCH_ORG,
			purpose: Purpose::Research,
			basis: DisclosureBasis::Consent(42),
			at: 6,
			time: time_of(6),
		};
		assert_eq!(AccessLogEntries::<Test>::get(ALICE, 0), Some(entry.clone()));
		assert_eq!(
			last_record_event(),
			Event::AccessLogged { patient: ALICE, seq: 0, entry: entry.clone() }
		);
		let log = AccessLogs::<Test>::get(ALICE);
		assert_eq!((log.next, log.folded, log.digest), (1, 0, [0; 32]));
		assert_eq!(
			RecordsPallet::access_log_of_patient(ALICE, None, 10),
			Page { items: vec![(0, entry)], next: None }
		);
	});
}

#[test]
fn a_disclosure_without_consent_is_refused_and_not_logged() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		// A permit for another purpose, or of another patient, does not count.
		MockConsentCheck::permit(&ALICE, &RESEARCH_ORG, Purpose::Treatment, 1);
		MockConsentCheck::permit(&BOB, &RESEARCH_ORG, Purpose::Research, 2);
		assert_noop!(
			RecordsPallet::log_access(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				RESEARCH_ORG,
				Purpose::Research
			),
			Error::<Test>::NoConsent
		);
		assert_eq!(AccessLogs::<Test>::get(ALICE).next, 0);
	});
}

#[test]
fn every_denial_reason_becomes_a_named_error() {
	let cases = [
		(DenialReason::NoConsent, Error::<Test>::NoConsent),
		(DenialReason::PurposeNotCovered, Error::<Test>::PurposeNotConsented),
		(DenialReason::DataNotCovered, Error::<Test>::DataNotConsented),
		(DenialReason::NotYetValid(1), Error::<Test>::ConsentNotYetValid),
		(DenialReason::Expired(1), Error::<Test>::ConsentExpired),
		(DenialReason::Revoked(1), Error::<Test>::ConsentRevoked),
		(DenialReason::ExplicitDeny(1), Error::<Test>::ConsentDenied),
	];
	for (reason, error) in cases {
		assert_eq!(DispatchError::from(Error::<Test>::from(reason)), DispatchError::from(error));
	}
}

#[test]
fn break_glass_permits_a_disclosure_for_emergency_treatment_only() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		MockConsentCheck::open_emergency(&ALICE, &ER_DOCTOR, 7);
		assert_noop!(
			RecordsPallet::log_access(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				ER_DOCTOR,
				Purpose::Treatment
			),
			Error::<Test>::NoConsent
		);
		assert_ok!(RecordsPallet::log_access(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			ER_DOCTOR,
			Purpose::EmergencyTreatment
		));
		let entry = AccessLogEntries::<Test>::get(ALICE, 0).unwrap();
		assert_eq!(entry.basis, DisclosureBasis::EmergencyAccess(7));
		assert_eq!(entry.purpose, Purpose::EmergencyTreatment);
	});
}

#[test]
fn a_disclosure_to_the_patient_needs_no_consent_and_is_logged() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_ok!(RecordsPallet::log_access(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			ALICE,
			Purpose::Treatment
		));
		assert_eq!(
			AccessLogEntries::<Test>::get(ALICE, 0).unwrap().basis,
			DisclosureBasis::PatientRequest
		);
	});
}

#[test]
fn only_the_records_custodian_logs_its_disclosures() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		MockConsentCheck::permit(&ALICE, &RESEARCH_ORG, Purpose::Research, 1);
		assert_noop!(
			RecordsPallet::log_access(
				RuntimeOrigin::signed(GENERAL),
				record_id,
				RESEARCH_ORG,
				Purpose::Research
			),
			Error::<Test>::NotRecordCustodian
		);
		for caller in [CLINIC, ALICE, RESEARCH_ORG] {
			assert_noop!(
				RecordsPallet::log_access(
					RuntimeOrigin::signed(caller),
					record_id,
					RESEARCH_ORG,
					Purpose::Research
				),
				DispatchError::BadOrigin
			);
		}
		assert_noop!(
			RecordsPallet::log_access(
				RuntimeOrigin::signed(ST_MARYS),
				9,
				RESEARCH_ORG,
				Purpose::Research
			),
			Error::<Test>::RecordNotFound
		);
	});
}

#[test]
fn a_full_log_rolls_its_oldest_entry_into_the_digest() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		MockConsentCheck::permit(&ALICE, &RESEARCH_ORG, Purpose::Research, 1);
		let disclose = || {
			assert_ok!(RecordsPallet::log_access(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				RESEARCH_ORG,
				Purpose::Research
			));
		};
		for block in 1..=MAX_ACCESS_LOG as u64 {
			run_to_block(block);
			disclose();
		}
		assert_eq!(AccessLogs::<Test>::get(ALICE).folded, 0);
		run_to_block(50);
		disclose();
		disclose();
		let log = AccessLogs::<Test>::get(ALICE);
		assert_eq!((log.next, log.folded), (MAX_ACCESS_LOG as u64 + 2, 2));
		assert_eq!(log.last_folded_at, Some(2));
		assert_eq!(log.digest, digest_from_events(ALICE, 2));
		assert_eq!(AccessLogEntries::<Test>::get(ALICE, 0), None);
		assert_eq!(AccessLogEntries::<Test>::get(ALICE, 1), None);
		assert_eq!(AccessLogEntries::<Test>::iter_prefix(ALICE).count(), MAX_ACCESS_LOG as usize);
		assert!(record_events().contains(&Event::AccessLogCompacted {
			patient: ALICE,
			folded: 1,
			total_folded: 2,
			digest: log.digest,
		}));
	});
}

#[test]
fn each_patient_has_their_own_log() {
	new_test_ext_checked(|| {
		let alice_record = anchor(ST_MARYS, ALICE, commitment(1));
		let bob_record = anchor(ST_MARYS, BOB, commitment(2));
		for (record_id, patient) in [(alice_record, ALICE), (bob_record, BOB), (bob_record, BOB)] {
			assert_ok!(RecordsPallet::log_access(
				RuntimeOrigin::signed(ST_MARYS),
				record_id,
				patient,
				Purpose::Treatment
			));
		}
		assert_eq!(AccessLogs::<Test>::get(ALICE).next, 1);
		assert_eq!(AccessLogs::<Test>::get(BOB).next, 2);
		assert_eq!(RecordsPallet::access_log_of_patient(BOB, None, 10).items.len(), 2);
	});
}
