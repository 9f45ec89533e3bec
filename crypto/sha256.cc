#include "crypto/sha256.h"

#include <sodium.h>

#include <new>

namespace creditlog {
namespace {

static_assert(crypto_hash_sha256_BYTES == kHashSize);

crypto_hash_sha256_state* State(unsigned char* storage) {
  return std::launder(reinterpret_cast<crypto_hash_sha256_state*>(storage));
}

}  // namespace

Hash Sha256(ByteView data) {
  Hash out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Sha256Stream::Sha256Stream() {
  // The header keeps the state opaque; it must fit the reserved storage.
  static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(state_));
  static_assert(alignof(crypto_hash_sha256_state) <= 16, "state_ is declared alignas(16)");
  new (state_) crypto_hash_sha256_state;
  crypto_hash_sha256_init(State(state_));
}

void Sha256Stream::Update(ByteView data) {
  crypto_hash_sha256_update(State(state_), data.data(), data.size());
}

Hash Sha256Stream::Finish() {
  Hash out;
  crypto_hash_sha256_final(State(state_), out.data());
  return out;
}

}  // namespace creditlog
