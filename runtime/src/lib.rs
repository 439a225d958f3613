//! # healthchain runtime
//!
//! The state transition function of healthchain, a blockchain for a consortium of hospitals.
//! It is compiled to WASM and executed by every `healthchain-node`. Besides the consensus
//! (Aura block production, GRANDPA finality) and accounting pallets it wires the healthchain
//! pallets for patient consent, record anchoring and model-result attestation.
//!
//! The runtime also implements the off-chain transaction traits
//! ([`frame_system::offchain::CreateSignedTransaction`],
//! [`frame_system::offchain::CreateAuthorizedTransaction`], …) so that off-chain workers
//! can submit signed or authorized transactions.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros expand to large items.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// Before `apis`: `define_benchmarks!` declares the macros the benchmark runtime API uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
mod apis;
mod configs;
pub mod genesis_config_presets;
#[cfg(test)]
mod tests;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use apis::RuntimeApi;
pub use configs::{CouncilInstance, CouncilMajority, Custodians, MAX_HOSPITALS};
pub use frame_support::{construct_runtime, parameter_types};
/// The key type of the attestor keys (`infr`) the node's off-chain workers sign with.
pub use pallet_attestation::KEY_TYPE as ATTESTOR_KEY_TYPE;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: the node knows the shape of blocks, not what is inside the extrinsics.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	/// The keys a validator holds: Aura for block production, GRANDPA for finality, and the
	/// inference key of its attestor account.
	pub struct SessionKeys {
		/// Block production key.
		pub aura: Aura,
		/// Finality voting key.
		pub grandpa: Grandpa,
		/// The `infr` key the off-chain worker signs inference results with.
		pub inference: pallet_attestation::crypto::Public,
	}
}

/// The runtime version: `spec_name` is `healthchain`.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("healthchain"),
	impl_name: Cow::Borrowed("healthchain"),
	authoring_version: 1,
	spec_version: 102,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

/// Target block time: one block every 6 seconds.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
/// Aura slot duration; equal to the block time.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
/// Blocks per minute at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour at the target block time.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day at the target block time.
pub const DAYS: BlockNumber = HOURS * 24;

/// One unit of the consortium's fee token, with 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a unit.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// A millionth of a unit.
pub const MICRO_UNIT: Balance = 1_000_000;
/// Existential deposit: an account with less than this is reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Block number type.
pub type BlockNumber = u32;
/// Signature type used by accounts (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;
/// Account id: the public key behind a [`Signature`].
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Transaction index of an account.
pub type Nonce = u32;
/// Hash type.
pub type Hash = sp_core::H256;
/// Address format of extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justifications.
pub type SignedBlock = generic::SignedBlock<Block>;
/// Block identifier.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions checked on every transaction, in the stable2609 order.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	// Feeless calls (a registered attestor's valid result) skip the fee.
	pallet_skip_feeless_payment::SkipCheckIfFeeless<
		Runtime,
		pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

frame_support::parameter_types! {
	/// The storage prefix of the `Custodians` membership, which the consortium replaced.
	pub const CustodiansPalletName: &'static str = "Custodians";
}

/// Storage migrations run on runtime upgrade:
/// - the `Custodians` membership (index 8) is gone, its members are hospitals of the
///   consortium now: its storage is removed (`RemovePallet` runs at every upgrade while it is
///   listed, and finds nothing after the first; drop it once every chain has upgraded);
/// - the attestation pallet's own attestor list is removed (storage version 0 → 1, runs once);
/// - spec 102: models get a minimum quorum, submissions their attestor's custodian, and open
///   requests are listed by record and by (patient, requester) pair (attestation storage
///   version 1 → 2, runs once).
///
/// They do not found a consortium on a chain that ran spec 100 (development and test chains
/// only): such a chain keeps its Aura and GRANDPA authorities but has no hospitals, so it is
/// started again from a spec of this version rather than upgraded.
pub type Migrations = (
	frame_support::migrations::RemovePallet<
		CustodiansPalletName,
		<Runtime as frame_system::Config>::DbWeight,
	>,
	pallet_attestation::migrations::v1::MigrateToV1<Runtime>,
	pallet_attestation::migrations::v2::MigrateToV2<Runtime>,
);

/// Executive: dispatches incoming extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Builds the transaction extensions of a transaction with `nonce`, lifetime `era` and `tip`
/// (no metadata hash). Off-chain workers and clients written in Rust use it to sign.
pub fn tx_extension(nonce: Nonce, era: generic::Era, tip: Balance) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(era),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip).into(),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

#[frame_support::runtime]
mod runtime {
	/// The healthchain runtime.
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	/// Accounts, blocks, events.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	/// On-chain time, set by the block author.
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	/// Account balances of the fee token.
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	// Balances, the consortium and the session pallet come before Aura and GRANDPA: genesis
	// is built in this order; the founders' accounts exist before the session pallet
	// registers their keys, and the session pallet's genesis asks the consortium for the
	// first validator set, then hands its keys to Aura and GRANDPA.

	/// The hospitals of the consortium and their roles: the one source of membership for the
	/// validator set, custodians, attestors, care providers and the council.
	#[runtime::pallet_index(13)]
	pub type Consortium = pallet_consortium;

	/// Sessions: the validator set the consortium plans, and each validator's session keys.
	#[runtime::pallet_index(14)]
	pub type Session = pallet_session;

	/// Block production by the validator set in turn.
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	/// Finality.
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	/// Transaction fees.
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	/// Root on the development chain only: every other chain's genesis has no sudo key, and
	/// the council decides.
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	/// The hospital council: one seat per admitted hospital, motions dispatch the governance
	/// origins.
	#[runtime::pallet_index(15)]
	pub type Council = pallet_collective<Instance1>;

	/// Registered clinicians who may open break-glass emergency access (besides the hospitals
	/// with the care-provider role); the council registers them.
	#[runtime::pallet_index(7)]
	pub type CareProviders = pallet_membership<Instance1>;

	/// Lets feeless calls (valid attestor submissions) skip the transaction fee.
	#[runtime::pallet_index(9)]
	pub type SkipFeelessPayment = pallet_skip_feeless_payment;

	/// Patient consent, shaped like HL7 FHIR Consent.
	#[runtime::pallet_index(10)]
	pub type Consent = pallet_consent;

	/// Medical records anchored as salted commitments, with versions, batches, erasure and an
	/// access log.
	#[runtime::pallet_index(11)]
	pub type Records = pallet_records;

	/// Approved diagnostic models, consent-gated inference requests, and attestations of the
	/// results that hospitals' off-chain workers submit.
	#[runtime::pallet_index(12)]
	pub type Attestation = pallet_attestation;
}
