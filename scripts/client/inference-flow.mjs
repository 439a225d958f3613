// The inference flow as a dApp developer writes it with @polkadot/api:
//
//   node inference-flow.mjs [--bundle FILE] [--clinician //Bob] [--quorum K]
//                           [--holders //Bob,//Charlie] [--import-shipped-model]
//                           [--insert-dev-attestor-keys] [ENDPOINT ...]
//
// ENDPOINT defaults to ws://127.0.0.1:9944. The first endpoint is the node of the hospital
// that holds the patient's FHIR Bundle: it imports it (unsafe, localhost-only RPC) and, as
// the custodian Alice, anchors its commitment. Every further endpoint is the node of another
// custodian hospital: the record is exported from the first node and imported into it, salt
// included, so that it holds the record under the same commitment, and Alice's hospital
// shares the record with that hospital on chain (`records.shareRecord`), so that its
// off-chain worker may attest too: only a hospital the chain knows holds the record may.
// --holders names the governance accounts of those hospitals, one per further endpoint, in
// order (default: //Bob, //Charlie, //Dave, //Eve, as on the development networks). The patient (Eve) grants the clinician consent for AI-assisted diagnosis;
// the clinician requests the shipped model with a quorum of K (default: one per hospital);
// the hospitals' off-chain workers run it and the chain attests the agreed result; the client
// waits until that block is finalized and decodes the workers' signed transactions in it.
// With --import-shipped-model, every node first imports the shipped model into its store
// (development chains do so by themselves; a local testnet's nodes do not). With
// --insert-dev-attestor-keys, every node first gets its development hospital's attestor key
// (`//Alice//infr` for the first, then each holder's) over the unsafe `author_insertKey`:
// a node started with `--alice` … holds it already; one started by a tool that inserts only
// the session keys does not. The attestor key has an account of its own: never the account
// the hospital signs its own transactions with.
// Prints the attestation as JSON and exits 0, or exits 1 with the reason.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    bundle: { type: 'string', default: join(here, '../../models/examples/patient-1.bundle.json') },
    clinician: { type: 'string', default: '//Bob' },
    quorum: { type: 'string' },
    holders: { type: 'string', default: '//Bob,//Charlie,//Dave,//Eve' },
    'import-shipped-model': { type: 'boolean', default: false },
    'insert-dev-attestor-keys': { type: 'boolean', default: false },
  },
});
const endpoints = positionals.length > 0 ? positionals : ['ws://127.0.0.1:9944'];
const quorum = options.quorum === undefined ? endpoints.length : Number(options.quorum);
if (!Number.isInteger(quorum) || quorum < 1) throw new Error(`--quorum ${options.quorum} is not a positive integer`);

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

/// Resolves once `requestId` is attested in a finalized block, with the output, the block and
/// the attestors' `submitResult` transactions found in finalized blocks, decoded; rejects if
/// the request settles otherwise or nothing is finalized in time.
function attestedAndFinalized(api, requestId, fromBlock, timeoutMs) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    let next = fromBlock; // the next finalized block to look into
    const submissions = [];
    let busy = Promise.resolve();
    const settle = (f, value) => { clearTimeout(timer); unsubscribe(); f(value); };
    const timer = setTimeout(() => settle(reject, new Error(`not attested and finalized within ${timeoutMs / 1000} s`)), timeoutMs);
    const inspect = async (number) => {
      const hash = await api.rpc.chain.getBlockHash(number);
      const [block, events] = await Promise.all([api.rpc.chain.getBlock(hash), api.query.system.events.at(hash)]);
      block.block.extrinsics.forEach((xt, index) => {
        const { section, method, args } = xt.method;
        if (section === 'attestation' && method === 'submitResult' && args[0].toNumber() === requestId) {
          const ok = events.some(({ phase, event }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === index
            && event.section === 'system' && event.method === 'ExtrinsicSuccess');
          if (ok) submissions.push({ signer: xt.signer.toString(), block: number, output: args[1].get('values').map((v) => v.toNumber()) });
        }
      });
      for (const { event } of events) {
        if (event.section !== 'attestation' || event.data.requestId?.toNumber() !== requestId) continue;
        if (event.method === 'RequestAttested') {
          return { output: event.data.output.map((v) => v.toNumber()), block: number, blockHash: hash.toHex() };
        }
        // A failure report is not final (a quorum may still be reached); these endings are.
        if (['RequestFailed', 'RequestDisputed', 'RequestExpired', 'RequestCancelled'].includes(event.method)) {
          throw new Error(`request ended with attestation.${event.method}`);
        }
      }
      return null;
    };
    api.rpc.chain.subscribeFinalizedHeads((header) => {
      const head = header.number.toNumber();
      busy = busy.then(async () => {
        for (; next <= head; next += 1) {
          const found = await inspect(next);
          if (found) return settle(resolve, { ...found, submissions });
        }
      }).catch((e) => settle(reject, e));
    }).then((u) => { unsubscribe = u; }, reject);
  });
}

