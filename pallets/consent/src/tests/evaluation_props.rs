//! Property tests of the consent evaluation against a small reference model.
//!
//! The model states the consent rules directly: an active deny that names the purpose
//! and overlaps the data wins; otherwise an active permit that names the purpose and covers
//! the data permits; nothing else does.

use super::*;
use proptest::{collection::btree_set, prelude::*, sample::select};

/// A consent as the model sees it.
#[derive(Clone, Debug)]
struct ModelConsent {
	decision: Decision,
	purposes: Vec<Purpose>,
	data: Vec<DataScope>,
	valid_from: u64,
	valid_until: Option<u64>,
}

/// A request.
#[derive(Clone, Copy, Debug)]
struct Request {
	purpose: Purpose,
	target: DataTarget,
	at: u64,
}

fn purpose() -> impl Strategy<Value = Purpose> {
	select(Purpose::ALL.to_vec())
}

fn data_class() -> impl Strategy<Value = DataClass> {
	select(DataClass::ALL.to_vec())
}

fn data_scope() -> impl Strategy<Value = DataScope> {
	prop_oneof![data_class().prop_map(DataScope::Class), (0u64..4).prop_map(DataScope::Record)]
}

fn decision() -> impl Strategy<Value = Decision> {
	prop_oneof![2 => Just(Decision::Permit), 1 => Just(Decision::Deny)]
}

fn consent() -> impl Strategy<Value = ModelConsent> {
	(
		decision(),
		btree_set(purpose(), 1..=4),
		btree_set(data_scope(), 1..=3),
		1u64..20,
		proptest::option::of(1u64..40),
	)
		.prop_map(|(decision, purposes, data, valid_from, length)| ModelConsent {
			decision,
			purposes: purposes.into_iter().collect(),
			data: data.into_iter().collect(),
			valid_from,
			valid_until: length.map(|length| valid_from + length),
		})
}

fn request() -> impl Strategy<Value = Request> {
	(purpose(), data_class(), proptest::option::of(0u64..4), 1u64..50).prop_map(
		|(purpose, class, record, at)| Request {
			purpose,
			target: DataTarget { class, record },
			at,
		},
	)
}

/// A request that, most of the time, names a purpose and data some consent speaks about, so
/// that permits and denies are hit as often as misses.
fn request_near(consents: &[(ModelConsent, bool)]) -> BoxedStrategy<Request> {
	let purposes: Vec<Purpose> = consents.iter().flat_map(|(c, _)| c.purposes.clone()).collect();
	let scopes: Vec<DataScope> = consents.iter().flat_map(|(c, _)| c.data.clone()).collect();
	if purposes.is_empty() || scopes.is_empty() {
		return request().boxed();
	}
	let target = select(scopes).prop_flat_map(|scope| match scope {
		DataScope::Class(class) => (Just(class), proptest::option::of(0u64..4)).boxed(),
		DataScope::Record(record) => (data_class(), Just(Some(record))).boxed(),
	});
	let near = (select(purposes), target, 1u64..35).prop_map(|(purpose, (class, record), at)| {
		Request { purpose, target: DataTarget { class, record }, at }
	});
	prop_oneof![3 => near, 1 => request()].boxed()
}

/// Up to `max` consents (each perhaps revoked) and requests mostly about them.
fn scenario(max: usize) -> impl Strategy<Value = (Vec<(ModelConsent, bool)>, Vec<Request>)> {
	prop::collection::vec((consent(), prop::bool::weighted(0.2)), 0..=max).prop_flat_map(
		|consents| {
			let requests = prop::collection::vec(request_near(&consents), 1..8);
			(Just(consents), requests)
		},
	)
}

/// The model's rules.
fn names_purpose(consent: &ModelConsent, requested: Purpose) -> bool {
	consent.purposes.contains(&requested)
		|| (requested == Purpose::EmergencyTreatment
			&& consent.purposes.contains(&Purpose::Treatment))
}

