// Every limit on an event, named. Changing one is a format decision: see docs/format.md.
#pragma once

#include <cstddef>
#include <cstdint>

namespace creditlog::events {

// Written into every new Envelope. 2: the signature's purpose names the version (so the
// signature covers it) and the text rules of docs/events.md apply. The Event schema itself is
// the same for 1 and 2; version 1 envelopes (purpose "creditlog/event/v1") are still read.
inline constexpr uint16_t kSchemaVersion = 2;
inline constexpr uint16_t kSchemaVersionMin = 1;       // oldest version this code reads

inline constexpr size_t kEnvelopeBytesMax = 64 * 1024; // whole signed envelope
inline constexpr size_t kEventBytesMax = 60 * 1024;    // the Event inside it
inline constexpr size_t kEventIdBytesMax = 128;        // [A-Za-z0-9._:/-]+
inline constexpr size_t kSubjectBytesMax = 18 + 1 + 32;  // USCC "/" staff number
inline constexpr size_t kStaffNumberBytesMax = 32;
inline constexpr size_t kNameBytesMax = 256;           // names, ids, matters, short fields
inline constexpr size_t kTextBytesMax = 8 * 1024;      // facts, content, findings, reasons
inline constexpr size_t kRulesBytesMax = 48 * 1024;    // a ruleset document
inline constexpr size_t kListItemsMax = 64;            // permitted types, schedule, related
inline constexpr int64_t kAmountFenMax = 1'000'000'000'000'000;  // 10^13 yuan
inline constexpr uint16_t kPaymentTermDaysDefault = 30;  // 保障中小企业款项支付条例
inline constexpr uint16_t kPaymentTermDaysMax = 60;      // a small or medium counterparty's term
inline constexpr uint16_t kPaymentTermDaysAnyMax = 365;  // any other contract's term
inline constexpr int kDateYearMin = 1949;
inline constexpr int kDateYearMax = 2199;

// FlatBuffers Verifier bounds for untrusted buffers.
inline constexpr unsigned kVerifierDepthMax = 16;
inline constexpr unsigned kVerifierTablesMax = 4096;

}  // namespace creditlog::events
