//! Unit and property tests of the consortium pallet, split by call.

mod admit;
mod attestor;
mod genesis;
mod props;
mod remove;
mod roles;
mod session;

use crate::{mock::*, Roles};
use frame_support::assert_ok;

/// Admits the clinic with `roles` by the membership origin.
pub(crate) fn admit_clinic(roles: Roles) {
	assert_ok!(Consortium::admit_hospital(
		RuntimeOrigin::root(),
		CLINIC,
		b"Clinic".to_vec(),
		attestor_of(CLINIC),
		roles,
	));
}