fn permit_covers(consent: &ModelConsent, target: &DataTarget) -> bool {
	consent.data.iter().any(|scope| match scope {
		DataScope::Class(DataClass::All) => true,
		DataScope::Class(class) => *class == target.class,
		DataScope::Record(id) => target.record == Some(*id),
	})
}

fn deny_overlaps(consent: &ModelConsent, target: &DataTarget) -> bool {
	consent.data.iter().any(|scope| match scope {
		DataScope::Class(DataClass::All) => true,
		DataScope::Class(class) => target.class == DataClass::All || *class == target.class,
		DataScope::Record(id) => target.record.is_none_or(|record| record == *id),
	})
}

fn in_period(consent: &ModelConsent, at: u64) -> bool {
	consent.valid_from <= at && consent.valid_until.is_none_or(|until| at < until)
}

/// What the model says: `Some(true)` permitted, `Some(false)` explicitly denied, `None` no
/// applicable consent.
fn model(consents: &[(ModelConsent, bool)], request: &Request) -> Option<bool> {
	let live = |(consent, revoked): &&(ModelConsent, bool)| {
		!*revoked && in_period(consent, request.at) && names_purpose(consent, request.purpose)
	};
	if consents
		.iter()
		.filter(live)
		.any(|(c, _)| c.decision == Decision::Deny && deny_overlaps(c, &request.target))
	{
		return Some(false);
	}
	consents
		.iter()
		.filter(live)
		.any(|(c, _)| c.decision == Decision::Permit && permit_covers(c, &request.target))
		.then_some(true)
}

fn to_provision(consent: &ModelConsent) -> ProvisionOf<Test> {
	with_period(
		provision(consent.decision, &consent.purposes, &consent.data),
		Some(consent.valid_from),
		consent.valid_until,
	)
}

/// Grants every consent from Alice to the hospital at block 1, revokes those marked, and
/// returns their ids.
fn grant_all(consents: &[(ModelConsent, bool)]) -> Vec<ConsentId> {
	run_to_block(1);
	let ids: Vec<_> =
		consents.iter().map(|(c, _)| grant(ALICE, HOSPITAL, to_provision(c))).collect();
	for (id, (_, revoked)) in ids.iter().zip(consents) {
		if *revoked {
			frame_support::assert_ok!(ConsentPallet::revoke_consent(
				RuntimeOrigin::signed(ALICE),
				*id
			));
		}
	}
	ids
}

