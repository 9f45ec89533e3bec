// The controlling terminal, for input that must not be echoed (a passphrase). What to ask for
// and what to do with the answer is the caller's (crypto/key_file.h reads passphrases).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"

namespace creditlog {

// Writes `prompt` to /dev/tty (never to stdout, which may be a pipe), reads one line with echo
// off and restores the terminal. The line is returned without its newline.
//   NotFound    there is no terminal (no controlling terminal, e.g. under a service manager);
//   TooLarge    the line has more than `bytes_max` bytes (the rest of it is discarded);
//   IOError     the terminal failed, or the read was interrupted (Ctrl-C).
// On failure nothing of what was typed is left in memory.
Result<std::string> ReadLineWithoutEcho(std::string_view prompt, size_t bytes_max);

}  // namespace creditlog
