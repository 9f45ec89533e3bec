// SHA-256 (FIPS 180-4), computed by OpenSSL's libcrypto, which uses the CPU's SHA extensions
// (SHA-NI) where it has them: on this project's machines 2.5× libsodium's portable SHA-256 for
// the log's short messages and 6× on large buffers (bench_ledger's sha256_* lines,
// benchmarks/NOTES.md). The outputs are SHA-256's, whoever computes them.
#pragma once

#include "crypto/bytes.h"

namespace creditlog {

Hash Sha256(ByteView data);

// Incremental hashing for messages assembled from parts. Neither copyable nor movable: it holds
// one of its thread's hashing contexts, which it returns when destroyed.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(ByteView data);
  Hash Finish();  // the stream may not be used afterwards

 private:
  void* context_;  // an EVP_MD_CTX, kept opaque here
};

}  // namespace creditlog