/// Checks one answer of the pallet against the model and the consents it names.
fn agrees(
	consents: &[(ModelConsent, bool)],
	ids: &[ConsentId],
	request: &Request,
	answer: Result<ConsentId, DenialReason>,
) -> Result<(), TestCaseError> {
	let index_of = |id: ConsentId| ids.iter().position(|i| *i == id).unwrap();
	match (model(consents, request), answer) {
		(Some(true), Ok(id)) => {
			let (consent, revoked) = &consents[index_of(id)];
			prop_assert!(!revoked && consent.decision == Decision::Permit);
			prop_assert!(in_period(consent, request.at));
			prop_assert!(names_purpose(consent, request.purpose));
			prop_assert!(permit_covers(consent, &request.target));
		},
		(Some(false), Err(DenialReason::ExplicitDeny(id))) => {
			let (consent, revoked) = &consents[index_of(id)];
			prop_assert!(!revoked && consent.decision == Decision::Deny);
			prop_assert!(in_period(consent, request.at));
			prop_assert!(names_purpose(consent, request.purpose));
			prop_assert!(deny_overlaps(consent, &request.target));
		},
		(None, Err(reason)) => prop_assert!(!matches!(reason, DenialReason::ExplicitDeny(_))),
		(expected, answer) => {
			return Err(TestCaseError::fail(format!("model {expected:?}, pallet {answer:?}")))
		},
	}
	Ok(())
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(256))]

	/// The pallet agrees with the model for any consents and requests: in particular an active
	/// overlapping deny always wins, whatever the order of grants.
	#[test]
	fn evaluation_matches_the_model_and_deny_beats_permit(
		(consents, requests) in scenario(8),
	) {
		new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
			let ids = grant_all(&consents);
			for request in &requests {
				let answer = ConsentPallet::evaluate(
					&ALICE, &HOSPITAL, request.purpose, &request.target, request.at,
				);
				agrees(&consents, &ids, request, answer)?;
			}
			ConsentPallet::do_try_state().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
			Ok(())
		})?;
	}

	/// A single permit permits exactly inside its period, purposes and data.
	#[test]
	fn nothing_is_permitted_outside_period_purpose_or_data(
		consent in consent().prop_map(|c| ModelConsent { decision: Decision::Permit, ..c }),
		request in request(),
	) {
		new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
			let id = grant(ALICE, HOSPITAL, to_provision(&consent));
			let answer = ConsentPallet::evaluate(
				&ALICE, &HOSPITAL, request.purpose, &request.target, request.at,
			);
			let inside = in_period(&consent, request.at) &&
				names_purpose(&consent, request.purpose) &&
				permit_covers(&consent, &request.target);
			prop_assert_eq!(answer.is_ok(), inside, "answer {:?}", answer);
			if inside {
				prop_assert_eq!(answer, Ok(id));
			}
			// Another grantee, another patient: never.
			prop_assert!(ConsentPallet::evaluate(
				&ALICE, &RESEARCH_ORG, request.purpose, &request.target, request.at,
			).is_err());
			prop_assert!(ConsentPallet::evaluate(
				&BOB, &HOSPITAL, request.purpose, &request.target, request.at,
			).is_err());
			Ok(())
		})?;
	}

	/// Revoking takes effect in the block of the revocation: no check after it, in the same
	/// block, is answered with a revoked consent, and the answers match the model.
	#[test]
	fn revocation_takes_effect_in_the_same_block(
		(consents, requests) in scenario(8),
	) {
		new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
			// The scenario's revocation marks say what to revoke, in block 15, after granting.
			let revoke: Vec<bool> = consents.iter().map(|(_, revoked)| *revoked).collect();
			let mut marked: Vec<_> = consents.iter().cloned().map(|(c, _)| (c, false)).collect();
			let ids = grant_all(&marked);
			run_to_block(15);
			for (i, id) in ids.iter().enumerate() {
				if revoke[i] {
					frame_support::assert_ok!(
						ConsentPallet::revoke_consent(RuntimeOrigin::signed(ALICE), *id)
					);
					marked[i].1 = true;
				}
			}
			for request in &requests {
				let request = Request { at: 15, ..*request };
				let answer = ConsentPallet::evaluate(
					&ALICE, &HOSPITAL, request.purpose, &request.target, request.at,
				);
				if let Ok(id) = answer {
					prop_assert!(!marked[ids.iter().position(|i| *i == id).unwrap()].1);
				}
				agrees(&marked, &ids, &request, answer)?;
			}
			ConsentPallet::do_try_state().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
			Ok(())
		})?;
	}

	/// A delegate's consent never outlives the delegation, and a delegate can grant nothing
	/// the patient could not grant themselves.
	#[test]
	fn delegation_cannot_outlive_its_expiry_or_grant_more_than_the_patient(
		case in delegate_case(),
	) {
		let (by_delegate, by_patient) = run_delegate_case(&case)?;
		prop_assert!(!by_delegate || by_patient, "a delegate granted what the patient could not");
	}
}

/// A patient appoints Carol until `expires_at`; at block `at` Carol grants `consent` to
/// `grantee` for the patient.
#[derive(Clone, Debug)]
struct DelegateCase {
	expires_at: u64,
	at: u64,
	consent: ModelConsent,
	grantee: u64,
	requests: Vec<Request>,
}

