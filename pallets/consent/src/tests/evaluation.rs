//! The consent evaluation (`ConsentCheck`) and its stand-ins for other pallets' mocks.

use super::*;
use frame_support::assert_ok;
use healthchain_primitives::testing::MockConsentCheck;

type Check = ConsentPallet;

fn lab_record(id: RecordId) -> DataTarget {
	DataTarget::record(DataClass::Laboratory, id)
}

#[test]
fn no_consent_denies_with_no_consent() {
	new_test_ext_checked(|| {
		assert_eq!(
			<Check as ConsentCheck<u64, u64>>::is_permitted(
				&ALICE,
				&HOSPITAL,
				Purpose::Treatment,
				&lab_data(),
				1
			),
			Err(DenialReason::NoConsent)
		);
	});
}

#[test]
fn permit_covers_only_its_purposes() {
	new_test_ext_checked(|| {
		let consent_id = grant(
			ALICE,
			HOSPITAL,
			permit(&[Purpose::Treatment, Purpose::AiAssistedDiagnosis], &[LAB]),
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::AiAssistedDiagnosis, lab_data()),
			Ok(consent_id)
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Research, lab_data()),
			Err(DenialReason::PurposeNotCovered)
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Payment, lab_data()),
			Err(DenialReason::PurposeNotCovered)
		);
	});
}

#[test]
fn permit_covers_only_its_data() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_record(5)), Ok(consent_id));
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, DataTarget::class(DataClass::Imaging)),
			Err(DenialReason::DataNotCovered)
		);
		// A class permit does not cover a request for everything.
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, DataTarget::class(DataClass::All)),
			Err(DenialReason::DataNotCovered)
		);
	});
}

#[test]
fn permit_for_all_data_covers_every_class_and_record() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[ALL_DATA]));
		for class in DataClass::ALL {
			assert_eq!(
				check(ALICE, HOSPITAL, Purpose::Treatment, DataTarget::class(class)),
				Ok(consent_id)
			);
			assert_eq!(
				check(ALICE, HOSPITAL, Purpose::Treatment, DataTarget::record(class, 77)),
				Ok(consent_id)
			);
		}
	});
}

#[test]
fn record_permit_covers_only_that_record() {
	new_test_ext_checked(|| {
		let consent_id =
			grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[DataScope::Record(42)]));
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_record(42)), Ok(consent_id));
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, DataTarget::record(DataClass::Imaging, 42)),
			Ok(consent_id)
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_record(43)),
			Err(DenialReason::DataNotCovered)
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::DataNotCovered)
		);
	});
}

#[test]
fn deny_overrides_an_overlapping_permit() {
	new_test_ext_checked(|| {
		grant(ALICE, RESEARCH_ORG, permit(&[Purpose::Research], &[ALL_DATA]));
		let deny_id = grant(ALICE, RESEARCH_ORG, deny(&[Purpose::Research], &[GENOMICS]));
		assert_eq!(
			check(ALICE, RESEARCH_ORG, Purpose::Research, DataTarget::class(DataClass::Genomics)),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		// Asking for everything overlaps the genomics deny too.
		assert_eq!(
			check(ALICE, RESEARCH_ORG, Purpose::Research, DataTarget::class(DataClass::All)),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		// Other classes stay permitted.
		assert_eq!(check(ALICE, RESEARCH_ORG, Purpose::Research, lab_data()), Ok(0));
	});
}

#[test]
fn deny_granted_before_the_permit_still_wins() {
	new_test_ext_checked(|| {
		let deny_id = grant(ALICE, RESEARCH_ORG, deny(&[Purpose::Research], &[ALL_DATA]));
		grant(ALICE, RESEARCH_ORG, permit(&[Purpose::Research], &[LAB]));
		assert_eq!(
			check(ALICE, RESEARCH_ORG, Purpose::Research, lab_data()),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
	});
}

#[test]
fn record_deny_blocks_that_record_and_whole_class_requests_only() {
	new_test_ext_checked(|| {
		let permit_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		let deny_id = grant(ALICE, HOSPITAL, deny(&[Purpose::Treatment], &[DataScope::Record(7)]));
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_record(7)),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_record(8)), Ok(permit_id));
	});
}