async function main() {
  await cryptoWaitReady();
  const providers = endpoints.map((endpoint) => new WsProvider(endpoint));
  const [provider, ...otherHospitals] = providers;
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice'); // the hospital's governance account: custodian
  const clinician = keyring.addFromUri(options.clinician);
  const eve = keyring.addFromUri('//Eve'); // the patient

  const holders = options.holders.split(',').map((seed) => seed.trim()).filter((seed) => seed !== '');
  if (holders.length < otherHospitals.length) {
    throw new Error(`--holders names ${holders.length} hospitals for ${otherHospitals.length} further endpoints`);
  }

  // 0. Each hospital's node holds its attestor key and the approved model.
  if (options['insert-dev-attestor-keys']) {
    const seeds = ['//Alice', ...holders];
    for (const [i, hospital] of providers.entries()) {
      if (!seeds[i].startsWith('//')) throw new Error(`--holders ${seeds[i]} is not a development seed`);
      const suri = `${seeds[i]}//infr`;
      await hospital.isReady;
      await hospital.send('author_insertKey', ['infr', suri, u8aToHex(keyring.addFromUri(suri).publicKey)]);
    }
  }
  if (options['import-shipped-model']) {
    const model = `0x${readFileSync(join(here, '../../models/breast-cancer-mlp.onnx')).toString('hex')}`;
    const card = readFileSync(join(here, '../../models/breast-cancer-mlp.card.json'), 'utf8');
    for (const hospital of providers) {
      await hospital.isReady;
      await hospital.send('inference_importModel', [model, card]);
    }
  }

  // 1. The hospital's node keeps the record; only the commitment comes back.
  const bundle = readFileSync(options.bundle, 'utf8');
  const commitment = await provider.send('inference_importRecord', [eve.address, bundle]);

  // 1b. Each other custodian hospital receives the record, salt included, and holds it under
  //     the same commitment. (Here over RPC; between real hospitals the export travels over a
  //     channel they trust for patient data: `healthchain-node store export-record`.)
  if (otherHospitals.length > 0) {
    const exported = await provider.send('inference_exportRecord', [commitment]);
    for (const other of otherHospitals) {
      await other.isReady;
      const theirs = await other.send('inference_importRecordExport', [exported]);
      if (theirs !== commitment) throw new Error(`the export gave commitment ${theirs}, not ${commitment}`);
    }
  }

  // 2. The custodian anchors it, and records on chain which other hospitals hold it.
  const anchored = await send(api, api.tx.records.anchorRecord(eve.address, commitment, 'Laboratory', 'FhirR4Bundle'), alice);
  const recordId = find(anchored, 'records', 'RecordAnchored').data.recordId.toNumber();
  for (const seed of holders.slice(0, otherHospitals.length)) {
    const holder = seed.startsWith('//') ? keyring.addFromUri(seed).address : seed;
    await send(api, api.tx.records.shareRecord(recordId, holder), alice);
  }

  // 3. The patient permits the clinician AI-assisted diagnosis on laboratory data.
  await send(api, api.tx.consent.grantConsent(null, clinician.address, {
    decision: 'Permit',
    purposes: ['AiAssistedDiagnosis'],
    data: [{ Class: 'Laboratory' }],
    validFrom: null,
    validUntil: null,
    policy: null,
  }), eve);

  // 4. The clinician asks for the shipped model (approved at genesis as model 0).
  const requestedAt = (await api.rpc.chain.getHeader()).number.toNumber();
  const requested = await send(api, api.tx.attestation.requestInference(0, recordId, quorum), clinician);
  const requestId = find(requested, 'attestation', 'InferenceRequested').data.requestId.toNumber();

  // 5. Wait for the attestation the off-chain workers bring about, in a finalized block; the
  //    workers' signed submitResult transactions are there too, decoded like any other.
  const { output, block, blockHash, submissions } = await attestedAndFinalized(api, requestId, requestedAt + 1, 180_000);

  // 6. A researcher reads it back through the runtime API.
  const info = await api.call.attestationApi.attestation(requestId);
  if (info.isNone) throw new Error('the runtime API has no attestation');
  const attestation = info.unwrap().attestation;
  // What the output means is in the model card: one probability per class, in parts per million.
  const card = JSON.parse(readFileSync(join(here, '../../models/breast-cancer-mlp.card.json'), 'utf8'));
  const best = output.indexOf(Math.max(...output));
  console.log(JSON.stringify({
    requestId,
    recordId,
    commitment,
    quorum,
    output,
    class: card.output.class_labels[best],
    finalizedIn: { block, blockHash },
    attestors: attestation.attestors.map((a) => a.toString()),
    submissions,
    modelHash: attestation.modelHash.toHex(),
  }));
  await api.disconnect();
  await Promise.all(otherHospitals.map((p) => p.disconnect()));
}

main().then(() => process.exit(0), (e) => { console.error(e.message ?? e); process.exit(1); });
