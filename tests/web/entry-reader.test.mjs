// web/entry-reader.js, the console's reader of ledger entry bytes (报告核验's checks 4 and 5),
// against the real binary, no browser: with the binary scripts/web-test names (CREDITLOG_BIN) the
// test makes a small ledger (`init`, `demo --subjects 20`) and reads every entry both ways —
// `creditlog entry --seq N --json` and readEntry on its bytes — and they must agree on the seq,
// the time, the stream version, the event id, the subject, the event type (its index in the
// schema's union) and the schema version. The reader's fixed field ids, union order and limits
// are checked against ledger/entry.fbs, events/schema/event.fbs and events/limits.h. Then
// malformed bytes: truncated, a corrupted vtable or offset, a required field gone, a subject
// that is not UTF-8, a seq beyond 2^53, each refused with an Error naming what is wrong; and
// any byte of an entry flipped is read or refused by the reader's own checks, never an
// exception from reading out of bounds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cli, makeLedger, removeLedger } from './own-server.mjs';
import { readEntry, EVENT_BODY, RULESET_ADOPTED, SCHEMA_VERSION, SCHEMA_VERSION_MIN } from '../../web/entry-reader.js';

const source = (file) => readFile(new URL(`../../${file}`, import.meta.url), 'utf8');

let ledger;
let entries;  // [{json (creditlog entry --json), bytes}], every entry in seq order

before(async () => {
  ledger = await makeLedger('entry-reader', { subjects: 20 });
  const size = Number((await cli(['checkpoint', '--data', ledger.data])).split('\n')[1]);
  assert.ok(size > 100, `the demo ledger has entries (${size})`);
  // Two at a time (the machine's two cores).
  entries = new Array(size);
  let next = 0;
  const worker = async () => {
    for (let seq = next++; seq < size; seq = next++) {
      const json = JSON.parse(await cli(['entry', '--data', ledger.data, '--seq', String(seq), '--json']));
      entries[seq] = { json, bytes: new Uint8Array(Buffer.from(json.entry, 'base64')) };
    }
  };
  await Promise.all([worker(), worker()]);
});

after(async () => {
  await removeLedger(ledger);
});

// A block of a .fbs file (`table Entry`, `union EventBody`), comments removed.
function block(fbs, kind, name) {
  const m = new RegExp(`^${kind} ${name}\\s*\\{([^}]*)\\}`, 'm').exec(fbs.replace(/\/\/.*$/gm, ''));
  assert.ok(m, `${kind} ${name} is in the schema`);
  return m[1];
}
// A table's fields in id order, as "name: type" (a union field takes two ids: _type, then itself).
const fields = (body) => [...body.matchAll(/^\s*([a-z_0-9]+)\s*:\s*([^\s;=(]+)/gm)].map((m) => `${m[1]}: ${m[2]}`);

test('entry-reader: its field ids, union order and limits are the schema\'s', async () => {
  const entryFbs = await source('ledger/entry.fbs');
  const eventFbs = await source('events/schema/event.fbs');
  const limits = await source('events/limits.h');
  assert.ok(!/file_identifier/.test(entryFbs + eventFbs), 'no file identifier: the buffers start with their root offset');
  assert.deepEqual(fields(block(entryFbs, 'table', 'Entry')).slice(0, 4),
    ['seq: ulong', 'recorded_at_ms: long', 'stream_version: ulong', 'envelope: [ubyte]']);
  assert.deepEqual(fields(block(eventFbs, 'table', 'Envelope')).slice(0, 6),
    ['schema_version: ushort', 'event: [ubyte]', 'public_key: [ubyte]', 'signature: [ubyte]', 'openings: [Opening]', 'sealed: [SealedField]']);
  assert.deepEqual(fields(block(eventFbs, 'table', 'Event')).slice(0, 6),
    ['event_id: string', 'subject: string', 'expected_version: long', 'signed_at_ms: long', 'uscc_override: UsccOverride', 'body: EventBody']);
  const members = block(eventFbs, 'union', 'EventBody').split(',').map((s) => s.trim()).filter(Boolean);
  assert.deepEqual(EVENT_BODY, members, 'EVENT_BODY is union EventBody in schema order (append new members to both)');
  assert.equal(RULESET_ADOPTED, members.indexOf('RulesetAdopted') + 1, 'type 0 is NONE, the members count from 1');
  assert.equal(SCHEMA_VERSION, Number(/kSchemaVersion = (\d+);/.exec(limits)[1]));
  assert.equal(SCHEMA_VERSION_MIN, Number(/kSchemaVersionMin = (\d+);/.exec(limits)[1]));
});

test('entry-reader: every entry of a demo ledger reads as creditlog entry --json says', { timeout: 300000 }, () => {
  const members = EVENT_BODY;
  const types = new Set();
  for (const { json, bytes } of entries) {
    const at = `seq ${json.seq}`;
    const e = readEntry(bytes);
    assert.equal(e.seq, json.seq, at);
    assert.equal(e.recordedAtMs, json.recorded_at_ms, at);
    assert.equal(e.streamVersion, json.stream_version, at);
    assert.equal(e.eventId, json.event.event_id, at);
    assert.equal(e.subject, json.event.subject ?? '', at);
    assert.equal(e.bodyType, members.indexOf(json.event.body_type) + 1, `${at}: ${json.event.body_type}`);
    assert.equal(e.schemaVersion, SCHEMA_VERSION, at);
    // The envelope lies in the entry, the event in the envelope, the key and signature in it.
    const inside = (inner, outer) => inner.byteOffset >= outer.byteOffset && inner.byteOffset + inner.length <= outer.byteOffset + outer.length;
    assert.ok(e.envelopeBytes.buffer === bytes.buffer && inside(e.envelopeBytes, bytes) && inside(e.eventBytes, e.envelopeBytes), at);
    const envelope = Buffer.from(e.envelopeBytes);
    assert.ok(envelope.includes(Buffer.from(json.public_key, 'base64')) && envelope.includes(Buffer.from(json.signature, 'base64')), at);
    types.add(json.event.body_type);
  }
  assert.equal(entries[0].json.event.body_type, 'Genesis');
  assert.equal(readEntry(entries[0].bytes).subject, '', 'genesis is the ledger\'s own stream');
  assert.ok(entries.some(({ bytes }) => readEntry(bytes).bodyType === RULESET_ADOPTED), 'a ruleset is adopted');
  assert.ok(types.size >= 8, `the demo covers many event types: ${[...types].join(', ')}`);
});

// --- malformed bytes -------------------------------------------------------------------------

// A fresh copy of an entry with a subject of its own (not the ledger's), and where its root
// table, vtable and fields are; `at(copy, base)` for the buffer nested at `base`.
function subjectEntry() {
  const { bytes } = entries.find(({ json }) => json.event.body_type === 'SubjectRegistered');
  return new Uint8Array(bytes);
}
function at(bytes, base = 0) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const root = base + dv.getUint32(base, true);
  const vt = root - dv.getInt32(root, true);
  return { dv, root, vt, field: (id) => root + dv.getUint16(vt + 4 + 2 * id, true) };
}
// Where the envelope and the event are nested in an entry.
function nested(bytes) {
  const e = readEntry(bytes);
  return { envelope: e.envelopeBytes.byteOffset - bytes.byteOffset, event: e.eventBytes.byteOffset - bytes.byteOffset, e };
}
const refused = (bytes, pattern, what) => assert.throws(() => readEntry(bytes), pattern, what);

