//! `share_record` and `unshare_record`: who holds a record, and the hooks that tell the
//! attestation pallet when a record is erased or amended.

use super::*;
use codec::Encode;
use frame_support::{assert_noop, dispatch::Pays};
use healthchain_primitives::testing::{HookCall, MockHooks};
use sp_runtime::{DispatchError, DispatchResult};

fn share(custodian: u64, record_id: RecordId, holder: u64) -> DispatchResult {
	RecordsPallet::share_record(RuntimeOrigin::signed(custodian), record_id, holder)
}

fn holds(record_id: RecordId, who: u64) -> bool {
	<RecordsPallet as RecordLookup<u64>>::is_holder(record_id, &who)
}

#[test]
fn the_custodian_shares_a_record_and_the_receiving_custodian_holds_it() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert!(holds(record_id, ST_MARYS));
		assert!(!holds(record_id, GENERAL));

		assert_ok!(share(ST_MARYS, record_id, GENERAL));
		assert!(holds(record_id, GENERAL));
		assert!(!holds(record_id, COUNTY));
		assert_eq!(SharedWith::<Test>::get(record_id).to_vec(), vec![GENERAL]);
		assert_eq!(last_record_event(), Event::RecordShared { record_id, holder: GENERAL });
		// An unknown record has no holder.
		assert!(!holds(record_id + 1, ST_MARYS));
	});
}

#[test]
fn sharing_is_refused_with_a_named_error_and_changes_nothing() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		// Only a registered custodian may call, and only the record's own.
		assert_noop!(share(CLINIC, record_id, GENERAL), DispatchError::BadOrigin);
		assert_noop!(share(GENERAL, record_id, COUNTY), Error::<Test>::NotRecordCustodian);
		assert_noop!(share(ST_MARYS, record_id + 1, GENERAL), Error::<Test>::RecordNotFound);
		// Only with a registered custodian, and not with one that holds it already.
		assert_noop!(share(ST_MARYS, record_id, CLINIC), Error::<Test>::NotACustodian);
		assert_noop!(share(ST_MARYS, record_id, ST_MARYS), Error::<Test>::AlreadyHolder);
		assert_ok!(share(ST_MARYS, record_id, GENERAL));
		assert_noop!(share(ST_MARYS, record_id, GENERAL), Error::<Test>::AlreadyHolder);
		// At most `MaxSharesPerRecord` shares.
		assert_ok!(share(ST_MARYS, record_id, COUNTY));
		Custodians::add_for_test(CLINIC);
		assert_noop!(share(ST_MARYS, record_id, CLINIC), Error::<Test>::TooManyShares);
		// An erased record is shared with nobody new.
		let erased = anchor(ST_MARYS, BOB, commitment(2));
		assert_ok!(RecordsPallet::erase_record(
			RuntimeOrigin::signed(BOB),
			erased,
			ErasureReason::PatientRequest
		));
		assert_noop!(share(ST_MARYS, erased, GENERAL), Error::<Test>::RecordErased);
	});
}

#[test]
fn the_holder_or_the_custodian_withdraws_a_share() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_ok!(share(ST_MARYS, record_id, GENERAL));
		assert_ok!(share(ST_MARYS, record_id, COUNTY));

		// Someone else may not.
		assert_noop!(
			RecordsPallet::unshare_record(RuntimeOrigin::signed(COUNTY), record_id, GENERAL),
			Error::<Test>::NotCustodianOrHolder
		);
		// The holder deleted its copy.
		assert_ok!(RecordsPallet::unshare_record(
			RuntimeOrigin::signed(GENERAL),
			record_id,
			GENERAL
		));
		assert!(!holds(record_id, GENERAL));
		assert_eq!(
			last_record_event(),
			Event::RecordUnshared { record_id, holder: GENERAL, by: GENERAL }
		);
		assert_noop!(
			RecordsPallet::unshare_record(RuntimeOrigin::signed(ST_MARYS), record_id, GENERAL),
			Error::<Test>::NotHolder
		);
		// The custodian withdraws the last share: nothing is left in storage.
		assert_ok!(RecordsPallet::unshare_record(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			COUNTY
		));
		assert!(!SharedWith::<Test>::contains_key(record_id));
		assert!(holds(record_id, ST_MARYS));
	});
}

#[test]
fn erasing_and_amending_tell_the_hooks_once_and_charge_them() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		let amended = RecordsPallet::amend_record(
			RuntimeOrigin::signed(ST_MARYS),
			record_id,
			commitment(2),
			AmendmentReason::Correction,
		)
		.expect("amended");
		assert_eq!(
			amended.actual_weight,
			Some(<() as WeightInfo>::amend_record().saturating_add(MockHooks::WEIGHT))
		);
		assert_eq!(amended.pays_fee, Pays::Yes);
		let erased = RecordsPallet::erase_record(
			RuntimeOrigin::signed(ALICE),
			record_id,
			ErasureReason::PatientRequest,
		)
		.expect("erased");
		assert_eq!(
			erased.actual_weight,
			Some(<() as WeightInfo>::erase_record().saturating_add(MockHooks::WEIGHT))
		);
		assert_eq!(
			MockHooks::calls(),
			vec![
				HookCall::Amended(record_id, ST_MARYS.encode()),
				HookCall::Erased(record_id, ALICE.encode())
			]
		);
	});
}

#[test]
fn a_refused_erasure_or_amendment_tells_nobody() {
	new_test_ext_checked(|| {
		let record_id = anchor(ST_MARYS, ALICE, commitment(1));
		assert_noop!(
			RecordsPallet::erase_record(
				RuntimeOrigin::signed(BOB),
				record_id,
				ErasureReason::PatientRequest
			),
			Error::<Test>::NotCustodianOrPatient
		);
		assert_noop!(
			RecordsPallet::amend_record(
				RuntimeOrigin::signed(GENERAL),
				record_id,
				commitment(2),
				AmendmentReason::Correction
			),
			Error::<Test>::NotRecordCustodian
		);
		assert!(MockHooks::calls().is_empty());
	});
}
