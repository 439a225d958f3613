//! Property test: any sequence of membership calls keeps the council equal to the hospitals,
//! the role feeds equal to the roles, at least `MinValidators` validators, and the storage
//! invariants; a failed call changes nothing.

use crate::{mock::*, Hospitals, Roles};
use frame_support::{storage::with_transaction, traits::SortedMembers};
use proptest::prelude::*;
use sp_runtime::TransactionOutcome;

#[derive(Debug, Clone)]
enum Op {
	Admit(u64, u64, Roles),
	Remove(u64),
	SetRoles(u64, Roles),
	SetAttestor(u64, u64),
}

fn roles() -> impl Strategy<Value = Roles> {
	(any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
		|(validator, custodian, attestor, care_provider)| Roles {
			validator,
			custodian,
			attestor,
			care_provider,
		},
	)
}

fn op() -> impl Strategy<Value = Op> {
	let account = 10u64..16;
	let attestor = 105u64..120;
	prop_oneof![
		(account.clone(), attestor.clone(), roles()).prop_map(|(h, a, r)| Op::Admit(h, a, r)),
		account.clone().prop_map(Op::Remove),
		(account.clone(), roles()).prop_map(|(h, r)| Op::SetRoles(h, r)),
		(account, attestor).prop_map(|(h, a)| Op::SetAttestor(h, a)),
	]
}

fn apply(op: &Op) -> sp_runtime::DispatchResult {
	let root = RuntimeOrigin::root();
	match op.clone() {
		Op::Admit(h, a, r) => Consortium::admit_hospital(root, h, b"H".to_vec(), a, r)
			.map(|_| ())
			.map_err(|e| e.error),
		Op::Remove(h) => Consortium::remove_hospital(root, h).map(|_| ()).map_err(|e| e.error),
		Op::SetRoles(h, r) => Consortium::set_roles(root, h, r),
		Op::SetAttestor(h, a) => Consortium::set_attestor(RuntimeOrigin::signed(h), a),
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]
	#[test]
	fn membership_feeds_stay_consistent(ops in prop::collection::vec(op(), 1..24)) {
		new_test_ext().execute_with(|| {
			for op in &ops {
				let before = Hospitals::<Test>::iter().collect::<Vec<_>>();
				let council_before = Council::members();
				let failed = with_transaction(|| {
					let result = apply(op);
					if result.is_err() { TransactionOutcome::Rollback(result) } else { TransactionOutcome::Commit(result) }
				}).is_err();
				if failed {
					prop_assert_eq!(Hospitals::<Test>::iter().collect::<Vec<_>>(), before);
					prop_assert_eq!(Council::members(), council_before);
				}
				let mut hospitals: Vec<u64> = Hospitals::<Test>::iter_keys().collect();
				hospitals.sort();
				prop_assert_eq!(Council::members(), hospitals.clone());
				let custodians: Vec<u64> = hospitals.iter().copied()
					.filter(|h| Hospitals::<Test>::get(h).unwrap().roles.custodian).collect();
				prop_assert_eq!(crate::Custodians::<Test>::sorted_members(), custodians);
				prop_assert!(crate::Pallet::<Test>::validators().len() as u32 >= MIN_VALIDATORS);
				prop_assert!(crate::Pallet::<Test>::do_try_state().is_ok());
			}
			Ok(())
		})?;
	}
}
