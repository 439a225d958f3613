//! The pallet's invariants, checked by `try_state` (with the `try-runtime` feature) and after
//! every unit test: models and their hash index agree; every request is consistent with its
//! status, submissions, the open set, the deadline buckets and its attestation; the counters
//! match the requests; every attestation listing is complete and ordered.

use crate::{
	agreement, max_results, Attestations, AttestationsByModel, AttestationsByPatient,
	AttestationsBySeq, Config, ModelCounts, ModelId, ModelIdByHash, ModelStats, ModelStatus,
	Models, NextAttestationSeq, NextModelId, NextRequestId, OpenRequests, OpenRequestsByPair,
	OpenRequestsByRecord, Pallet, PatientAttestationCount, RequestStatus, Requests,
	RequestsByDeadline, MAX_OUTPUT_VALUES,
};
use alloc::{collections::btree_map::BTreeMap, vec::Vec};
use frame_support::{ensure, traits::Get};

impl<T: Config> Pallet<T> {
	/// Checks that models and their hash index agree, that every request is consistent with its
	/// status, submissions, the open set, the deadline buckets and its attestation, that the
	/// counters match the requests, and that every attestation listing is complete and ordered.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		// Models.
		let next_model_id = NextModelId::<T>::get();
		let mut models = 0u32;
		for (model_id, model) in Models::<T>::iter() {
			models += 1;
			ensure!(model_id < next_model_id, "model id not below NextModelId");
			ensure!(
				ModelIdByHash::<T>::get(model.model_hash) == Some(model_id),
				"model missing from the hash index"
			);
			ensure!(
				(1..=MAX_OUTPUT_VALUES).contains(&model.output_size),
				"model output size out of range"
			);
			let consistent = match model.status {
				ModelStatus::Proposed => model.approved_at.is_none() && model.retired_at.is_none(),
				ModelStatus::Approved => model.approved_at.is_some() && model.retired_at.is_none(),
				ModelStatus::Retired => model.retired_at.is_some(),
			};
			ensure!(consistent, "model approval or retirement block disagrees with its status");
			ensure!(
				(1..=T::MaxQuorum::get()).contains(&model.min_quorum),
				"model minimum quorum out of range"
			);
		}
		ensure!(
			ModelIdByHash::<T>::iter().count() as u32 == models,
			"hash index and model map differ in size"
		);

		// Requests.
		let now = frame_system::Pallet::<T>::block_number();
		let next_request_id = NextRequestId::<T>::get();
		let mut counts: BTreeMap<ModelId, ModelCounts> = BTreeMap::new();
		let mut open = 0u32;
		let mut attested = 0u64;
		for (request_id, request) in Requests::<T>::iter() {
			ensure!(request_id < next_request_id, "request id not below NextRequestId");
			ensure!(Models::<T>::contains_key(request.model_id), "request names a missing model");
			ensure!(
				(1..=T::MaxQuorum::get()).contains(&request.quorum),
				"request quorum out of range"
			);
			// One submission per hospital in an open request. (Requests settled under storage
			// version 1 may hold two of one hospital; an attestor account may in principle
			// answer twice, for two hospitals, had it moved from one to the other.)
			if request.status.is_open() {
				let mut custodians: Vec<_> =
					request.submissions.iter().map(|s| &s.custodian).collect();
				custodians.sort();
				ensure!(
					custodians.windows(2).all(|w| w[0] != w[1]),
					"a custodian submitted twice to an open request"
				);
			}
			let results: Vec<&[i64]> =
				request.results().map(|(_, values)| values.as_slice()).collect();
			ensure!(
				results.len() as u32 <= max_results(request.quorum),
				"more results than 2 * quorum - 1"
			);
			ensure!(request.failure_count() <= request.quorum, "more failures than quorum");
			let entry = counts.entry(request.model_id).or_default();
			entry.requested = entry.requested.saturating_add(1);
			entry.count_settled(request.status);
			ensure!(
				request.status.is_open() == OpenRequests::<T>::contains_key(request_id),
				"open set disagrees with the request status"
			);
			ensure!(
				request.status.is_open() == request.settled_at.is_none(),
				"settlement block disagrees with the request status"
			);
			ensure!(
				(request.status == RequestStatus::Attested)
					== Attestations::<T>::contains_key(request_id),
				"attestation present iff the request is attested"
			);
			ensure!(
				request.status.is_open()
					== OpenRequestsByRecord::<T>::get(request.record_id).contains(&request_id),
				"the record's open-request listing disagrees with the request status"
			);
			if request.requester != request.patient {
				ensure!(
					request.status.is_open()
						== OpenRequestsByPair::<T>::get(&request.patient, &request.requester)
							.contains(&request_id),
					"the pair's open-request listing disagrees with the request status"
				);
			}
			if request.status.is_open() {
				open += 1;
				ensure!(now < request.deadline, "open request past its deadline");
				ensure!(
					RequestsByDeadline::<T>::get(request.deadline).contains(&request_id),
					"open request missing from its deadline bucket"
				);
				ensure!(
					request.failure_count() < request.quorum,
					"open request with quorum failures"
				);
				let tolerance =
					Models::<T>::get(request.model_id).map_or(0, |model| model.tolerance_ppm);
				ensure!(
					agreement::evaluate(&results, request.quorum, tolerance)
						== agreement::Outcome::Pending,
					"open request whose results settle it"
				);
			}
			if let Some(attestation) = Attestations::<T>::get(request_id) {
				attested += 1;
				ensure!(
					attestation.request_id == request_id
						&& attestation.model_id == request.model_id
						&& attestation.record_id == request.record_id
						&& attestation.commitment == request.commitment
						&& attestation.patient == request.patient,
					"attestation disagrees with its request"
				);
				ensure!(
					attestation.attestors.len() as u32 == request.quorum,
					"attestation not signed by quorum attestors"
				);
				ensure!(
					attestation
						.attestors
						.iter()
						.all(|who| request.submissions.iter().any(|s| s.attestor == *who)),
					"attestation names an attestor that did not submit"
				);
				ensure!(
					AttestationsBySeq::<T>::get(attestation.seq)
						== Some((attestation.attested_at, request_id)),
					"attestation missing from the chronological listing"
				);
			}
		}
		ensure!(OpenRequests::<T>::count() == open, "open set counter disagrees with requests");
		let by_record: u64 =
			OpenRequestsByRecord::<T>::iter_values().map(|ids| ids.len() as u64).sum();
		ensure!(by_record == u64::from(open), "record listings hold settled or missing requests");
		for (patient, requester, ids) in OpenRequestsByPair::<T>::iter() {
			ensure!(!ids.is_empty(), "an empty pair listing is stored");
			for request_id in ids {
				let request =
					Requests::<T>::get(request_id).ok_or("pair listing names a missing request")?;
				ensure!(
					request.patient == patient && request.requester == requester,
					"request in the wrong pair listing"
				);
			}
		}
		ensure!(
			OpenRequests::<T>::iter_keys().count() as u32 == open,
			"open set holds settled or missing requests"
		);
		ensure!(
			Attestations::<T>::iter_keys().count() as u64 == attested,
			"attestations without a request"
		);

