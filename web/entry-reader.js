// A strict, read-only reader of ledger entry bytes: only the fields 报告核验 needs (the console
// vendors no FlatBuffers runtime). What it reads, as ledger/entry.cc BuildEntry and
// events/event.cc SignEnvelope write it: three FlatBuffers, each nested in the one before as a
// [ubyte] vector, each a plain buffer (no file identifier, no size prefix) starting 8-aligned
// in its parent, all offsets and alignments counted from the buffer's own first byte.
//   buffer  u32 at 0: the root table is at 0 + that value
//   table   i32 at T: its vtable is at T − that value; vtable: u16 vtable bytes (even, ≥ 4),
//           u16 table bytes, then a u16 per field id, the field's offset in the table (0 or
//           past the vtable's end: absent, the default)
//   offset  u32 field at P (not 0, below 2^31): the vector, string or table at P + value
//   vector  u32 count at V (4-aligned), then the elements; a string also has a 0 byte after
//   Entry    (ledger/entry.fbs): 0 seq u64, 1 recorded_at_ms i64, 2 stream_version u64,
//            3 envelope [ubyte] (required) — the Envelope buffer
//   Envelope (events/schema/event.fbs): 0 schema_version u16, 1 event [ubyte] (required) — the
//            Event buffer, 2 public_key [ubyte] (required, 32), 3 signature [ubyte] (required,
//            64), 4 openings [Opening], 5 sealed [SealedField]
//   Event    0 event_id string (required), 1 subject string, 2 expected_version i64,
//            3 signed_at_ms i64, 4 uscc_override UsccOverride, 5 body_type u8 (union EventBody:
//            0 NONE, then its members in schema order from 1), 6 body table (required)
// Checked, as the flatbuffers Verifier that ParseEntry, ParseEnvelope and ParseEvent run does:
// every offset, length and vtable inside its buffer, scalars and offsets aligned, strings
// 0-terminated, required fields present, the size limits of events/limits.h and the schema
// versions this build reads; also each field inside its table, a body type other than NONE,
// strings strict UTF-8, and u64/i64 values within ±(2^53 − 1). Not checked: canonical form
// (ParseEntry rebuilds the entry and compares it; a changed byte changes the leaf hash, which
// the inclusion proof catches), signatures, the event body's fields.

// events/limits.h: kEnvelopeBytesMax, kEventBytesMax, kSchemaVersionMin, kSchemaVersion; an
// entry is at most an envelope and 1024 bytes (ParseEntry).
const ENVELOPE_BYTES_MAX = 64 * 1024;
const EVENT_BYTES_MAX = 60 * 1024;
const ENTRY_BYTES_MAX = ENVELOPE_BYTES_MAX + 1024;
export const SCHEMA_VERSION_MIN = 1;
export const SCHEMA_VERSION = 2;

// union EventBody's members in schema order (append only): member i is body type i + 1.
export const EVENT_BODY = ('Genesis AgencyKeyRegistered KeyRevoked RulesetAdopted SubjectRegistered CommitmentMade ' +
  'CommitmentVerified CommitmentBreached CommitmentWithdrawn ContractSigned PaymentMade ArrearsRecorded ArrearsCleared ' +
  'ContractCompleted PenaltyDecided PenaltyFulfilled PenaltyRevoked ListingNoticeIssued ObjectionFiled ObjectionResolved ' +
  'SeriousListingDecided SeriousListingExited RepairApplied RepairDecided ServiceRated CivilServantIntegrityEntry ' +
  'RecordCorrected AccessRecorded ErasureRecorded MeasureApplied ServiceCaseHandled ServiceRectified ServiceFollowedUp').split(' ');
export const RULESET_ADOPTED = EVENT_BODY.indexOf('RulesetAdopted') + 1;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// One buffer: its bytes, a view of them, and its name for errors ("entry", "envelope", "event").
function buffer(bytes, what, max) {
  if (!(bytes instanceof Uint8Array)) throw new Error(`${what}: not a byte array`);
  if (bytes.length < 8) throw new Error(`${what}: ${bytes.length} bytes, too short to be a FlatBuffer`);
  if (bytes.length > max) throw new Error(`${what}: ${bytes.length} bytes; the limit is ${max}`);
  return { bytes, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), what };
}

function need(b, at, size, align, name) {
  if (at < 0 || at + size > b.bytes.length) {
    throw new Error(`${b.what}: ${name} (${size} bytes at ${at}) is outside the ${b.bytes.length}-byte buffer`);
  }
  if (at % align !== 0) throw new Error(`${b.what}: ${name} at ${at} is not ${align}-byte aligned`);
}

// Where the offset at `at` leads.
function follow(b, at, name) {
  need(b, at, 4, 4, `${name}'s offset`);
  const o = b.dv.getUint32(at, true);
  if (o === 0 || o > 0x7fffffff) throw new Error(`${b.what}: ${name}'s offset at ${at} is ${o}`);
  need(b, at + o, 1, 1, name);
  return at + o;
}

// The table at `pos`, its vtable checked.
function table(b, pos, name) {
  need(b, pos, 4, 4, name);
  const vt = pos - b.dv.getInt32(pos, true);
  need(b, vt, 4, 2, `${name}'s vtable`);
  const vtSize = b.dv.getUint16(vt, true);
  const size = b.dv.getUint16(vt + 2, true);
  if (vtSize < 4 || vtSize % 2 !== 0) throw new Error(`${b.what}: ${name}'s vtable is ${vtSize} bytes`);
  need(b, vt, vtSize, 2, `${name}'s vtable`);
  if (size < 4) throw new Error(`${b.what}: ${name}'s vtable gives the table ${size} bytes`);
  need(b, pos, size, 4, name);
  return { b, pos, vt, vtSize, size, name };
}

