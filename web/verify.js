// Verification of one ledger entry, computed in the browser with Web Crypto:
//   checkpoint — the C2SP signed note is signed by the log's verifier key (Ed25519);
//   leaf       — SHA-256(0x00 || entry bytes);
//   inclusion  — the RFC 9162 inclusion proof leads from that leaf to the checkpoint's root;
//   author     — the author's Ed25519 signature over
//                "creditlog-signature-v1" 0x00 purpose 0x00 origin 0x00 event_bytes;
//   embedded   — the signed event bytes, the signature and the key are inside the entry bytes;
//   witnesses  — (with a witness policy) each witness's C2SP tlog-cosignature on the checkpoint,
//                checked with the keys of the policy (C2SP tlog-policy), and whether they make
//                its quorum.
// Nothing here trusts the server's word: every input is bytes, and every result is computed.

import { t } from './i18n.js';

const utf8 = new TextEncoder();

export function fromBase64(b64) {
  const bin = atob(b64.trim());
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function concat(...parts) {
  const arrays = parts.map((p) => (typeof p === 'string' ? utf8.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) { out.set(a, at); at += a.length; }
  return out;
}

export function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// The first index of needle inside hay, or -1.
export function indexOf(hay, needle) {
  if (needle.length === 0) return 0;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export function hasWebCrypto() {
  return typeof crypto !== 'undefined' && !!crypto.subtle;
}

export async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

export async function ed25519Verify(publicKey, signature, message) {
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}

// A note verifier key ("vkey"): "name+hash8hex+base64(type || 32-byte Ed25519 public key)",
// type 0x01 for a signer (the log) and 0x04 for a cosigner (a witness, cosignature/v1).
function parseVkey(text, type, what) {
  // A note key name has no '+', but base64 may: split at the first two.
  const line = String(text).trim();
  const plus1 = line.indexOf('+');
  const plus2 = line.indexOf('+', plus1 + 1);
  if (plus1 <= 0 || plus2 < 0) throw new Error(`${what}: expected name+hash+key`);
  const name = line.slice(0, plus1);
  const hash = line.slice(plus1 + 1, plus2);
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new Error(`${what}: the hash is not 8 hex digits`);
  let raw;
  try { raw = fromBase64(line.slice(plus2 + 1)); } catch { throw new Error(`${what}: the key is not base64`); }
  const hex = type.toString(16).padStart(2, '0');
  if (raw.length !== 33 || raw[0] !== type) throw new Error(`${what}: not an Ed25519 key (0x${hex} + 32 bytes)`);
  return { name, hash, publicKey: raw.slice(1) };
}

// The log's verifier key: "name+hash8hex+base64(0x01 || 32-byte Ed25519 public key)".
export function parseVerifierKey(text) { return parseVkey(text, 0x01, 'verifier key'); }

// A witness's cosigner key: "name+keyID8hex+base64(0x04 || 32-byte Ed25519 public key)".
export function parseCosignerKey(text) { return parseVkey(text, 0x04, 'cosigner key'); }

// The 4-byte key hash of a note key: SHA-256(name || "\n" || 0x01 || public key)[0:4].
export async function noteKeyHash(name, publicKey) {
  return (await sha256(name, [0x0a, 0x01], publicKey)).slice(0, 4);
}

// A C2SP signed note: its text (up to and including the newline before the blank line), a
// blank line, then signature lines "— name base64(key hash || signature)". `what` names the
// note in errors.
export function parseNote(note, what = 'note') {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error(`${what}: no blank line before the signatures`);
  const text = note.slice(0, split + 1);
  const signatures = note.slice(split + 2).split('\n').filter(Boolean).map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`${what}: malformed signature line: ${line}`);
    return { name: m[1], bytes: fromBase64(m[2]) };
  });
  return { text, signatures };
}

// A C2SP signed note holding a tlog-checkpoint: "origin\nsize\nroot\n" [extension lines],
// a blank line, then the signature lines.
export function parseCheckpoint(note) {
  const { text, signatures } = parseNote(note, 'checkpoint');
  const [origin, sizeLine, rootLine] = text.split('\n');
  if (!/^\d+$/.test(sizeLine || '')) throw new Error('checkpoint: the size line is not a number');
  const root = fromBase64(rootLine || '');
  if (root.length !== 32) throw new Error('checkpoint: the root is not 32 bytes');
  return { text, origin, size: Number(sizeLine), root, signatures };
}

