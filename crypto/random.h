// Cryptographically secure random bytes (libsodium randombytes_buf).
#pragma once

#include <cstddef>

#include "crypto/bytes.h"

namespace creditlog {

Bytes RandomBytes(size_t n);

}  // namespace creditlog
