//! Unit tests of the attestation pallet over the mock runtime, one file per call or concern.
//!
//! Every test runs in `new_test_ext_checked` (or checks `do_try_state` itself), which checks
//! the pallet's `try_state` invariants after the test body.

mod agreement_props;
mod attestors;
mod cancel;
mod expiry;
mod feeless;
mod genesis;
mod holders;
mod migrations;
mod models;
mod offchain;
mod queries;
mod report_failure;
mod request;
mod submit;
mod withdrawal;

use crate::{mock::*, *};

/// A two-value output (P(benign), P(malignant)) in fixed point.
pub const BENIGN: [i64; 2] = [912_345, 87_655];
/// The same output with honest float drift, well within tolerance.
pub const BENIGN_DRIFTED: [i64; 2] = [912_346, 87_654];
/// An output that disagrees with [`BENIGN`] beyond tolerance.
pub const MALIGNANT: [i64; 2] = [103_000, 897_000];

/// The status of a request.
pub fn status(request_id: RequestId) -> RequestStatus {
	Requests::<Test>::get(request_id).expect("the request exists").status
}

/// The counters of a model.
pub fn stats(model_id: ModelId) -> ModelCounts {
	ModelStats::<Test>::get(model_id)
}

/// The number of submissions a request holds.
pub fn submissions(request_id: RequestId) -> usize {
	Requests::<Test>::get(request_id).expect("the request exists").submissions.len()
}