#[test]
fn deny_for_another_purpose_or_grantee_does_not_interfere() {
	new_test_ext_checked(|| {
		let permit_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		grant(ALICE, HOSPITAL, deny(&[Purpose::Research], &[ALL_DATA]));
		grant(ALICE, RESEARCH_ORG, deny(&[Purpose::Treatment], &[ALL_DATA]));
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(permit_id));
	});
}

#[test]
fn treatment_includes_emergency_treatment_but_not_the_reverse() {
	new_test_ext_checked(|| {
		let treat = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_eq!(check(ALICE, HOSPITAL, Purpose::EmergencyTreatment, lab_data()), Ok(treat));
		let emergency = grant(ALICE, ER_DOCTOR, permit(&[Purpose::EmergencyTreatment], &[LAB]));
		assert_eq!(check(ALICE, ER_DOCTOR, Purpose::EmergencyTreatment, lab_data()), Ok(emergency));
		assert_eq!(
			check(ALICE, ER_DOCTOR, Purpose::Treatment, lab_data()),
			Err(DenialReason::PurposeNotCovered)
		);
		// A treatment deny also denies emergency treatment.
		let deny_id = grant(ALICE, HOSPITAL, deny(&[Purpose::Treatment], &[ALL_DATA]));
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::EmergencyTreatment, lab_data()),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
	});
}

#[test]
fn ai_assisted_diagnosis_is_not_part_of_treatment() {
	new_test_ext_checked(|| {
		grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[ALL_DATA]));
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::AiAssistedDiagnosis, lab_data()),
			Err(DenialReason::PurposeNotCovered)
		);
	});
}

#[test]
fn inactive_deny_does_not_block() {
	new_test_ext_checked(|| {
		let permit_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		let deny_id = grant(
			ALICE,
			HOSPITAL,
			with_period(deny(&[Purpose::Treatment], &[LAB]), Some(10), Some(20)),
		);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(permit_id));
		run_to_block(10);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::ExplicitDeny(deny_id))
		);
		run_to_block(20);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(permit_id));
	});
}

#[test]
fn an_active_permit_wins_over_inactive_ones_and_the_oldest_is_reported() {
	new_test_ext_checked(|| {
		let expired = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), None, Some(3)),
		);
		let first = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		let _second = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[ALL_DATA]));
		run_to_block(5);
		assert_eq!(check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()), Ok(first));
		assert_ne!(first, expired);
	});
}

#[test]
fn denial_explains_an_inactive_permit_before_a_data_mismatch() {
	new_test_ext_checked(|| {
		grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[IMAGING]));
		let later = grant(
			ALICE,
			HOSPITAL,
			with_period(permit(&[Purpose::Treatment], &[LAB]), Some(50), None),
		);
		assert_eq!(
			check(ALICE, HOSPITAL, Purpose::Treatment, lab_data()),
			Err(DenialReason::NotYetValid(later))
		);
	});
}

#[test]
fn check_access_combines_consent_and_break_glass_through_the_trait() {
	new_test_ext_checked(|| {
		let consent_id = grant(ALICE, HOSPITAL, permit(&[Purpose::Treatment], &[LAB]));
		assert_eq!(
			<Check as ConsentCheck<u64, u64>>::check_access(
				&ALICE,
				&HOSPITAL,
				Purpose::Treatment,
				&lab_data(),
				1
			),
			Ok(AccessBasis::Consent(consent_id))
		);
		assert_ok!(ConsentPallet::open_emergency_access(
			RuntimeOrigin::signed(ER_DOCTOR),
			ALICE,
			frame_support::BoundedVec::truncate_from(b"ER".to_vec())
		));
		assert_eq!(
			<Check as ConsentCheck<u64, u64>>::has_emergency_access(&ALICE, &ER_DOCTOR, 1),
			Some(0)
		);
		assert_eq!(
			<Check as ConsentCheck<u64, u64>>::check_access(
				&ALICE,
				&ER_DOCTOR,
				Purpose::EmergencyTreatment,
				&lab_data(),
				1
			),
			Ok(AccessBasis::EmergencyAccess(0))
		);
	});
}

