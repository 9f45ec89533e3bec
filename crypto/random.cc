#include "crypto/random.h"

#include <sodium.h>

namespace creditlog {

Bytes RandomBytes(size_t n) {
  Bytes out(n);
  randombytes_buf(out.data(), out.size());
  return out;
}

}  // namespace creditlog