// Whether the parsed note {text, signatures} bears the Ed25519 signature of the parsed verifier
// key: {ok, why (keyHash, noSignature or badSignature when not), detail}.
async function signedBy(note, key) {
  const computedHash = toHex(await noteKeyHash(key.name, key.publicKey));
  if (computedHash !== key.hash) return { ok: false, why: 'keyHash', detail: t('verify.keyHash', key.hash, computedHash) };
  const line = note.signatures.find((sig) => sig.name === key.name && sig.bytes.length === 68 &&
    toHex(sig.bytes.slice(0, 4)) === key.hash);
  if (!line) return { ok: false, why: 'noSignature', detail: t('verify.noSignature', `${key.name}+${key.hash}`) };
  const ok = await ed25519Verify(key.publicKey, line.bytes.slice(4), utf8.encode(note.text));
  return { ok, why: ok ? '' : 'badSignature', detail: `${key.name}+${key.hash}` };
}

// Verifies any signed note with the verifier key: {ok, note, key, detail}; throws on any
// malformed input.
export async function verifyNote(noteText, keyText, what = 'note') {
  const key = parseVerifierKey(keyText);
  const note = parseNote(noteText, what);
  return { ...(await signedBy(note, key)), note, key };
}

// Verifies the checkpoint note with the verifier key; throws on any malformed input.
export async function verifyCheckpoint(noteText, keyText) {
  const key = parseVerifierKey(keyText);
  const cp = parseCheckpoint(noteText);
  return { ...(await signedBy(cp, key)), cp, key };
}

// A C2SP tlog-proof (docs/format.md, "Proof files"):
//   c2sp.org/tlog-proof@v1
//   [extra <base64>]            (for creditlog: the entry's bytes)
//   index <N>
//   <base64 hash>...            the inclusion proof, leaf's sibling first
//   (empty line)
//   <the checkpoint's signed note, verbatim>
// Returns {extra (bytes or null), index, hashes: [bytes], checkpoint (text)}; throws naming the
// line that is wrong.
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
export function parseTlogProof(text) {
  const split = String(text).indexOf('\n\n');
  if (split < 0) throw new Error('tlog-proof: no empty line before the checkpoint');
  const lines = text.slice(0, split).split('\n');
  const bad = (i, what) => new Error(`tlog-proof line ${i + 1}: ${what}`);
  const b64 = (i, v) => {
    if (!STRICT_BASE64.test(v)) throw bad(i, 'not base64');
    return fromBase64(v);
  };
  if (lines[0] !== TLOG_PROOF_HEADER) throw bad(0, `not '${TLOG_PROOF_HEADER}'`);
  let i = 1;
  let extra = null;
  if ((lines[i] || '').startsWith('extra ')) { extra = b64(i, lines[i].slice(6)); i++; }
  const m = /^index (0|[1-9][0-9]*)$/.exec(lines[i] || '');
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw bad(i, "want 'index N', N a decimal number without leading zeros");
  const index = Number(m[1]);
  const hashes = lines.slice(i + 1).map((line, j) => {
    const hash = b64(i + 1 + j, line);
    if (hash.length !== 32) throw bad(i + 1 + j, 'a hash is 32 bytes');
    return hash;
  });
  if (hashes.length > 64) throw new Error('tlog-proof: more than 64 hashes');
  return { extra, index, hashes, checkpoint: text.slice(split + 2) };
}

// --- witnesses: C2SP tlog-cosignature (Ed25519, cosignature/v1) and tlog-policy ------------

// The 4-byte key ID of a cosigner: SHA-256(name || "\n" || 0x04 || public key)[0:4].
export async function cosignerKeyId(name, publicKey) {
  return (await sha256(name, [0x0a, 0x04], publicKey)).slice(0, 4);
}

// What a cosignature/v1 signs: "cosignature/v1\ntime <timestamp>\n" and the checkpoint text.
export function cosignedMessage(checkpointText, timestamp) {
  return concat(`cosignature/v1\ntime ${BigInt(timestamp).toString()}\n`, checkpointText);
}