// Where field `id` (`size` bytes) is, or -1 when absent.
function field(t, id, size, name, required = false) {
  const slot = 4 + 2 * id;
  const off = slot < t.vtSize ? t.b.dv.getUint16(t.vt + slot, true) : 0;
  if (off === 0) {
    if (required) throw new Error(`${t.b.what}: ${t.name}.${name} is required and missing`);
    return -1;
  }
  if (off + size > t.size) throw new Error(`${t.b.what}: ${t.name}.${name} (at ${off}) is outside its ${t.size}-byte table`);
  need(t.b, t.pos + off, size, size, `${t.name}.${name}`);
  return t.pos + off;
}

// A u64 or i64 field (default 0) as a Number; refused beyond ±(2^53 − 1).
function integer(t, id, name, signed = false) {
  const at = field(t, id, 8, name);
  if (at < 0) return 0;
  const v = signed ? t.b.dv.getBigInt64(at, true) : t.b.dv.getBigUint64(at, true);
  if (v > SAFE || v < -SAFE) throw new Error(`${t.b.what}: ${t.name}.${name} is ${v}, beyond what this reader reads exactly`);
  return Number(v);
}

// A vector field of `elem`-byte elements: its elements' bytes, or null when absent. A string
// (text) is 0-terminated and decoded as strict UTF-8.
function vector(t, id, name, { required = false, text = false, elem = 1 } = {}) {
  const at = field(t, id, 4, name, required);
  if (at < 0) return null;
  const { b } = t;
  const pos = follow(b, at, `${t.name}.${name}`);
  need(b, pos, 4, 4, `${t.name}.${name}'s length`);
  const n = b.dv.getUint32(pos, true);
  need(b, pos + 4, n * elem + (text ? 1 : 0), 1, `${t.name}.${name}`);
  const bytes = b.bytes.subarray(pos + 4, pos + 4 + n * elem);
  if (!text) return bytes;
  if (b.bytes[pos + 4 + n] !== 0) throw new Error(`${b.what}: ${t.name}.${name} is not 0-terminated`);
  try { return utf8.decode(bytes); } catch { throw new Error(`${b.what}: ${t.name}.${name} is not UTF-8`); }
}

// A vector of tables: each element's table checked.
function tables(t, id, name) {
  const offsets = vector(t, id, name, { elem: 4 });
  const start = offsets ? offsets.byteOffset - t.b.bytes.byteOffset : 0;
  for (let i = 0; offsets && i < offsets.length / 4; i++) {
    const what = `${t.name}.${name}[${i}]`;
    table(t.b, follow(t.b, start + 4 * i, what), what);
  }
}

const root = (b, name) => table(b, follow(b, 0, name), name);

// The fields of an entry's bytes: {seq, recordedAtMs, streamVersion, envelopeBytes, eventBytes,
// schemaVersion, eventId, subject ("" for the ledger's own stream), bodyType (EVENT_BODY index
// + 1)}. Throws an Error naming what is malformed.
export function readEntry(bytes) {
  const entry = root(buffer(bytes, 'entry', ENTRY_BYTES_MAX), 'Entry');
  const seq = integer(entry, 0, 'seq');
  const recordedAtMs = integer(entry, 1, 'recorded_at_ms', true);
  const streamVersion = integer(entry, 2, 'stream_version');
  const envelopeBytes = vector(entry, 3, 'envelope', { required: true });

  const envelope = root(buffer(envelopeBytes, 'envelope', ENVELOPE_BYTES_MAX), 'Envelope');
  const sv = field(envelope, 0, 2, 'schema_version');
  const schemaVersion = sv < 0 ? 0 : envelope.b.dv.getUint16(sv, true);
  if (schemaVersion < SCHEMA_VERSION_MIN || schemaVersion > SCHEMA_VERSION) {
    throw new Error(`envelope: schema_version ${schemaVersion} is not ${SCHEMA_VERSION_MIN}..${SCHEMA_VERSION}`);
  }
  const eventBytes = vector(envelope, 1, 'event', { required: true });
  if (vector(envelope, 2, 'public_key', { required: true }).length !== 32) throw new Error('envelope: public_key is not 32 bytes');
  if (vector(envelope, 3, 'signature', { required: true }).length !== 64) throw new Error('envelope: signature is not 64 bytes');
  tables(envelope, 4, 'openings');
  tables(envelope, 5, 'sealed');

  const event = root(buffer(eventBytes, 'event', EVENT_BYTES_MAX), 'Event');
  const eventId = vector(event, 0, 'event_id', { required: true, text: true });
  const subject = vector(event, 1, 'subject', { text: true }) ?? '';
  field(event, 2, 8, 'expected_version');
  field(event, 3, 8, 'signed_at_ms');
  const override = field(event, 4, 4, 'uscc_override');
  if (override >= 0) table(event.b, follow(event.b, override, 'Event.uscc_override'), 'Event.uscc_override');
  const bt = field(event, 5, 1, 'body_type');
  const bodyType = bt < 0 ? 0 : event.b.dv.getUint8(bt);
  if (bodyType === 0) throw new Error('event: Event.body_type is NONE');
  table(event.b, follow(event.b, field(event, 6, 4, 'body', true), 'Event.body'), 'Event.body');

  return { seq, recordedAtMs, streamVersion, envelopeBytes, eventBytes, schemaVersion, eventId, subject, bodyType };
}
