//! The consortium's domain types: a hospital's entry and its roles.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;

use crate::Config;
use frame_system::pallet_prelude::BlockNumberFor;

/// What an admitted hospital does in the consortium. Admission grants the roles a hospital asks
/// for; a council motion changes them (`set_roles`); removal takes them all away.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Roles {
	/// Its node produces blocks (Aura) and votes on finality (GRANDPA) with the session keys
	/// its governance account sets with `session.set_keys`.
	pub validator: bool,
	/// It may anchor medical records (`records.anchor_record` and the other custodian calls) and
	/// propose models, signing with its governance account.
	pub custodian: bool,
	/// Its attestor account (the account of its node's `infr` key) may submit inference
	/// results.
	pub attestor: bool,
	/// Its governance account may open break-glass emergency access as a care provider.
	pub care_provider: bool,
}

impl Roles {
	/// Every role: what a founding hospital of the development and test networks has.
	pub const ALL: Roles =
		Roles { validator: true, custodian: true, attestor: true, care_provider: true };
}

/// One consortium member: a hospital, keyed in storage by its governance account (the account
/// that votes in the council, sets the validator's session keys and signs as custodian).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Hospital<T: Config> {
	/// The hospital's name as the council admitted it (UTF-8, at most `MaxNameLen` bytes).
	pub name: BoundedVec<u8, T::MaxNameLen>,
	/// The account of the hospital's attestor key (`infr`): the signer of its node's inference
	/// results. Never shared with another hospital.
	pub attestor: T::AccountId,
	/// The hospital's roles.
	pub roles: Roles,
	/// The block the hospital was admitted in (0 for founding hospitals).
	pub admitted_at: BlockNumberFor<T>,
}

/// A founding hospital in the genesis config. In a chain spec it is a JSON object with the
/// fields `account`, `name` (a string), `attestor` and `roles` (an object of four booleans).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisHospital<AccountId> {
	/// The hospital's governance account.
	pub account: AccountId,
	/// The hospital's name.
	pub name: alloc::string::String,
	/// The account of the hospital's attestor key.
	pub attestor: AccountId,
	/// The hospital's roles.
	pub roles: Roles,
}