// The cosignature of `key` (a parsed cosigner key) on the parsed checkpoint `cp`:
// {found: false} when no signature line has its name and key ID; otherwise
// {found: true, ok, timestamp (seconds)}. A line is base64(key ID || u64 big-endian
// timestamp || 64-byte Ed25519 signature).
export async function verifyCosignature(cp, key) {
  const id = await cosignerKeyId(key.name, key.publicKey);
  if (toHex(id) !== key.hash) return { found: true, ok: false, timestamp: 0, detail: t('verify.keyHash', key.hash, toHex(id)) };
  const line = cp.signatures.find((sig) => sig.name === key.name && sig.bytes.length >= 4 && equal(sig.bytes.slice(0, 4), id));
  if (!line) return { found: false };
  if (line.bytes.length !== 4 + 8 + 64) return { found: true, ok: false, timestamp: 0 };
  let timestamp = 0n;
  for (const b of line.bytes.slice(4, 12)) timestamp = (timestamp << 8n) | BigInt(b);
  if (timestamp >= 1n << 63n) return { found: true, ok: false, timestamp: 0 };
  const ok = await ed25519Verify(key.publicKey, line.bytes.slice(12), cosignedMessage(cp.text, timestamp));
  return { found: true, ok, timestamp: Number(timestamp) };
}

// A C2SP tlog-policy file:
//   log <vkey> [<url>]
//   witness <name> <cosigner vkey> [<url>]
//   group <name> <k>|any|all <member>...
//   quorum <name>|none
// '#' starts a comment line; a name is defined before it is used; exactly one quorum line.
// Returns {logs: [{key, url}], witnesses: [{name, key, url}], nodes: Map name → node, quorum:
// node or null (none)}; a node is {name, witness} or {name, threshold, members: [node]}.
// Throws naming the line and what is wrong with it.
export function parsePolicy(text) {
  const logs = [];
  const witnesses = [];
  const nodes = new Map();
  let quorum;
  String(text).split('\n').forEach((raw, i) => {
    const bad = (what) => new Error(`witness policy line ${i + 1}: ${what}`);
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(raw)) throw bad('a control character');
    const f = raw.split(/[ \t]+/).filter(Boolean);
    if (!f.length || f[0].startsWith('#')) return;
    const [keyword, name] = f;
    const fresh = () => {
      if (name === 'none' || nodes.has(name)) throw bad(`the name '${name}' is already defined`);
    };
    const vkey = (parse, v) => {
      try { return parse(v); } catch (err) { throw bad(err.message); }
    };
    if (keyword === 'log') {
      if (f.length < 2 || f.length > 3) throw bad("want 'log <vkey> [<url>]'");
      const key = vkey(parseVerifierKey, f[1]);
      if (logs.some((l) => equal(l.key.publicKey, key.publicKey))) throw bad('the log key is listed twice');
      logs.push({ key, url: f[2] || '' });
    } else if (keyword === 'witness') {
      if (f.length < 3 || f.length > 4) throw bad("want 'witness <name> <vkey> [<url>]'");
      fresh();
      const key = vkey(parseCosignerKey, f[2]);
      const twin = witnesses.find((w) => equal(w.key.publicKey, key.publicKey));
      if (twin) throw bad(`witness '${twin.name}' has the same key`);
      const witness = { name, key, url: f[3] || '' };
      witnesses.push(witness);
      nodes.set(name, { name, witness });
    } else if (keyword === 'group') {
      if (f.length < 4) throw bad("want 'group <name> <k>|all|any <member>...'");
      fresh();
      const members = f.slice(3).map((m) => {
        if (!nodes.has(m)) throw bad(`'${m}' is not a witness or group defined above`);
        return nodes.get(m);
      });
      if (new Set(members).size !== members.length) throw bad('a member is listed twice');
      const n = members.length;
      const k = f[2] === 'all' ? n : f[2] === 'any' ? 1 : /^[1-9][0-9]*$/.test(f[2]) ? Number(f[2]) : 0;
      if (!(k >= 1 && k <= n)) throw bad(`the threshold must be all, any or a number from 1 to ${n}`);
      nodes.set(name, { name, threshold: k, members });
    } else if (keyword === 'quorum') {
      if (f.length !== 2) throw bad("want 'quorum <name>' or 'quorum none'");
      if (quorum !== undefined) throw bad('a second quorum line');
      if (name !== 'none' && !nodes.has(name)) throw bad(`'${name}' is not a witness or group defined above`);
      quorum = name === 'none' ? null : nodes.get(name);
    } else {
      throw bad(`unknown keyword '${keyword}' (log, witness, group, quorum)`);
    }
  });
  if (quorum === undefined) throw new Error("witness policy: no quorum line ('quorum <name>' or 'quorum none')");
  return { logs, witnesses, nodes, quorum };
}

