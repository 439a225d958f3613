//! Unit tests of the consent pallet over the mock runtime, one file per call or concern.
//!
//! Every test runs in `new_test_ext_checked`, which checks the pallet's `try_state`
//! invariants after the test body.

mod break_glass;
mod cleanup;
mod delegation;
mod evaluation;
mod evaluation_props;
mod grant;
mod hooks;
mod queries;
mod revoke;

use crate::{mock::*, *};
use frame_support::assert_ok;

/// Laboratory data.
pub const LAB: DataScope = DataScope::Class(DataClass::Laboratory);
/// Imaging data.
pub const IMAGING: DataScope = DataScope::Class(DataClass::Imaging);
/// Genomic data.
pub const GENOMICS: DataScope = DataScope::Class(DataClass::Genomics);
/// Every kind of data.
pub const ALL_DATA: DataScope = DataScope::Class(DataClass::All);

/// A permit for `purposes` on `data`, open-ended from now.
pub fn permit(purposes: &[Purpose], data: &[DataScope]) -> ProvisionOf<Test> {
	provision(Decision::Permit, purposes, data)
}

/// A deny for `purposes` on `data`, open-ended from now.
pub fn deny(purposes: &[Purpose], data: &[DataScope]) -> ProvisionOf<Test> {
	provision(Decision::Deny, purposes, data)
}

/// `patient` grants `provision` to `grantee` and the new consent's id is returned.
pub fn grant(patient: u64, grantee: u64, provision: ProvisionOf<Test>) -> ConsentId {
	let consent_id = NextConsentId::<Test>::get();
	assert_ok!(ConsentPallet::grant_consent(
		RuntimeOrigin::signed(patient),
		None,
		grantee,
		provision
	));
	consent_id
}

/// The consent evaluation at the current block.
pub fn check(
	patient: u64,
	grantee: u64,
	purpose: Purpose,
	target: DataTarget,
) -> Result<ConsentId, DenialReason> {
	ConsentPallet::evaluate(&patient, &grantee, purpose, &target, System::block_number())
}

/// Every laboratory record.
pub fn lab_data() -> DataTarget {
	DataTarget::class(DataClass::Laboratory)
}
