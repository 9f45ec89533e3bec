// Verification of one ledger entry, computed in the browser with Web Crypto:
//   checkpoint — the C2SP signed note is signed by the log's verifier key (Ed25519);
//   leaf       — SHA-256(0x00 || entry bytes);
//   inclusion  — the RFC 9162 inclusion proof leads from that leaf to the checkpoint's root;
//   author     — the author's Ed25519 signature over
//                "creditlog-signature-v1" 0x00 purpose 0x00 origin 0x00 event_bytes;
//   embedded   — the signed event bytes, the signature and the key are inside the entry bytes.
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

// A note verifier key: "name+hash8hex+base64(0x01 || 32-byte Ed25519 public key)".
export function parseVerifierKey(text) {
  // A note key name has no '+', but base64 may: split at the first two.
  const line = text.trim();
  const plus1 = line.indexOf('+');
  const plus2 = line.indexOf('+', plus1 + 1);
  if (plus1 <= 0 || plus2 < 0) throw new Error('verifier key: expected name+hash+key');
  const name = line.slice(0, plus1);
  const hash = line.slice(plus1 + 1, plus2);
  const raw = fromBase64(line.slice(plus2 + 1));
  if (!/^[0-9a-f]{8}$/.test(hash)) throw new Error('verifier key: the hash is not 8 hex digits');
  if (raw.length !== 33 || raw[0] !== 0x01) throw new Error('verifier key: not an Ed25519 key (0x01 + 32 bytes)');
  return { name, hash, publicKey: raw.slice(1) };
}

// The 4-byte key hash of a note key: SHA-256(name || "\n" || 0x01 || public key)[0:4].
export async function noteKeyHash(name, publicKey) {
  return (await sha256(name, [0x0a, 0x01], publicKey)).slice(0, 4);
}

// A C2SP signed note holding a tlog-checkpoint: "origin\nsize\nroot\n" [extension lines],
// a blank line, then signature lines "— name base64(key hash || signature)".
export function parseCheckpoint(note) {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('checkpoint: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  const [origin, sizeLine, rootLine] = lines;
  if (!/^\d+$/.test(sizeLine || '')) throw new Error('checkpoint: the size line is not a number');
  const root = fromBase64(rootLine || '');
  if (root.length !== 32) throw new Error('checkpoint: the root is not 32 bytes');
  const signatures = note.slice(split + 2).split('\n').filter(Boolean).map((line) => {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error(`checkpoint: malformed signature line: ${line}`);
    return { name: m[1], bytes: fromBase64(m[2]) };
  });
  return { text, origin, size: Number(sizeLine), root, signatures };
}

// Verifies the checkpoint note with the verifier key; throws on any malformed input.
export async function verifyCheckpoint(noteText, keyText) {
  const key = parseVerifierKey(keyText);
  const cp = parseCheckpoint(noteText);
  const computedHash = toHex(await noteKeyHash(key.name, key.publicKey));
  if (computedHash !== key.hash) {
    return { ok: false, cp, key, detail: t('verify.keyHash', key.hash, computedHash) };
  }
  const line = cp.signatures.find((sig) => sig.name === key.name && sig.bytes.length === 68 &&
    toHex(sig.bytes.slice(0, 4)) === key.hash);
  if (!line) return { ok: false, cp, key, detail: t('verify.noSignature', `${key.name}+${key.hash}`) };
  const ok = await ed25519Verify(key.publicKey, line.bytes.slice(4), utf8.encode(cp.text));
  return { ok, cp, key, detail: `${key.name}+${key.hash}` };
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
// checkpoint's size (null when the entry is beyond the checkpoint).
// Returns {ok, checks: [{id, ok, detail}], checkpoint}.
export async function verifyEntry({ entry, note, key, proof }) {
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

  const ids = ['checkpoint', 'leaf', 'inclusion', 'author', 'embedded'];
  const ok = ids.every((id) => checks.some((c) => c.id === id && c.ok));
  return { ok, checks, checkpoint: cp };
}
