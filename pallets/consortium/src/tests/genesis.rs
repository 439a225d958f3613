use crate::{mock::*, AttestorOwner, Hospitals, Roles, SessionLength, ValidatorCount};
use frame_support::traits::SortedMembers;

#[test]
fn founding_hospitals_hold_every_role_and_the_council_seats() {
	run_test(|| {
		assert_eq!(Hospitals::<Test>::count(), 3);
		let entry = Hospitals::<Test>::get(ST_MARYS).unwrap();
		assert_eq!(entry.name.to_vec(), b"St. Mary's".to_vec());
		assert_eq!(entry.roles, Roles::ALL);
		assert_eq!(entry.attestor, attestor_of(ST_MARYS));
		assert_eq!(AttestorOwner::<Test>::get(attestor_of(ST_MARYS)), Some(ST_MARYS));
		assert_eq!(ValidatorCount::<Test>::get(), 3);
		assert_eq!(SessionLength::<Test>::get(), SESSION_LENGTH);
		assert_eq!(Council::members(), vec![ST_MARYS, GENERAL, UNIVERSITY]);
		assert_eq!(
			crate::Custodians::<Test>::sorted_members(),
			vec![ST_MARYS, GENERAL, UNIVERSITY]
		);
		assert_eq!(
			crate::Attestors::<Test>::sorted_members(),
			vec![attestor_of(ST_MARYS), attestor_of(GENERAL), attestor_of(UNIVERSITY)]
		);
	});
}

#[test]
fn founding_validators_validate_the_first_session() {
	run_test(|| {
		assert_eq!(session_validators(), vec![ST_MARYS, GENERAL, UNIVERSITY]);
	});
}

#[test]
fn an_empty_genesis_plans_no_empty_validator_set() {
	use sp_runtime::BuildStorage;
	let storage = crate::GenesisConfig::<Test>::default().build_storage().unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		use pallet_session::SessionManager;
		assert_eq!(<Consortium as SessionManager<u64>>::new_session(2), None);
	});
}

#[test]
fn attestor_accounts_exist_without_funds() {
	run_test(|| {
		assert!(frame_system::Pallet::<Test>::account_exists(&attestor_of(GENERAL)));
	});
}

#[test]
#[should_panic(expected = "fewer genesis validators than MinValidators")]
fn genesis_below_min_validators_is_refused() {
	use sp_runtime::BuildStorage;
	let _ = crate::GenesisConfig::<Test> {
		hospitals: vec![crate::GenesisHospital {
			account: ST_MARYS,
			name: "St. Mary's".into(),
			attestor: attestor_of(ST_MARYS),
			roles: Roles::ALL,
		}],
		session_length: 5,
	}
	.build_storage();
}

#[test]
#[should_panic(expected = "repeat an account or attestor")]
fn genesis_with_a_repeated_attestor_is_refused() {
	use sp_runtime::BuildStorage;
	let hospital = |account| crate::GenesisHospital {
		account,
		name: "H".into(),
		attestor: 500,
		roles: Roles::ALL,
	};
	let _ = crate::GenesisConfig::<Test> {
		hospitals: vec![hospital(ST_MARYS), hospital(GENERAL)],
		session_length: 5,
	}
	.build_storage();
}

#[test]
fn genesis_config_reads_camel_case_json() {
	let json = r#"{"hospitals":[{"account":10,"name":"St. Mary's","attestor":110,
		"roles":{"validator":true,"custodian":true,"attestor":false,"careProvider":false}}],
		"sessionLength":600}"#;
	let config: crate::GenesisConfig<Test> = serde_json::from_str(json).unwrap();
	assert_eq!(
		config.hospitals[0].roles,
		Roles { validator: true, custodian: true, ..Default::default() }
	);
	assert_eq!(config.session_length, 600);
	assert!(serde_json::from_str::<crate::GenesisConfig<Test>>(
		r#"{"hospitals":[{"account":10,"name":"x","attestor":1,"roles":{"sudo":true}}],"sessionLength":1}"#
	)
	.is_err());
}