#[test]
fn check_weight_covers_a_full_pair_and_a_break_glass_lookup() {
	let weight = <Check as ConsentCheck<u64, u64>>::check_weight();
	assert_eq!(
		weight,
		<() as WeightInfo>::check_consent(8)
			.saturating_add(<() as WeightInfo>::check_emergency_access())
	);
	assert!(weight.all_gt(<() as WeightInfo>::check_consent(1)));
}

#[test]
fn deny_all_and_unit_deny_everything_at_no_weight() {
	let target = lab_data();
	assert_eq!(
		<DenyAll as ConsentCheck<u64, u64>>::is_permitted(&1, &2, Purpose::Treatment, &target, 1),
		Err(DenialReason::NoConsent)
	);
	assert_eq!(
		<() as ConsentCheck<u64, u64>>::check_access(
			&1,
			&2,
			Purpose::EmergencyTreatment,
			&target,
			1
		),
		Err(DenialReason::NoConsent)
	);
	assert_eq!(<() as ConsentCheck<u64, u64>>::has_emergency_access(&1, &2, 1), None);
	assert!(<DenyAll as ConsentCheck<u64, u64>>::check_weight().is_zero());
}

#[test]
fn permit_all_permits_everything() {
	assert_eq!(
		<PermitAll as ConsentCheck<u64, u64>>::check_access(
			&1,
			&2,
			Purpose::Research,
			&lab_data(),
			1
		),
		Ok(AccessBasis::Consent(0))
	);
}

#[test]
fn mock_consent_check_answers_what_the_test_set() {
	MockConsentCheck::reset();
	let check = |purpose| {
		<MockConsentCheck as ConsentCheck<u64, u64>>::is_permitted(&1, &2, purpose, &lab_data(), 1)
	};
	assert_eq!(check(Purpose::Treatment), Err(DenialReason::NoConsent));
	MockConsentCheck::permit(&1u64, &2u64, Purpose::Treatment, 9);
	assert_eq!(check(Purpose::Treatment), Ok(9));
	assert_eq!(check(Purpose::Research), Err(DenialReason::NoConsent));
	MockConsentCheck::revoke(&1u64, &2u64, Purpose::Treatment);
	assert_eq!(check(Purpose::Treatment), Err(DenialReason::NoConsent));
	MockConsentCheck::open_emergency(&1u64, &2u64, 4);
	assert_eq!(
		<MockConsentCheck as ConsentCheck<u64, u64>>::check_access(
			&1,
			&2,
			Purpose::EmergencyTreatment,
			&lab_data(),
			1
		),
		Ok(AccessBasis::EmergencyAccess(4))
	);
	MockConsentCheck::reset();
	assert_eq!(<MockConsentCheck as ConsentCheck<u64, u64>>::has_emergency_access(&1, &2, 1), None);
}

#[test]
fn purpose_codes_follow_hl7() {
	let codes: Vec<_> = Purpose::ALL.iter().map(|p| p.code()).collect();
	assert_eq!(codes, vec!["TREAT", "ETREAT", "HRESCH", "HPAYMT", "HOPERAT", "AIDIAG"]);
	assert_eq!(Purpose::Treatment.system(), "http://terminology.hl7.org/CodeSystem/v3-ActReason");
	assert_eq!(Purpose::AiAssistedDiagnosis.system(), "urn:healthchain:purpose-of-use");
}
