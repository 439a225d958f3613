//! Storage migrations: version 0 → 1 removes the pallet's own attestor list.

use super::*;
use crate::migrations::v1;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

#[test]
fn v1_removes_the_old_attestor_list_and_sets_the_version() {
	new_test_ext_checked(|| {
		StorageVersion::new(0).put::<AttestationPallet>();
		v1::Attestors::<Test>::insert(NODE_A, 1);
		v1::Attestors::<Test>::insert(NODE_B, 3);
		assert_eq!(v1::Attestors::<Test>::count(), 2);
		// Other state is untouched.
		let model_id = approved_model();

		v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(v1::Attestors::<Test>::count(), 0);
		assert!(v1::Attestors::<Test>::iter_keys().next().is_none());
		assert_eq!(AttestationPallet::on_chain_storage_version(), StorageVersion::new(1));
		assert!(Models::<Test>::contains_key(model_id));
	});
}

#[test]
fn v1_does_nothing_on_a_chain_already_at_version_1() {
	new_test_ext_checked(|| {
		StorageVersion::new(1).put::<AttestationPallet>();
		// An entry under the old prefix would be cleared by the inner migration: the versioned
		// wrapper must not run it.
		v1::Attestors::<Test>::insert(NODE_A, 1);
		v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(v1::Attestors::<Test>::count(), 1);
		v1::Attestors::<Test>::remove(NODE_A);
	});
}

#[test]
fn the_in_code_storage_version_is_1() {
	assert_eq!(AttestationPallet::in_code_storage_version(), StorageVersion::new(1));
}