fn delegate_case() -> impl Strategy<Value = DelegateCase> {
	(
		2u64..100,
		1u64..80,
		consent(),
		proptest::option::weighted(0.85, 0u64..60),
		prop_oneof![3 => Just(HOSPITAL), 1 => Just(CAROL), 1 => Just(ALICE)],
		prop::collection::vec(request(), 1..6),
	)
		.prop_map(|(expires_at, at, consent, until_offset, grantee, requests)| DelegateCase {
			expires_at,
			at,
			// The end is drawn relative to the grant block, so that it falls on both sides of
			// the delegation's expiry.
			consent: ModelConsent { valid_until: until_offset.map(|o| at + o), ..consent },
			grantee,
			requests,
		})
}

/// Runs the case: whether Carol's grant succeeded, and whether the patient's own grant of
/// the same provision at the same block would have. Checks what a delegate's consent may do.
fn run_delegate_case(case: &DelegateCase) -> Result<(bool, bool), TestCaseError> {
	let DelegateCase { expires_at, at, ref consent, grantee, ref requests } = *case;
	let by_delegate = new_test_ext().execute_with(|| -> Result<bool, TestCaseError> {
		frame_support::assert_ok!(ConsentPallet::appoint_delegate(
			RuntimeOrigin::signed(ALICE),
			CAROL,
			RepresentativeRole::Guardian,
			expires_at,
		));
		run_to_block(at);
		let consent_id = NextConsentId::<Test>::get();
		let granted = ConsentPallet::grant_consent(
			RuntimeOrigin::signed(CAROL),
			Some(ALICE),
			grantee,
			to_provision(consent),
		)
		.is_ok();
		if granted {
			// It ends no later than the delegation did, and says who acted.
			let stored = Consents::<Test>::get(consent_id).unwrap();
			prop_assert!(stored.valid_until.is_some_and(|until| until <= expires_at));
			prop_assert_eq!(stored.granted_by, CAROL);
			for request in requests {
				let after = Request { at: expires_at + request.at - 1, ..*request };
				prop_assert!(
					ConsentPallet::evaluate(
						&ALICE,
						&grantee,
						after.purpose,
						&after.target,
						after.at
					) != Ok(consent_id)
				);
			}
		}
		// A delegate past expiry can do nothing.
		if at >= expires_at {
			prop_assert!(!granted);
		}
		ConsentPallet::do_try_state().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
		Ok(granted)
	})?;
	let by_patient = new_test_ext().execute_with(|| {
		run_to_block(at);
		ConsentPallet::grant_consent(
			RuntimeOrigin::signed(ALICE),
			None,
			grantee,
			to_provision(consent),
		)
		.is_ok()
	});
	Ok((by_delegate, by_patient))
}

/// Guards the properties above against being vacuous: the generators produce permitted,
/// explicitly denied and unmatched requests, and successful and refused delegate grants, in
/// useful proportions.
#[test]
fn generators_exercise_every_outcome() {
	use proptest::{strategy::ValueTree, test_runner::TestRunner};
	let mut runner = TestRunner::deterministic();
	let (mut permitted, mut denied, mut unmatched) = (0, 0, 0);
	for _ in 0..500 {
		let (consents, requests) = scenario(8).new_tree(&mut runner).unwrap().current();
		match model(&consents, &requests[0]) {
			Some(true) => permitted += 1,
			Some(false) => denied += 1,
			None => unmatched += 1,
		}
	}
	eprintln!("evaluation: permitted {permitted}, denied {denied}, unmatched {unmatched}");
	assert!(permitted >= 75 && denied >= 75 && unmatched >= 75, "{permitted} {denied} {unmatched}");

	let (mut delegate_granted, mut delegate_refused, mut patient_only) = (0, 0, 0);
	for _ in 0..300 {
		let case = delegate_case().new_tree(&mut runner).unwrap().current();
		match run_delegate_case(&case).unwrap() {
			(true, _) => delegate_granted += 1,
			(false, true) => patient_only += 1,
			(false, false) => delegate_refused += 1,
		}
	}
	eprintln!(
		"delegation: granted {delegate_granted}, patient only {patient_only}, \
		 neither {delegate_refused}"
	);
	assert!(
		delegate_granted >= 45 && patient_only >= 45 && delegate_refused >= 45,
		"{delegate_granted} {patient_only} {delegate_refused}"
	);
}
