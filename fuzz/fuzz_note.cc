// Signed notes, checkpoints and verifier keys on arbitrary text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "crypto/note.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  creditlog::InitCrypto();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const creditlog::KeyPair key = creditlog::KeyPairFromSeed(creditlog::ByteView(
      reinterpret_cast<const uint8_t*>("creditlog fuzzing seed, 32 bytes"), 32));
  static const creditlog::NoteVerifier verifier =
      *creditlog::ParseVerifierKey(creditlog::FormatVerifierKey("fuzz.creditlog.example/log", key.public_key));
  (void)creditlog::ParseVerifierKey(text);
  (void)creditlog::ParseCheckpoint(text);
  auto opened = creditlog::OpenNote(text, verifier);
  if (opened.ok()) {
    // A note that verifies must carry a signature by our key over exactly its text.
    auto signed_again = creditlog::SignNote(*opened, "fuzz.creditlog.example/log", key.secret_key);
    if (!signed_again.ok()) std::abort();
  }
  return 0;
}
