//! Benchmarks of the consent pallet (frame-benchmarking v2), each over its call's worst case.

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		EnsureOrigin, Get,
	},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::{One, Saturating};

const SEED: u32 = 0;

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(<T as frame_system::Config>::RuntimeEvent::from(
		event,
	));
}

fn block<T: Config>(n: u32) -> BlockNumberFor<T> {
	n.into()
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

fn set_block<T: Config>(n: BlockNumberFor<T>) {
	frame_system::Pallet::<T>::set_block_number(n);
}

/// Gives `who` enough to pay every deposit the pallet may ask of one patient.
fn fund<T: Config>(who: &T::AccountId) {
	let entries: BalanceOf<T> = T::MaxConsentsPerPatient::get()
		.saturating_add(T::MaxDelegatesPerPatient::get())
		.saturating_add(10)
		.into();
	let deposit = T::ConsentDeposit::get().max(T::DelegationDeposit::get());
	let amount = T::Currency::minimum_balance()
		.saturating_mul(10u32.into())
		.saturating_add(deposit.saturating_mul(entries));
	T::Currency::set_balance(who, amount);
}

/// The most distinct purposes a consent can name.
fn max_purposes<T: Config>() -> u32 {
	T::MaxPurposes::get().min(Purpose::ALL.len() as u32)
}

/// `p` distinct purposes, treatment first.
fn purposes<T: Config>(p: u32) -> BoundedVec<Purpose, T::MaxPurposes> {
	BoundedVec::truncate_from(Purpose::ALL.iter().copied().take(p as usize).collect())
}

/// `d` distinct data entries: every class first (each moves a counter), then records.
fn data_classes<T: Config>(d: u32) -> BoundedVec<DataScope, T::MaxDataScope> {
	let classes = DataClass::ALL.iter().copied().map(DataScope::Class);
	let records = (0..).map(DataScope::Record);
	BoundedVec::truncate_from(classes.chain(records).take(d as usize).collect())
}

/// `d` distinct single-record entries, none of which is `u64::MAX`.
fn data_records<T: Config>(d: u32) -> BoundedVec<DataScope, T::MaxDataScope> {
	BoundedVec::truncate_from((0..u64::from(d)).map(DataScope::Record).collect())
}

fn provision<T: Config>(
	decision: Decision,
	purposes: BoundedVec<Purpose, T::MaxPurposes>,
	data: BoundedVec<DataScope, T::MaxDataScope>,
	valid_until: Option<BlockNumberFor<T>>,
) -> ProvisionOf<T> {
	Provision {
		decision,
		purposes,
		data,
		valid_from: None,
		valid_until,
		policy: (T::MaxPolicyLen::get() > 0)
			.then(|| BoundedVec::truncate_from(alloc::vec![b'p'; T::MaxPolicyLen::get() as usize])),
	}
}

/// A minimal open-ended permit.
fn small_permit<T: Config>() -> ProvisionOf<T> {
	Provision {
		decision: Decision::Permit,
		purposes: purposes::<T>(1),
		data: data_classes::<T>(1),
		valid_from: None,
		valid_until: None,
		policy: None,
	}
}

/// Grants `count` small consents of `patient` to `grantee`.
fn grant_many<T: Config>(
	patient: &T::AccountId,
	grantee: &T::AccountId,
	count: u32,
) -> Result<(), BenchmarkError> {
	for _ in 0..count {
		Pallet::<T>::do_grant_consent(
			patient.clone(),
			patient.clone(),
			grantee.clone(),
			small_permit::<T>(),
		)?;
	}
	Ok(())
}

/// Fills the patient's pair index with `grantee` up to `MaxConsentsPerPair - 1` and the
/// patient's index up to `MaxConsentsPerPatient - 1`, the worst case for a new consent.
fn fill_patient<T: Config>(
	patient: &T::AccountId,
	grantee: &T::AccountId,
) -> Result<(), BenchmarkError> {
	let per_pair = T::MaxConsentsPerPair::get();
	grant_many::<T>(patient, grantee, per_pair.saturating_sub(1))?;
	let mut left = T::MaxConsentsPerPatient::get().saturating_sub(per_pair);
	let mut i = 0;
	while left > 0 {
		let other: T::AccountId = account("other-grantee", i, SEED);
		let batch = left.min(per_pair);
		grant_many::<T>(patient, &other, batch)?;
		left -= batch;
		i += 1;
	}
	Ok(())
}

/// Appoints `delegate` for `patient` until far in the future.
fn appoint<T: Config>(
	patient: &T::AccountId,
	delegate: &T::AccountId,
	expires_at: BlockNumberFor<T>,
) -> Result<(), BenchmarkError> {
	Pallet::<T>::appoint_delegate(
		RawOrigin::Signed(patient.clone()).into(),
		delegate.clone(),
		RepresentativeRole::Guardian,
		expires_at,
	)?;
	Ok(())
}

/// The care provider the runtime's `CareProviderOrigin` accepts, and its origin.
fn care_provider<T: Config>() -> Result<(T::RuntimeOrigin, T::AccountId), BenchmarkError> {
	let origin =
		T::CareProviderOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
	let provider = T::CareProviderOrigin::ensure_origin(origin.clone())
		.map_err(|_| BenchmarkError::Weightless)?;
	Ok((origin, provider))
}

fn max_reason<T: Config>() -> BoundedVec<u8, T::MaxReasonLen> {
	BoundedVec::truncate_from(alloc::vec![b'r'; T::MaxReasonLen::get() as usize])
}

/// Writes a break-glass access opened at `opened_at` straight into storage.
fn insert_access<T: Config>(
	patient: &T::AccountId,
	provider: &T::AccountId,
	opened_at: BlockNumberFor<T>,
) -> EmergencyAccessId {
	let access_id = NextEmergencyAccessId::<T>::get();
	EmergencyAccesses::<T>::insert(
		access_id,
		EmergencyAccess {
			patient: patient.clone(),
			provider: provider.clone(),
			reason: max_reason::<T>(),
			opened_at,
			expires_at: opened_at.saturating_add(T::EmergencyAccessDuration::get()),
			review: None,
		},
	);
	EmergencyAccessesByPatient::<T>::mutate(patient, |ids| {
		let _ = ids.try_push(access_id);
	});
	LatestEmergencyAccess::<T>::insert(patient, provider, access_id);
	NextEmergencyAccessId::<T>::put(access_id + 1);
	access_id
}

/// A block at which accesses opened at block 1 are past retention.
fn after_retention<T: Config>() -> BlockNumberFor<T> {
	T::EmergencyAccessDuration::get()
		.saturating_add(T::RetentionPeriod::get())
		.saturating_add(block::<T>(10))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A delegate grants for the patient (reads the delegation), with `p` purposes and `d`
	/// data classes (each moves a counter), into nearly full indexes.
	#[benchmark]
	fn grant_consent(
		p: Linear<1, { max_purposes::<T>() }>,
		d: Linear<1, { T::MaxDataScope::get() }>,
	) -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let grantee: T::AccountId = account("grantee", 0, SEED);
		let delegate: T::AccountId = account("delegate", 0, SEED);
		fund::<T>(&patient);
		fill_patient::<T>(&patient, &grantee)?;
		let expiry = now::<T>().saturating_add(block::<T>(1_000));
		appoint::<T>(&patient, &delegate, expiry)?;
		let provision =
			provision::<T>(Decision::Permit, purposes::<T>(p), data_classes::<T>(d), Some(expiry));
		let consent_id = NextConsentId::<T>::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(delegate.clone()), Some(patient.clone()), grantee.clone(), provision);

		assert_last_event::<T>(Event::ConsentGranted {
			consent_id,
			patient,
			grantee,
			decision: Decision::Permit,
			actor: delegate,
		});
		Ok(())
	}

	/// A delegate revokes a consent naming `p` purposes and `d` data classes.
	#[benchmark]
	fn revoke_consent(
		p: Linear<1, { max_purposes::<T>() }>,
		d: Linear<1, { T::MaxDataScope::get() }>,
	) -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let grantee: T::AccountId = account("grantee", 0, SEED);
		let delegate: T::AccountId = account("delegate", 0, SEED);
		fund::<T>(&patient);
		appoint::<T>(&patient, &delegate, now::<T>().saturating_add(block::<T>(1_000)))?;
		let consent_id = Pallet::<T>::do_grant_consent(
			patient.clone(),
			patient.clone(),
			grantee.clone(),
			provision::<T>(Decision::Permit, purposes::<T>(p), data_classes::<T>(d), None),
		)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(delegate.clone()), consent_id);

		assert_last_event::<T>(Event::ConsentRevoked {
			consent_id,
			patient,
			grantee,
			actor: delegate,
		});
		Ok(())
	}

	/// A patient with `MaxDelegatesPerPatient - 1` delegates appoints one more.
	#[benchmark]
	fn appoint_delegate() -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		fund::<T>(&patient);
		let expires_at = now::<T>().saturating_add(block::<T>(1_000));
		for i in 1..T::MaxDelegatesPerPatient::get() {
			appoint::<T>(&patient, &account("other-delegate", i, SEED), expires_at)?;
		}
		let delegate: T::AccountId = account("delegate", 0, SEED);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(patient.clone()),
			delegate.clone(),
			RepresentativeRole::Guardian,
			expires_at,
		);

		assert_last_event::<T>(Event::DelegateAppointed {
			patient,
			delegate,
			role: RepresentativeRole::Guardian,
			expires_at,
		});
		Ok(())
	}

	/// A patient withdraws a delegation (releasing its deposit).
	#[benchmark]
	fn withdraw_delegation() -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let delegate: T::AccountId = account("delegate", 0, SEED);
		fund::<T>(&patient);
		appoint::<T>(&patient, &delegate, now::<T>().saturating_add(block::<T>(1_000)))?;

		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), delegate.clone());

		assert_last_event::<T>(Event::DelegationWithdrawn { patient, delegate });
		Ok(())
	}

	/// A care provider opens break-glass access while the patient's listing is full and `n`
	/// of its accesses are past retention (and are pruned); with `n = 0` the listing has one
	/// free slot.
	#[benchmark]
	fn open_emergency_access(
		n: Linear<0, { T::MaxEmergencyAccessesPerPatient::get() }>,
	) -> Result<(), BenchmarkError> {
		let (origin, provider) = care_provider::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let max = T::MaxEmergencyAccessesPerPatient::get();
		for i in 0..n {
			insert_access::<T>(&patient, &account("old-provider", i, SEED), One::one());
		}
		set_block::<T>(after_retention::<T>());
		let fresh = if n == 0 { max.saturating_sub(1) } else { max.saturating_sub(n) };
		for i in 0..fresh {
			insert_access::<T>(&patient, &account("fresh-provider", i, SEED), now::<T>());
		}
		let access_id = NextEmergencyAccessId::<T>::get();
		let reason = max_reason::<T>();
		let expires_at = now::<T>().saturating_add(T::EmergencyAccessDuration::get());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, patient.clone(), reason.clone());

		assert_last_event::<T>(Event::EmergencyAccessOpened {
			access_id,
			patient,
			provider,
			reason,
			expires_at,
		});
		Ok(())
	}

	/// The review of a break-glass access is recorded.
	#[benchmark]
	fn review_emergency_access() -> Result<(), BenchmarkError> {
		let origin =
			T::ReviewOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let provider: T::AccountId = account("provider", 0, SEED);
		let access_id = insert_access::<T>(&patient, &provider, now::<T>());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, access_id, ReviewOutcome::Justified);

		assert_last_event::<T>(Event::EmergencyAccessReviewed {
			access_id,
			patient,
			provider,
			outcome: ReviewOutcome::Justified,
		});
		Ok(())
	}

	/// An expired (not revoked: counters move) consent naming `p` purposes and `d` data
	/// classes is removed from full indexes.
	#[benchmark]
	fn remove_consent(
		p: Linear<1, { max_purposes::<T>() }>,
		d: Linear<1, { T::MaxDataScope::get() }>,
	) -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let grantee: T::AccountId = account("grantee", 0, SEED);
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&patient);
		fill_patient::<T>(&patient, &grantee)?;
		let until = now::<T>().saturating_add(One::one());
		let consent_id = Pallet::<T>::do_grant_consent(
			patient.clone(),
			patient.clone(),
			grantee.clone(),
			provision::<T>(Decision::Permit, purposes::<T>(p), data_classes::<T>(d), Some(until)),
		)?;
		set_block::<T>(until.saturating_add(T::RetentionPeriod::get()));
		let deposit = T::ConsentDeposit::get();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), consent_id);

		assert_last_event::<T>(Event::ConsentRemoved {
			consent_id,
			patient,
			deposit,
			actor: caller,
		});
		Ok(())
	}

	/// An expired delegation is removed after retention.
	#[benchmark]
	fn remove_delegation() -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let delegate: T::AccountId = account("delegate", 0, SEED);
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&patient);
		let expires_at = now::<T>().saturating_add(One::one());
		appoint::<T>(&patient, &delegate, expires_at)?;
		set_block::<T>(expires_at.saturating_add(T::RetentionPeriod::get()));

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), patient.clone(), delegate.clone());

		assert_last_event::<T>(Event::DelegationRemoved { patient, delegate, actor: caller });
		Ok(())
	}

	/// An expired break-glass access is removed from a full listing after retention.
	#[benchmark]
	fn remove_emergency_access() -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let caller: T::AccountId = whitelisted_caller();
		let ids: Vec<EmergencyAccessId> = (0..T::MaxEmergencyAccessesPerPatient::get())
			.map(|i| insert_access::<T>(&patient, &account("provider", i, SEED), One::one()))
			.collect();
		let access_id = ids.last().copied().ok_or(BenchmarkError::Weightless)?;
		set_block::<T>(after_retention::<T>());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), access_id);

		assert_last_event::<T>(Event::EmergencyAccessRemoved { access_id, patient, actor: caller });
		Ok(())
	}

	/// One consent check over `n` consents of the pair, each naming the purpose and the most
	/// data entries, none of which covers the request: every entry of every consent is looked
	/// at.
	#[benchmark]
	fn check_consent(n: Linear<1, { T::MaxConsentsPerPair::get() }>) -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let grantee: T::AccountId = account("grantee", 0, SEED);
		fund::<T>(&patient);
		for _ in 0..n {
			Pallet::<T>::do_grant_consent(
				patient.clone(),
				patient.clone(),
				grantee.clone(),
				provision::<T>(
					Decision::Permit,
					purposes::<T>(max_purposes::<T>()),
					data_records::<T>(T::MaxDataScope::get()),
					None,
				),
			)?;
		}
		let target = DataTarget::record(DataClass::Laboratory, u64::MAX);
		let result;

		#[block]
		{
			result =
				Pallet::<T>::evaluate(&patient, &grantee, Purpose::Treatment, &target, now::<T>());
		}

		assert_eq!(result, Err(DenialReason::DataNotCovered));
		Ok(())
	}

	/// One break-glass check that finds an open access.
	#[benchmark]
	fn check_emergency_access() -> Result<(), BenchmarkError> {
		let patient: T::AccountId = account("patient", 0, SEED);
		let provider: T::AccountId = account("provider", 0, SEED);
		let access_id = insert_access::<T>(&patient, &provider, now::<T>());
		let result;

		#[block]
		{
			result = Pallet::<T>::has_emergency_access_at(&patient, &provider, now::<T>());
		}

		assert_eq!(result, Some(access_id));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
