// The inference flow as a dApp developer writes it with @polkadot/api:
//   node inference-flow.mjs [ws://127.0.0.1:9944] [path/to/bundle.json]
// A hospital node imports a patient's FHIR Bundle (unsafe, localhost-only RPC) and anchors
// its commitment; the patient grants a clinician consent for AI-assisted diagnosis; the
// clinician requests the shipped model; the node's off-chain worker attests the result.
// Prints the attestation as JSON and exits 0, or exits 1 with the reason.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const endpoint = process.argv[2] ?? 'ws://127.0.0.1:9944';
const bundlePath = process.argv[3] ?? join(here, '../../models/examples/patient-1.bundle.json');

/// Signs and sends `tx`, resolves with its events once in a block; rejects on a dispatch error.
function send(api, tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        const reason = dispatchError.isModule
          ? (({ section, name }) => `${section}.${name}`)(api.registry.findMetaError(dispatchError.asModule))
          : dispatchError.toString();
        reject(new Error(`${tx.method.section}.${tx.method.method} failed: ${reason}`));
      } else if (status.isInBlock) {
        resolve(events.map(({ event }) => event));
      }
    }).catch(reject);
  });
}

function find(events, section, method) {
  const event = events.find((e) => e.section === section && e.method === method);
  if (!event) throw new Error(`no ${section}.${method} event`);
  return event;
}

async function main() {
  await cryptoWaitReady();
  const provider = new WsProvider(endpoint);
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice'); // the hospital: custodian and attestor
  const bob = keyring.addFromUri('//Bob'); // the clinician
  const eve = keyring.addFromUri('//Eve'); // the patient

  // 1. The hospital's node keeps the record; only the commitment comes back.
  const bundle = readFileSync(bundlePath, 'utf8');
  const commitment = await provider.send('inference_importRecord', [eve.address, bundle]);

  // 2. The custodian anchors it.
  const anchored = await send(api, api.tx.records.anchorRecord(eve.address, commitment, 'Laboratory', 'FhirR4Bundle'), alice);
  const recordId = find(anchored, 'records', 'RecordAnchored').data.recordId.toNumber();

  // 3. The patient permits the clinician AI-assisted diagnosis on laboratory data.
  await send(api, api.tx.consent.grantConsent(null, bob.address, {
    decision: 'Permit',
    purposes: ['AiAssistedDiagnosis'],
    data: [{ Class: 'Laboratory' }],
    validFrom: null,
    validUntil: null,
    policy: null,
  }), eve);

  // 4. The clinician asks for the shipped model (approved at genesis as model 0).
  const requested = await send(api, api.tx.attestation.requestInference(0, recordId, 1), bob);
  const requestId = find(requested, 'attestation', 'InferenceRequested').data.requestId.toNumber();

  // 5. Wait for the attestation the off-chain worker brings about.
  const output = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no attestation within 120 s')), 120_000);
    api.query.system.events((records) => {
      for (const { event } of records) {
        if (event.section !== 'attestation' || event.data.requestId?.toNumber() !== requestId) continue;
        if (event.method === 'RequestAttested') {
          clearTimeout(timer);
          resolve(event.data.output.map((v) => v.toNumber()));
        } else if (event.method !== 'ResultSubmitted' && event.method !== 'InferenceRequested') {
          clearTimeout(timer);
          reject(new Error(`request ended with attestation.${event.method}`));
        }
      }
    });
  });

  // 6. A researcher reads it back through the runtime API.
  const info = await api.call.attestationApi.attestation(requestId);
  if (info.isNone) throw new Error('the runtime API has no attestation');
  const attestation = info.unwrap().attestation;
  console.log(JSON.stringify({
    requestId,
    recordId,
    commitment,
    output,
    attestors: attestation.attestors.map((a) => a.toString()),
    modelHash: attestation.modelHash.toHex(),
  }));
  await api.disconnect();
}

main().then(() => process.exit(0), (e) => { console.error(e.message ?? e); process.exit(1); });
