#include "crypto/aead.h"

#include <sodium.h>

#include "base/check.h"

namespace creditlog {

AeadKey RandomAeadKey() {
  AeadKey key;
  crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
  return key;
}

Bytes AeadSeal(const AeadKey& key, ByteView plaintext, ByteView associated) {
  static_assert(kAeadNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  static_assert(kAeadTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
  Bytes box(kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
  randombytes_buf(box.data(), kAeadNonceBytes);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(box.data() + kAeadNonceBytes, &written, plaintext.data(), plaintext.size(),
                                             associated.data(), associated.size(), nullptr, box.data(), key.data());
  CREDITLOG_CHECK(written == plaintext.size() + kAeadTagBytes);
  return box;
}

Result<Bytes> AeadOpen(const AeadKey& key, ByteView box, ByteView associated) {
  if (box.size() < kAeadNonceBytes + kAeadTagBytes) {
    return Status::InvalidArgument("sealed value has " + std::to_string(box.size()) + " bytes, fewer than a nonce and a tag");
  }
  Bytes plaintext(box.size() - kAeadNonceBytes - kAeadTagBytes);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), &written, nullptr, box.data() + kAeadNonceBytes,
                                                 box.size() - kAeadNonceBytes, associated.data(), associated.size(),
                                                 box.data(), key.data()) != 0) {
    return Status::PermissionDenied("sealed value does not open with this key");
  }
  plaintext.resize(written);
  return plaintext;
}

AeadKey DeriveKey(ByteView master, uint64_t id, std::string_view context) {
  CREDITLOG_CHECK(context.size() == crypto_kdf_CONTEXTBYTES);
  // crypto_kdf wants a 32-byte master key: the master is hashed to that size first.
  unsigned char master_key[crypto_kdf_KEYBYTES];
  crypto_generichash(master_key, sizeof master_key, master.data(), master.size(), nullptr, 0);
  AeadKey out;
  crypto_kdf_derive_from_key(out.data(), out.size(), id, context.data(), master_key);
  sodium_memzero(master_key, sizeof master_key);
  return out;
}

Bytes KeyedHash(ByteView key, ByteView message, size_t out_bytes) {
  CREDITLOG_CHECK(key.size() >= crypto_generichash_KEYBYTES_MIN && key.size() <= crypto_generichash_KEYBYTES_MAX);
  CREDITLOG_CHECK(out_bytes >= crypto_generichash_BYTES_MIN && out_bytes <= crypto_generichash_BYTES_MAX);
  Bytes out(out_bytes);
  crypto_generichash(out.data(), out.size(), message.data(), message.size(), key.data(), key.size());
  return out;
}

std::string Base64UrlEncode(ByteView data) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), kVariant);
  out.resize(out.size() - 1);
  return out;
}

}  // namespace creditlog
