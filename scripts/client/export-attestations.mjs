// A researcher's export of attested model outputs, with @polkadot/api:
//
//   node export-attestations.mjs [--model 0] [--card FILE] [--out FILE] [ENDPOINT]
//
// Reads every attestation of model --model (default 0, the shipped breast-cancer model) as of
// the latest finalized block, through the runtime API `AttestationApi.attestationsByModel`
// (paged), and writes one CSV row per attestation to --out (default: standard output).
// With --card (default: the shipped model's card), the card is first checked against the
// chain: its blake2-256 must be the model's registered `cardHash`, and its `model_hash` the
// model's ONNX hash. The columns then name each output (`P(benign)_ppm`, …) and add the class
// the card's `class_labels` give to the largest output. Outputs are fixed point: parts per
// million of the model's float output. Exits 1 with the reason if anything does not match.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { blake2AsHex } from '@polkadot/util-crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: '0' },
    card: { type: 'string', default: join(here, '../../models/breast-cancer-mlp.card.json') },
    out: { type: 'string' },
  },
});
const endpoint = positionals[0] ?? 'ws://127.0.0.1:9944';
const PAGE = 100;

/// A CSV field: quoted when it holds a comma, quote or line break.
function field(value) {
  const text = String(value ?? '');
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function main() {
  const modelId = Number(options.model);
  if (!Number.isInteger(modelId) || modelId < 0) throw new Error(`--model ${options.model} is not a model id`);
  const api = await ApiPromise.create({ provider: new WsProvider(endpoint), noInitWarn: true });
  const finalized = await api.rpc.chain.getFinalizedHead();
  const at = await api.at(finalized);
  const header = await api.rpc.chain.getHeader(finalized);

  const model = await at.call.attestationApi.model(modelId);
  if (model.isNone) throw new Error(`no model ${modelId} on this chain`);
  const entry = model.unwrap();

  // The model card, checked against what governance registered.
  const cardBytes = readFileSync(options.card);
  const card = JSON.parse(cardBytes.toString('utf8'));
  const cardHash = blake2AsHex(cardBytes, 256);
  if (cardHash !== entry.cardHash.toHex()) {
    throw new Error(`the card ${options.card} hashes to ${cardHash}, model ${modelId} registered ${entry.cardHash.toHex()}`);
  }
  if (`0x${card.model_hash}` !== entry.modelHash.toHex()) {
    throw new Error(`the card names model ${card.model_hash}, model ${modelId} is ${entry.modelHash.toHex()}`);
  }
  const meanings = card.output.elements.map((e) => `${e.meaning}_ppm`);
  const labels = card.output.class_labels ?? null;

  const columns = ['request_id', 'model_id', 'model_hash', 'model_status', 'record_id', 'commitment',
    'patient', 'requester', 'attested_at_block', 'attested_at_time', 'attestors', ...meanings];
  if (labels) columns.push('class');
  const rows = [columns.map(field).join(',')];

  let startAfter = null;
  for (;;) {
    const page = await at.call.attestationApi.attestationsByModel(modelId, startAfter, PAGE);
    for (const [, info] of page.items) {
      const a = info.attestation;
      const output = a.output.map((v) => v.toNumber());
      const row = [a.requestId.toNumber(), a.modelId.toNumber(), a.modelHash.toHex(), info.modelStatus.type,
        a.recordId.toNumber(), a.commitment.toHex(), a.patient.toString(), a.requester.toString(),
        a.attestedAt.toNumber(), new Date(a.attestedTime.toNumber()).toISOString(),
        a.attestors.map((x) => x.toString()).join(' '), ...output];
      if (labels) row.push(labels[output.indexOf(Math.max(...output))] ?? '');
      rows.push(row.map(field).join(','));
    }
    if (page.next.isNone) break;
    startAfter = page.next.unwrap().toNumber();
  }

  const csv = `${rows.join('\n')}\n`;
  if (options.out) writeFileSync(options.out, csv);
  else process.stdout.write(csv);
  console.error(`${rows.length - 1} attestations of model ${modelId} (${card.name} ${card.version}) `
    + `as of finalized block #${header.number.toNumber()}; card verified against the chain`);
  await api.disconnect();
}

main().then(() => process.exit(0), (e) => { console.error(e.message ?? e); process.exit(1); });
