// Internal to crypto/: the text rules shared by signed notes, verifier keys and key files.
#pragma once

#include <cstddef>
#include <string_view>

namespace creditlog {

// Longer key names are rejected: a name is a short identifier (a schema-less URL at most).
inline constexpr size_t kKeyNameBytesMax = 256;

// C2SP signed-note: valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF)
// and no ASCII control character (below U+0020) other than '\n'.
bool IsValidNoteText(std::string_view text);

// C2SP signed-note key names: non-empty, at most kKeyNameBytesMax bytes, valid UTF-8,
// without Unicode spaces (Go's unicode.IsSpace), '+' or control characters.
bool IsValidKeyName(std::string_view name);

}  // namespace creditlog