		// Counters and the model listings.
		for (model_id, stats) in ModelStats::<T>::iter() {
			ensure!(
				counts.remove(&model_id).unwrap_or_default() == stats,
				"model counters disagree with the requests"
			);
			for position in 0..stats.attested {
				let request_id = AttestationsByModel::<T>::get(model_id, position)
					.ok_or("model listing has a gap")?;
				let attestation = Attestations::<T>::get(request_id)
					.ok_or("model listing names a missing attestation")?;
				ensure!(attestation.model_id == model_id, "model listing under the wrong model");
			}
		}
		ensure!(
			counts.values().all(|c| *c == ModelCounts::default()),
			"requests on a model without counters"
		);
		ensure!(
			AttestationsByModel::<T>::iter_keys().count() as u64 == attested,
			"model listings and attestations differ in size"
		);

		// The patient listings.
		let mut listed = 0u64;
		for (patient, count) in PatientAttestationCount::<T>::iter() {
			for position in 0..count {
				let request_id = AttestationsByPatient::<T>::get(&patient, position)
					.ok_or("patient listing has a gap")?;
				let attestation = Attestations::<T>::get(request_id)
					.ok_or("patient listing names a missing attestation")?;
				ensure!(attestation.patient == patient, "patient listing under the wrong patient");
			}
			listed += u64::from(count);
		}
		ensure!(listed == attested, "patient listings and attestations differ in size");
		ensure!(
			AttestationsByPatient::<T>::iter_keys().count() as u64 == attested,
			"patient listing entries beyond the counts"
		);

		// The chronological listing.
		let next_seq = NextAttestationSeq::<T>::get();
		ensure!(next_seq == attested, "NextAttestationSeq disagrees with the attestations");
		let mut previous = None;
		for seq in 0..next_seq {
			let (block, request_id) =
				AttestationsBySeq::<T>::get(seq).ok_or("chronological listing has a gap")?;
			let attestation = Attestations::<T>::get(request_id)
				.ok_or("chronological listing names a missing attestation")?;
			ensure!(attestation.seq == seq, "chronological listing out of place");
			ensure!(previous.is_none_or(|p| p <= block), "chronological listing out of order");
			previous = Some(block);
		}

		// The deadline buckets only hold known requests, and only future blocks have any.
		for (deadline, ids) in RequestsByDeadline::<T>::iter() {
			ensure!(deadline > now, "a deadline bucket of a past block was not expired");
			for request_id in ids {
				let request = Requests::<T>::get(request_id)
					.ok_or("deadline bucket names a missing request")?;
				ensure!(request.deadline == deadline, "request in the wrong deadline bucket");
			}
		}
		Ok(())
	}
}
