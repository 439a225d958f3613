// zombienet js-script: runs the @polkadot/api client (scripts/client/inference-flow.mjs)
// against the two hospitals' nodes of this network and returns how many attested.
const { execFile } = require('node:child_process');
const path = require('node:path');

async function run(_nodeName, networkInfo) {
  const endpoints = ['alice', 'bob'].map((name) => networkInfo.nodesByName[name].wsUri);
  const client = path.resolve(__dirname, '../scripts/client/inference-flow.mjs');
  const args = [client, '--import-shipped-model', '--insert-dev-attestor-keys', '--clinician', '//Charlie',
    ...endpoints];
  const stdout = await new Promise((resolve, reject) => {
    execFile('node', args, { timeout: 280_000 }, (error, out, err) => {
      if (error) reject(new Error(`inference-flow.mjs failed: ${err || error.message}`));
      else resolve(out);
    });
  });
  const attestation = JSON.parse(stdout.trim());
  console.log(`attested ${JSON.stringify(attestation.output)} (${attestation.class}) in finalized block `
    + `#${attestation.finalizedIn.block} by ${attestation.attestors.join(', ')}`);
  return attestation.attestors.length;
}

module.exports = { run };
