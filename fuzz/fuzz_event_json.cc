// Event JSON through FlatBuffers' parser and our validation; what parses must print and
// re-parse to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "events/event.h"
#include "events/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bytes = creditlog::events::EventFromJson(text);
  if (!bytes.ok()) return 0;
  auto event = creditlog::events::ParseEvent(*bytes);
  if (!event.ok()) std::abort();  // EventFromJson returned bytes it cannot parse
  (void)creditlog::events::ValidateEvent(**event);
  auto json = creditlog::events::EventToJson(*bytes);
  if (!json.ok()) std::abort();
  auto again = creditlog::events::EventFromJson(*json);
  if (!again.ok() || *again != *bytes) std::abort();  // the round trip must be exact
  return 0;
}
