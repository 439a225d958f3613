// The shape of the runtime's metadata that dApps depend on, and a comparison of two shapes.
//
// polkadot.js builds `api.tx`, `api.events` and `api.errors` from every pallet's name and
// index and from each call, event and error: its name, its index and its fields (name, the
// type name written in the source, and the structure of the type). This script writes exactly
// that shape, and compares two shapes. It leaves type paths out: they change when a type moves
// crate, which the decoding of calls, events and errors does not see, but TypeScript typings
// generated from the metadata (@polkadot/typegen) name types by their paths and change with
// them.
//
//   node metadata-shape.mjs dump ws://127.0.0.1:9944 before.json   # from a running node
//   node metadata-shape.mjs compare before.json after.json
//
// `compare` lists every pallet, call, event or error that was removed, renamed, re-indexed or
// re-shaped, and exits with status 1 if there is any; additions are listed but allowed.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { readFileSync, writeFileSync } from 'node:fs';

/** The structure of type `id` of `types` (a lookup by id), paths left out. */
function shapeOf(types, id, stack = []) {
	const ty = types.get(id);
	if (!ty) return `?${id}`;
	const name = ty.path.length ? ty.path[ty.path.length - 1] : undefined;
	// The outer enums (RuntimeCall, RuntimeEvent …) contain every pallet: name them only.
	if (name && /^Runtime[A-Z]/.test(name)) return name;
	if (stack.includes(id)) return `<recursive ${name ?? id}>`;
	const inner = (t) => shapeOf(types, t, [...stack, id]);
	const fields = (fs) => {
		if (fs.length && fs.every((f) => f.name == null)) return `(${fs.map((f) => inner(f.type)).join(', ')})`;
		return `{ ${fs.map((f) => `${f.name}: ${inner(f.type)}`).join(', ')} }`;
	};
	const def = ty.def;
	if (def.primitive !== undefined) return def.primitive.toLowerCase();
	if (def.compact) return `Compact<${inner(def.compact.type)}>`;
	if (def.sequence) return `Vec<${inner(def.sequence.type)}>`;
	if (def.array) return `[${inner(def.array.type)}; ${def.array.len}]`;
	if (def.tuple) return `(${def.tuple.map(inner).join(', ')})`;
	if (def.bitSequence) return 'BitVec';
	if (def.composite) return `${name ?? ''}${fields(def.composite.fields)}`;
	if (def.variant) {
		const variants = def.variant.variants
			.map((v) => `${v.index}:${v.name}${v.fields.length ? fields(v.fields) : ''}`)
			.join(' | ');
		return `${name ?? ''}<${variants}>`;
	}
	return JSON.stringify(def);
}

/** The variants of an enum type as { name → { index, fields } }. */
function variantsOf(types, id) {
	if (id == null) return {};
	const ty = types.get(id);
	const out = {};
	for (const v of ty?.def?.variant?.variants ?? []) {
		out[v.name] = {
			index: v.index,
			fields: v.fields.map((f) => ({
				name: f.name ?? null,
				typeName: f.typeName ?? null,
				shape: shapeOf(types, f.type),
			})),
		};
	}
	return out;
}

async function dump(endpoint, out) {
	const api = await ApiPromise.create({ provider: new WsProvider(endpoint), noInitWarn: true });
	const latest = api.runtimeMetadata.asLatest.toJSON();
	const types = new Map(latest.lookup.types.map((t) => [t.id, t.type]));
	const pallets = {};
	for (const p of latest.pallets) {
		pallets[p.name] = {
			index: p.index,
			calls: variantsOf(types, p.calls?.type),
			events: variantsOf(types, p.events?.type),
			errors: variantsOf(types, p.errors?.type),
		};
	}
	const version = api.runtimeVersion;
	const shape = { specName: version.specName.toString(), specVersion: version.specVersion.toNumber(), pallets };
	writeFileSync(out, `${JSON.stringify(shape, null, 1)}\n`);
	console.log(`wrote the metadata shape of ${Object.keys(pallets).length} pallets to ${out}`);
	await api.disconnect();
}

function compare(beforePath, afterPath) {
	const before = JSON.parse(readFileSync(beforePath, 'utf8')).pallets;
	const after = JSON.parse(readFileSync(afterPath, 'utf8')).pallets;
	const problems = [];
	const additions = [];
	for (const [pallet, b] of Object.entries(before)) {
		const a = after[pallet];
		if (!a) {
			problems.push(`pallet ${pallet}: removed or renamed`);
			continue;
		}
		if (a.index !== b.index) problems.push(`pallet ${pallet}: index ${b.index} → ${a.index}`);
		for (const kind of ['calls', 'events', 'errors']) {
			for (const [item, bi] of Object.entries(b[kind])) {
				const ai = a[kind][item];
				const what = `${pallet}.${kind.slice(0, -1)} ${item}`;
				if (!ai) {
					problems.push(`${what}: removed or renamed`);
					continue;
				}
				if (ai.index !== bi.index) problems.push(`${what}: index ${bi.index} → ${ai.index}`);
				const bf = JSON.stringify(bi.fields);
				const af = JSON.stringify(ai.fields);
				if (bf !== af) problems.push(`${what}: fields changed\n    before: ${bf}\n    after:  ${af}`);
			}
			for (const item of Object.keys(a[kind])) {
				if (!b[kind][item]) additions.push(`${pallet}.${kind.slice(0, -1)} ${item}`);
			}
		}
	}
	for (const pallet of Object.keys(after)) if (!before[pallet]) additions.push(`pallet ${pallet}`);
	const count = (shape) =>
		Object.values(shape).reduce(
			(n, p) => n + Object.keys(p.calls).length + Object.keys(p.events).length + Object.keys(p.errors).length,
			0,
		);
	console.log(
		`compared ${Object.keys(before).length} pallets with ${count(before)} calls, events and errors`,
	);
	for (const a of additions) console.log(`added: ${a}`);
	for (const p of problems) console.log(`CHANGED: ${p}`);
	if (problems.length) {
		console.log(`${problems.length} pallet, call, event or error changed`);
		process.exit(1);
	}
	console.log('no pallet, call, event or error was removed, renamed, re-indexed or re-shaped');
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'dump' && args.length === 2) {
	await dump(args[0], args[1]);
	process.exit(0);
} else if (mode === 'compare' && args.length === 2) {
	compare(args[0], args[1]);
} else {
	console.error('usage: metadata-shape.mjs dump <ws endpoint> <out.json> | compare <before.json> <after.json>');
	process.exit(2);
}
