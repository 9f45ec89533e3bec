// Showing an event's body: a one-line summary for the timeline and every field for the entry
// page. Amounts (*_fen) are shown in yuan, byte arrays in base64, enum values with labels.
import { h, yuan } from './dom.js';
import { label, t } from './i18n.js';
import { toBase64 } from './verify.js';

// Fields worth a glance, in the order they are shown in a summary.
const SUMMARY = ['name', 'measure', 'matter', 'commitment_id', 'decision_number', 'category', 'sanction_kind', 'assessment_grade',
  'severity', 'fine_fen', 'contract_id', 'amount_fen', 'list', 'reason', 'finding', 'note', 'rating', 'channel', 'term_end_date'];

export function fieldValue(key, value) {
  if (key.endsWith('_fen') && typeof value === 'number') return yuan(value);
  // A ruleset is a document of its own: folded, readable on request.
  if (key === 'rules_json' && typeof value === 'string') {
    return h('details', { class: 'document' }, h('summary', null, t('entry.rulesJson', new TextEncoder().encode(value).length)),
      h('pre', { class: 'mono small' }, value));
  }
  if (key === 'permitted_types' && Array.isArray(value)) return value.map((v) => label('ev', v)).join('、');
  if (key === 'record_type') return label('ev', value);
  if (key === 'role') return label('role', value);
  if (key === 'purpose') return label('purpose', value);
  if (Array.isArray(value) && value.every((x) => Number.isInteger(x) && x >= 0 && x < 256) && value.length >= 16) {
    return toBase64(Uint8Array.from(value));
  }
  if (key === 'severity') return label('severity', value);
  if (key === 'commitment_type') return label('ctype', value);
  if (key === 'list') return label('list', value);
  if (key === 'discretion') return label('discretion', value);
  if (key === 'kind') return label('kind', value);
  if (key === 'channel') return label('channel', value);
  // A civil servant's integrity file entry: its type, a sanction's kind, an assessment's grade.
  if (key === 'entry_type') return label('ftype', value);
  if (key === 'sanction_kind') return label('sanction', value);
  if (key === 'assessment_grade') return label('agrade', value);
  if (typeof value === 'boolean') return label('bool', value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join('、');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// The order an event's fields are read in, whatever the type: what it is and its number first,
// then its kind and amounts, its dates, who decided, and the long texts last. Fields not named
// here follow in the order the server gave.
const FIELD_ORDER = [
  'name', 'kind', 'division', 'legal_representative',
  'decision_number', 'commitment_id', 'contract_id', 'notice_id', 'listing_id', 'objection_id', 'repair_id', 'rating_id',
  'feedback_id', 'case_id', 'record_type', 'record_id', 'measure',
  'entry_id', 'subject_name', 'category', 'entry_type', 'sanction_kind', 'assessment_year', 'assessment_grade',
  'severity', 'discretion', 'commitment_type', 'matter', 'list', 'target',
  'fine_fen', 'confiscated_fen', 'amount_fen', 'rating', 'channel', 'approved', 'upheld', 'false_commitment',
  'decision_date', 'made_date', 'deadline', 'notice_date', 'objection_deadline', 'term_end_date', 'signed_date',
  'delivery_date', 'payment_term_days', 'due_date', 'paid_date', 'recorded_date', 'cleared_date', 'completed_date',
  'verified_date', 'breach_date', 'withdrawn_date', 'fulfilled_date', 'revoked_date', 'filed_date', 'resolved_date',
  'exit_date', 'applied_date', 'decided_date', 'rated_date', 'entry_date', 'period_end_date', 'implemented_date',
  'deciding_agency_name', 'deciding_agency', 'accepting_agency', 'implementing_agency', 'handling_agency', 'public_body', 'counterparty',
  'facts', 'basis', 'reason', 'finding', 'exit_conditions', 'content', 'rectification', 'note',
];

// Fields of a type that an event does not have: the server gives a civil servant's file entry
// every type's fields, those of other types unset (a sanction's kind on an assessment).
const UNSET = { sanction_kind: 'Unspecified', assessment_grade: 'Unspecified', assessment_year: 0, period_end_date: '' };
const isSet = ([k, v]) => !(k in UNSET) || v !== UNSET[k];

export function orderedFields(body) {
  const rank = (k) => { const i = FIELD_ORDER.indexOf(k); return i < 0 ? FIELD_ORDER.length : i; };
  return Object.entries(body || {}).filter(isSet).map((kv, i) => [kv, i])
    .sort(([[a], i], [[b], j]) => rank(a) - rank(b) || i - j)
    .map(([kv]) => kv);
}

export function summary(body) {
  return SUMMARY.filter((k) => body && body[k] !== undefined && body[k] !== '' && isSet([k, body[k]]))
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
