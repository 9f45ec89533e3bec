#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <vector>

#include "base/check.h"

namespace creditlog {
namespace {

// A thread keeps this many idle hashing contexts at most (a stream nested in another's lifetime
// takes a second one); more are freed when returned.
constexpr size_t kIdleContextsMax = 8;

struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_MD_CTX, ContextFree>;

// SHA-256 fetched once: fetching per hash costs as much as hashing a short message.
const EVP_MD* Algorithm() {
  static const EVP_MD* const algorithm = [] {
    EVP_MD* sha256_from_libcrypto = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // null: its default provider is off
    CREDITLOG_CHECK(sha256_from_libcrypto != nullptr);
    return sha256_from_libcrypto;
  }();
  return algorithm;
}

// The thread's idle contexts: a hash allocates none once its thread has hashed before.
std::vector<Context>& Idle() {
  thread_local std::vector<Context> idle;
  return idle;
}

EVP_MD_CTX* Acquire() {
  std::vector<Context>& idle = Idle();
  EVP_MD_CTX* context = nullptr;
  if (idle.empty()) {
    context = EVP_MD_CTX_new();
    CREDITLOG_CHECK(context != nullptr);
  } else {
    context = idle.back().release();
    idle.pop_back();
  }
  CREDITLOG_CHECK(EVP_DigestInit_ex2(context, Algorithm(), nullptr) == 1);
  return context;
}

void Release(EVP_MD_CTX* context) {
  Context owned(context);
  std::vector<Context>& idle = Idle();
  if (idle.size() < kIdleContextsMax) idle.push_back(std::move(owned));
}

}  // namespace

Hash Sha256(ByteView data) {
  Sha256Stream stream;
  stream.Update(data);
  return stream.Finish();
}

Sha256Stream::Sha256Stream() : context_(Acquire()) {}

Sha256Stream::~Sha256Stream() { Release(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256Stream::Update(ByteView data) {
  CREDITLOG_CHECK(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data.data(), data.size()) == 1);
}

Hash Sha256Stream::Finish() {
  Hash out;
  unsigned int size = 0;
  CREDITLOG_CHECK(EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), out.data(), &size) == 1 && size == out.size());
  return out;
}

}  // namespace creditlog
