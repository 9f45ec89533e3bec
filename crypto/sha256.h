// SHA-256 (libsodium crypto_hash_sha256).
#pragma once

#include "crypto/bytes.h"

namespace creditlog {

Hash Sha256(ByteView data);

// Incremental hashing for messages assembled from parts.
class Sha256Stream {
 public:
  Sha256Stream();
  void Update(ByteView data);
  Hash Finish();  // the stream may not be used afterwards

 private:
  alignas(16) unsigned char state_[128];  // crypto_hash_sha256_state, kept opaque here
};

}  // namespace creditlog