// Whether the witnesses named in `cosigned` (a Set of the policy's names) make `node` (the
// quorum by default: none is always met).
export function quorumMet(policy, cosigned, node = policy.quorum) {
  if (!node) return true;
  if (node.witness) return cosigned.has(node.name);
  return node.members.filter((m) => quorumMet(policy, cosigned, m)).length >= node.threshold;
}

// The quorum in words, as parts: strings and {name} for a witness's name (to be set as a code),
// e.g. [{name: 'audit'}, '、', …] for "2 of (audit, court, congress)" in the chosen language.
export function quorumWords(node) {
  if (!node) return [t('wit.quorum.none')];
  if (node.witness) return [{ name: node.name }];
  const members = node.members.flatMap((m, i) => (i ? [t('wit.quorum.sep'), ...quorumWords(m)] : quorumWords(m)));
  const n = node.members.length;
  if (n === 1) return members;
  const form = node.threshold === n ? t('wit.quorum.all') : node.threshold === 1 ? t('wit.quorum.any') : t('wit.quorum.k', node.threshold);
  const [before, after] = form.split('{members}');
  return [before, ...members, after].filter((p) => p !== '');
}

// A time in the browser's own time zone: YYYY-MM-DD HH:MM:SS.
export function localTime(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// The browser's time zone as an offset from UTC (now): UTC+8, UTC-3:30, UTC+0.
export function localZone() {
  const offset = -new Date().getTimezoneOffset();
  const abs = Math.abs(offset);
  return `UTC${offset < 0 ? '-' : '+'}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''}`;
}

// The cosignatures on the checkpoint note `note` (the log's key `key`) of the witnesses of the
// policy text: {ok, policy, cosigned: [{name, timestamp}], results: [{witness, found, ok,
// timestamp}], quorum (met), detail}. ok: every cosignature line of a witness of the policy
// verifies, the policy lists this log (or no log), and those who cosigned make the quorum.
export async function verifyWitnesses(note, keyText, policyText) {
  const policy = parsePolicy(policyText);
  const cp = parseCheckpoint(note);
  const log = parseVerifierKey(keyText);
  const problems = [];
  if (policy.logs.length && !policy.logs.some((l) => equal(l.key.publicKey, log.publicKey))) {
    problems.push(t('verify.wit.notThisLog', `${log.name}+${log.hash}`));
  }
  const results = [];
  for (const witness of policy.witnesses) results.push({ witness, ...(await verifyCosignature(cp, witness.key)) });
  const cosigned = results.filter((r) => r.found && r.ok).map((r) => ({ name: r.witness.name, timestamp: r.timestamp }));
  for (const r of results) if (r.found && !r.ok) problems.push(t('verify.wit.bad', r.witness.name));
  const met = quorumMet(policy, new Set(cosigned.map((c) => c.name)));
  const said = results.map((r) => (!r.found ? t('verify.wit.none', r.witness.name)
    : r.ok ? t('verify.wit.cosigned', r.witness.name, localTime(r.timestamp * 1000)) : t('verify.wit.bad', r.witness.name)));
  const quorumText = quorumWords(policy.quorum).map((p) => (typeof p === 'string' ? p : p.name)).join('');
  const detail = [
    cosigned.length ? t('verify.wit.count', cosigned.length, policy.witnesses.length) : t('verify.wit.nobody'),
    said.join(t('verify.wit.sep')),
    t(met ? 'verify.wit.met' : 'verify.wit.notMet', quorumText),
    ...problems.filter((p) => !said.includes(p)),
    ...(cosigned.length ? [t('verify.wit.zone', localZone())] : []),
  ].join(' · ');
  return { ok: met && problems.length === 0, policy, cp, cosigned, results, quorum: met, detail };
}

export async function leafHash(entryBytes) { return sha256([0x00], entryBytes); }
async function nodeHash(left, right) { return sha256([0x01], left, right); }

// RFC 9162 section 2.1.3.2: the root that an inclusion proof leads to, or null if the proof
// does not fit the index and tree size.
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!(index >= 0 && index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export const SIGNATURE_CONTEXT = 'creditlog-signature-v1';

// The bytes an author signs: context 0x00 purpose 0x00 origin 0x00 event_bytes.
export function signedMessage(purpose, origin, eventBytes) {
  return concat(SIGNATURE_CONTEXT, [0], purpose, [0], origin, [0], eventBytes);
}

// All checks for one entry. entry: the /v1/entries/{seq} JSON; note, key: the texts of
// /v1/checkpoint and /v1/verifier-key; proof: the /v1/proofs/inclusion JSON for the
// checkpoint's size (null when the entry is beyond the checkpoint); witnesses: the
// /v1/witnesses JSON, or null. With witnesses listed, a 'witnesses' check: their cosignatures
// on the checkpoint, checked with the keys of the policy text, make its quorum.
// Returns {ok, checks: [{id, ok, detail}], checkpoint, witnesses (verifyWitnesses' answer)}.
export async function verifyEntry({ entry, note, key, proof, witnesses = null }) {
  const checks = [];
  const add = (id, ok, detail) => checks.push({ id, ok: !!ok, detail });
  const attempt = async (id, fn) => {
    try { return await fn(); } catch (err) { add(id, false, err.message || String(err)); return undefined; }
  };

  const cpResult = await attempt('checkpoint', () => verifyCheckpoint(note, key));
  if (cpResult) add('checkpoint', cpResult.ok, `${cpResult.detail} · ${t('verify.size', cpResult.cp.size)} · ${t('verify.root', toBase64(cpResult.cp.root))}`);
  const cp = cpResult?.cp;

  const entryBytes = fromBase64(entry.entry);
  const leaf = await leafHash(entryBytes);
  add('leaf', true, `${toHex(leaf)} ${t('verify.bytes', entryBytes.length)}`);

  await attempt('inclusion', async () => {
    if (!cp) throw new Error(t('verify.noCheckpoint'));
    if (!proof) throw new Error(t('verify.beyond', entry.seq, cp.size));
    if (proof.seq !== entry.seq || proof.size !== cp.size) throw new Error(t('verify.otherProof'));
    const root = await rootFromInclusionProof(entry.seq, cp.size, leaf, proof.hashes.map(fromBase64));
    const ok = root !== null && equal(root, cp.root);
    add('inclusion', ok, t('verify.inclusion', proof.hashes.length, root ? toBase64(root) : t('verify.noRoot'), ok ? '=' : '≠', cp.size));
  });

  await attempt('author', async () => {
    if (!cp) throw new Error(t('verify.noCheckpoint'));
    if (!entry.event_bytes || !entry.signature || !entry.signature_purpose) throw new Error(t('verify.noEventBytes'));
    const publicKey = fromBase64(entry.public_key);
    const message = signedMessage(entry.signature_purpose, cp.origin, fromBase64(entry.event_bytes));
    const ok = await ed25519Verify(publicKey, fromBase64(entry.signature), message);
    add('author', ok, `${entry.signature_purpose} · ${cp.origin} · ${t('verify.key', entry.public_key)}`);
  });

  await attempt('embedded', async () => {
    const parts = { event_bytes: entry.event_bytes, signature: entry.signature, public_key: entry.public_key };
    const missing = Object.entries(parts).filter(([, b64]) => !b64 || indexOf(entryBytes, fromBase64(b64)) < 0).map(([k]) => k);
    const named = (parts) => parts.map((k) => t(`verify.part.${k}`)).join(t('verify.and'));
    add('embedded', missing.length === 0, missing.length ? t('verify.notFound', named(missing)) : named(Object.keys(parts)));
  });

  const witnessed = witnesses?.witnesses?.length ? await attempt('witnesses', async () => {
    if (!cp) throw new Error(t('verify.noCheckpoint'));
    const result = await verifyWitnesses(note, key, witnesses.policy);
    add('witnesses', result.ok, result.detail);
    return result;
  }) : undefined;

  const ids = ['checkpoint', 'leaf', 'inclusion', 'author', 'embedded', ...(witnesses?.witnesses?.length ? ['witnesses'] : [])];
  const ok = ids.every((id) => checks.some((c) => c.id === id && c.ok));
  return { ok, checks, checkpoint: cp, witnesses: witnessed };
}
