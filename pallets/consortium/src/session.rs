//! The consortium as `pallet-session`'s validator source and session clock.
//!
//! - [`SessionManager`]: at a session boundary, the hospitals with the validator role that
//!   have session keys are the next set, if they differ from the set planned last
//!   ([`PlannedValidators`](crate::PlannedValidators)); otherwise the set stays (`None`), so
//!   GRANDPA keeps its authority set id. `pallet-session` queues a planned set for one
//!   session, so a change made in session `n` (admission, removal, a change of the validator
//!   role, or a validator's first `set_keys`) validates from session `n + 2`: within two
//!   session boundaries. Each new plan emits `ValidatorSetPlanned`; a plan is never empty.
//! - [`ShouldEndSession`] and [`EstimateNextSessionRotation`]: sessions end at every block
//!   number divisible by [`SessionLength`], a storage value the genesis sets and the council
//!   may change, so test networks rotate every few blocks and production every few hours.
//! - [`OneSessionHandler`] for the attestor key (`infr`): the session keys carry it so that
//!   `author_rotateKeys` generates it in the node's keystore and `--alice`-style development
//!   keys insert it. Which key may attest is the hospital's attestor account in
//!   [`Hospitals`](crate::Hospitals), set at admission and replaced with `set_attestor`; the
//!   session's copy of the key is not authoritative, so the handler does nothing.

use crate::{Config, Event, Pallet, PlannedValidators, SessionLength};
use alloc::vec::Vec;
use frame_support::{
	traits::{Contains, EstimateNextSessionRotation, OneSessionHandler},
	weights::Weight,
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_session::{SessionManager, ShouldEndSession};
use sp_runtime::{
	traits::{Get, One, Saturating, Zero},
	BoundToRuntimeAppPublic, Permill,
};

/// `Config::HasSessionKeys` for a runtime whose session pallet identifies validators by their
/// account: whoever has keys in `pallet_session::NextKeys`.
pub struct HasNextKeys<T>(core::marker::PhantomData<T>);

impl<T> Contains<T::AccountId> for HasNextKeys<T>
where
	T: pallet_session::Config<ValidatorId = <T as frame_system::Config>::AccountId>,
{
	fn contains(who: &T::AccountId) -> bool {
		pallet_session::NextKeys::<T>::contains_key(who)
	}
}

impl<T: Config> SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: u32) -> Option<Vec<T::AccountId>> {
		// The validator-role hospitals with session keys: `pallet-session` would drop the
		// others, and a validator that sets its keys late is planned at the next boundary.
		let validators: Vec<T::AccountId> =
			Self::validators().into_iter().filter(T::HasSessionKeys::contains).collect();
		// No validator has keys: plan nothing (the session pallet keeps its set), and forget
		// the last plan, so that the first validator to set keys again is planned anew.
		if validators.is_empty() {
			PlannedValidators::<T>::kill();
			return None;
		}
		// Unchanged: `None` keeps the set, and GRANDPA its authority set id. (`pallet-session`
		// still notices rotated keys of the same validators by itself.)
		if PlannedValidators::<T>::get().as_slice() == validators.as_slice() {
			return None;
		}
		PlannedValidators::<T>::put(BoundedVec::truncate_from(validators.clone()));
		Self::deposit_event(Event::ValidatorSetPlanned {
			session: new_index,
			validators: validators.len() as u32,
		});
		Some(validators)
	}

	fn end_session(_end_index: u32) {}

	fn start_session(_start_index: u32) {}
}

impl<T: Config> ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
	fn should_end_session(now: BlockNumberFor<T>) -> bool {
		let length = SessionLength::<T>::get();
		!length.is_zero() && (now % length).is_zero()
	}
}

impl<T: Config> EstimateNextSessionRotation<BlockNumberFor<T>> for Pallet<T> {
	fn average_session_length() -> BlockNumberFor<T> {
		SessionLength::<T>::get()
	}

	fn estimate_current_session_progress(now: BlockNumberFor<T>) -> (Option<Permill>, Weight) {
		let length = SessionLength::<T>::get();
		let weight = T::DbWeight::get().reads(1);
		if length.is_zero() {
			return (None, weight);
		}
		// The current block counts as elapsed: the last block of a session reports 100%.
		let current = (now % length).saturating_add(One::one());
		(Some(Permill::from_rational(current, length)), weight)
	}

	fn estimate_next_session_rotation(
		now: BlockNumberFor<T>,
	) -> (Option<BlockNumberFor<T>>, Weight) {
		let length = SessionLength::<T>::get();
		let weight = T::DbWeight::get().reads(1);
		if length.is_zero() {
			return (None, weight);
		}
		// At a boundary the session rotates in this block; the next rotation is a full
		// session away.
		let into_session = now % length;
		(Some(now.saturating_add(length.saturating_sub(into_session))), weight)
	}
}

impl<T: Config> BoundToRuntimeAppPublic for Pallet<T> {
	type Public = T::AttestorKey;
}

impl<T: Config> OneSessionHandler<T::AccountId> for Pallet<T> {
	type Key = T::AttestorKey;

	fn on_genesis_session<'a, I>(_validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
	}

	fn on_new_session<'a, I>(_changed: bool, _validators: I, _queued_validators: I)
	where
		I: Iterator<Item = (&'a T::AccountId, Self::Key)> + 'a,
	{
	}

	fn on_disabled(_validator_index: u32) {}
}
