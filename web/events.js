// Showing an event's body: a one-line summary for the timeline and every field for the entry
// page. Amounts (*_fen) are shown in yuan, byte arrays in base64, enum values with labels.
import { yuan } from './dom.js';
import { label, t } from './i18n.js';
import { toBase64 } from './verify.js';

// Fields worth a glance, in the order they are shown in a summary.
const SUMMARY = ['name', 'matter', 'commitment_id', 'decision_number', 'category', 'severity', 'fine_fen',
  'contract_id', 'amount_fen', 'list', 'reason', 'finding', 'note', 'rating', 'channel', 'term_end_date'];

export function fieldValue(key, value) {
  if (key.endsWith('_fen') && typeof value === 'number') return yuan(value);
  if (Array.isArray(value) && value.every((x) => Number.isInteger(x) && x >= 0 && x < 256) && value.length >= 16) {
    return toBase64(Uint8Array.from(value));
  }
  if (key === 'severity') return label('severity', value);
  if (key === 'commitment_type') return label('ctype', value);
  if (key === 'list') return label('list', value);
  if (typeof value === 'boolean') return label('bool', value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join('、');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function summary(body) {
  return SUMMARY.filter((k) => body && body[k] !== undefined && body[k] !== '')
    .slice(0, 4)
    .map((k) => t('kv', label('field', k), fieldValue(k, body[k])))
    .join(t('sep'));
}

// Colour group of an event type on the time axis.
export function category(type) {
  if (/^Penalty|Listing|Objection/.test(type)) return 'penalty';
  if (/^Commitment/.test(type)) return type === 'CommitmentBreached' ? 'breach' : 'commitment';
  if (/^(Contract|Payment|Arrears)/.test(type)) return type === 'ArrearsRecorded' ? 'breach' : 'contract';
  if (/^Repair/.test(type)) return 'repair';
  if (type === 'ServiceRated') return 'rating';
  return 'other';
}
