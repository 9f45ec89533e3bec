// The Latin-word scanner the language tests share (language.test.mjs, duties.test.mjs): what on
// a Chinese screen would be an English word. Identifiers (codes, dates, seqs, decision and
// commitment numbers, key names), which hold digits or come from the ledger's data, are not
// words; the few Latin words a Chinese reader expects (CSV, the English switch) are listed.

// Latin words a Chinese user of the console meets and reads as they are.
export const ALLOWED = new Set(['English', 'CSV', 'UTC', 'Web', 'Crypto', 'RFC', 'SHA', 'Ed25519', 'HTTPS', 'localhost', 'creditlog',
  'USCC', 'OK', 'JSON', 'PDF']);

// The Latin words in a text: runs of Latin letters, digits and identifier punctuation that
// hold no digit; a run with a digit is a code, a date or a number.
export function latinWords(text) {
  const out = [];
  for (const run of text.match(/[A-Za-z0-9_.\-/+:#@=]+/g) || []) {
    if (/[0-9]/.test(run)) continue;
    if (/[-/_]/.test(run) && !/[a-z]/.test(run)) continue;  // a code such as CN-WEB-XF
    if (run.includes('/')) continue;  // an event id or the log's origin (web/penalty, creditlog.example/log)
    for (const word of run.match(/[A-Za-z]{2,}/g) || []) out.push(word);
  }
  return out;
}

// The text on screen with codes (set in monospace: USCCs, event ids, keys, readers' token names)
// left out: data, not words. Run in the page.
export function screenText() {
  let all = document.body.innerText;
  for (const code of document.querySelectorAll('.mono')) all = all.replace(code.innerText, ' ');
  return all;
}
