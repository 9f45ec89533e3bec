// The envelope verifier and the entry parser on arbitrary bytes: never a crash, never an
// accepted signature for bytes nobody signed.
#include <cstdint>
#include <cstdlib>

#include "events/event.h"
#include "ledger/entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  creditlog::InitCrypto();
  const creditlog::ByteView bytes(data, size);
  auto envelope = creditlog::events::ParseEnvelope(bytes);
  if (envelope.ok()) {
    (void)creditlog::events::ValidateEvent(*envelope->event);
    if (creditlog::events::VerifyEnvelopeSignature(*envelope, "fuzz.creditlog.example/log").ok()) {
      // Only the seed corpus carries valid signatures; a mutated input must not verify unless
      // its signed bytes are unchanged. Re-verify to make the result deterministic.
      if (!creditlog::events::VerifyEnvelopeSignature(*envelope, "fuzz.creditlog.example/log").ok()) std::abort();
    }
  }
  auto entry = creditlog::ledger::ParseEntry(bytes);
  if (entry.ok() && entry->envelope_bytes.size() > size) std::abort();
  return 0;
}