test('entry-reader: truncated bytes are refused', () => {
  const bytes = subjectEntry();
  const { envelope, e } = nested(bytes);
  const envelopeEnd = envelope + e.envelopeBytes.length;
  for (const n of [0, 4, 7, 8, 12, 20, 24, 40, Math.floor(bytes.length / 2), envelopeEnd - 1]) {
    refused(bytes.slice(0, n), /^Error: entry: /, `cut to ${n} of ${bytes.length} bytes`);
  }
  refused(bytes.slice(0, 7), /too short/);
  refused(bytes.slice(0, envelopeEnd - 1), /Entry\.envelope .*outside/);
  refused(new Uint8Array(70 * 1024), /entry: 71680 bytes; the limit is/);
  refused(Array.from(bytes), /not a byte array/);
});

test('entry-reader: a corrupted vtable or offset is refused, naming the part', () => {
  const change = (edit) => { const b = subjectEntry(); edit(at(b), b); return b; };
  refused(change(({ dv, root }) => dv.setInt32(root, 0x40000000, true)), /entry: Entry's vtable .*outside/, 'vtable offset past the start');
  refused(change(({ dv, root }) => dv.setInt32(root, -0x10000, true)), /entry: Entry's vtable .*outside/, 'vtable offset past the end');
  refused(change(({ dv, root }) => dv.setInt32(root, dv.getInt32(root, true) + 1, true)), /entry: Entry's vtable at \d+ is not 2-byte aligned/);
  refused(change(({ dv, vt }) => dv.setUint16(vt, 7, true)), /entry: Entry's vtable is 7 bytes/);
  refused(change(({ dv, vt }) => dv.setUint16(vt, 0xfffe, true)), /entry: Entry's vtable .*outside/);
  refused(change(({ dv, vt }) => dv.setUint16(vt + 2, 2, true)), /gives the table 2 bytes/);
  refused(change(({ dv, vt }) => dv.setUint16(vt + 4 + 2 * 3, 0x7ff0, true)), /entry: Entry\.envelope \(at 32752\) is outside its \d+-byte table/);
  refused(change(({ dv, vt }) => dv.setUint16(vt + 4 + 2 * 2, dv.getUint16(vt + 4 + 2 * 2, true) + 4, true)), /Entry\.stream_version at \d+ is not 8-byte aligned|outside its/);
  refused(change(({ dv, vt }) => dv.setUint16(vt + 4 + 2 * 3, 0, true)), /entry: Entry\.envelope is required and missing/);
  refused(change(({ dv, field }) => dv.setUint32(field(3), 0x7ffffff0, true)), /entry: Entry\.envelope .*outside/);
  refused(change(({ dv, field }) => dv.setUint32(field(3), 0, true)), /entry: Entry\.envelope's offset at \d+ is 0/);
  refused(change(({ dv, field }) => { const v = field(3) + dv.getUint32(field(3), true); dv.setUint32(v, 0x10000000, true); }), /entry: Entry\.envelope .*outside/, 'a vector longer than the buffer');
  refused(change(({ dv }) => dv.setUint32(0, 0x01000000, true)), /entry: Entry .*outside/, 'root offset');

  // Inside the envelope and the event: the error names the nested buffer.
  const inEnvelope = (edit) => { const b = subjectEntry(); edit(at(b, nested(b).envelope)); return b; };
  refused(inEnvelope(({ dv, vt }) => dv.setUint16(vt + 4 + 2 * 1, 0, true)), /^Error: envelope: Envelope\.event is required and missing/);
  refused(inEnvelope(({ dv, vt }) => dv.setUint16(vt, 3, true)), /^Error: envelope: Envelope's vtable is 3 bytes/);
  refused(inEnvelope(({ dv, field }) => dv.setUint16(field(0), SCHEMA_VERSION + 1, true)), /envelope: schema_version \d+ is not 1\.\.\d+/);
  const inEvent = (edit) => { const b = subjectEntry(); edit(at(b, nested(b).event)); return b; };
  refused(inEvent(({ dv, root }) => dv.setInt32(root, 0x7000, true)), /^Error: event: Event's vtable/);
  refused(inEvent(({ dv, field }) => dv.setUint8(field(5), 0)), /^Error: event: Event\.body_type is NONE/);
  refused(inEvent(({ dv, vt }) => dv.setUint16(vt + 4 + 2 * 6, 0, true)), /^Error: event: Event\.body is required and missing/);
});

test('entry-reader: a subject that is not UTF-8 is refused', () => {
  const original = subjectEntry();
  const subject = Buffer.from(readEntry(original).subject, 'utf8');
  assert.ok(subject.length > 0);
  // The subject string: its length, its bytes, a 0.
  const string = Buffer.concat([Buffer.from([subject.length, 0, 0, 0]), subject, Buffer.from([0])]);
  const where = Buffer.from(original).indexOf(string) + 4;
  assert.ok(where >= 4, 'the subject is in the entry');
  for (const bad of [[0xff], [0xc0, 0x80], [0xe4, 0xbd], [0xed, 0xa0, 0x80]]) {
    const b = new Uint8Array(original);
    b.set(bad, where + 1);
    refused(b, /^Error: event: Event\.subject is not UTF-8$/, `subject bytes ${bad.map((x) => x.toString(16)).join(' ')}`);
  }
  // And the string's 0 after it.
  const b = new Uint8Array(original);
  b[where + subject.length] = 0x41;
  refused(b, /Event\.subject is not 0-terminated/);
});

test('entry-reader: a seq or a stream version beyond 2^53 is refused, up to it is read', () => {
  const b = subjectEntry();
  const { dv, field } = at(b);
  dv.setBigUint64(field(0), BigInt(Number.MAX_SAFE_INTEGER), true);
  assert.equal(readEntry(b).seq, Number.MAX_SAFE_INTEGER);
  dv.setBigUint64(field(0), BigInt(Number.MAX_SAFE_INTEGER) + 1n, true);
  refused(b, /entry: Entry\.seq is 9007199254740992, beyond/);
  dv.setBigUint64(field(0), 5n, true);
  dv.setBigUint64(field(2), 2n ** 64n - 1n, true);
  refused(b, /entry: Entry\.stream_version is 18446744073709551615, beyond/);
});

test('entry-reader: any byte of an entry changed is read or refused by its own checks', () => {
  // A small entry and the ruleset (a large one): every byte flipped three ways, and every length
  // cut; a refusal is the reader's Error naming the buffer, never a RangeError from a DataView.
  const samples = [subjectEntry(), entries.find(({ json }) => json.event.body_type === 'RulesetAdopted').bytes];
  const mine = /^(entry|envelope|event): /;
  for (const original of samples) {
    const step = original.length > 4096 ? 7 : 1;
    for (let i = 0; i < original.length; i += step) {
      for (const x of [0x01, 0x80, 0xff]) {
        const b = new Uint8Array(original);
        b[i] ^= x;
        try { readEntry(b); } catch (err) { assert.ok(err.constructor === Error && mine.test(err.message), `byte ${i} ^ ${x}: ${err}`); }
      }
    }
    for (let n = 0; n < original.length; n += step) {
      try { readEntry(original.slice(0, n)); } catch (err) { assert.ok(err.constructor === Error && mine.test(err.message), `cut to ${n}: ${err}`); }
    }
  }
});
