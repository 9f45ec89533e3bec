// What the HTTP handlers do with request bodies and parameters before they reach the ledger:
// JSON depth, JSON parsing of batches, base64 of envelopes, dates of ?as_of=.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/protocol.h"
#include "crypto/bytes.h"
#include "events/event.h"
#include "events/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (creditlog::events::IsCalendarDate(text)) {  // ?as_of=: checked, then converted; both ways agree
    if (creditlog::events::DateFromDays(creditlog::events::DaysFromDate(text)) != text) std::abort();
  }
  (void)creditlog::Base64Decode(text);
  if (creditlog::api::JsonNestingDepth(text) > creditlog::api::kJsonDepthMax) return 0;
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("envelopes") || !doc["envelopes"].is_array()) return 0;
  for (const auto& item : doc["envelopes"]) {
    if (!item.is_string()) continue;
    auto bytes = creditlog::Base64Decode(item.get<std::string>());
    if (bytes.ok()) (void)creditlog::events::ParseEnvelope(*bytes);
  }
  return 0;
}
