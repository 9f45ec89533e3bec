// Text that many records of the state repeat (a matter, an agency's USCC, a penalty's category),
// kept once per distinct value: a record holds a pointer (8 bytes) instead of a string (32 bytes
// and, past 15 bytes, a heap copy of its own).
#pragma once

#include <compare>
#include <string>
#include <string_view>

namespace creditlog::projections {

// The distinct values are kept for the life of the process (they are few: the matters of an
// office's catalogue, its agencies), in kInternShards shards, each under its own mutex, so that
// the threads decoding a snapshot rarely wait for each other.
inline constexpr size_t kInternShards = 16;

class Interned {
 public:
  Interned();  // ""
  Interned(std::string_view text);  // NOLINT: implicit, as the std::string it replaces
  Interned(const std::string& text) : Interned(std::string_view(text)) {}  // NOLINT
  Interned(const char* text) : Interned(std::string_view(text)) {}          // NOLINT

  const std::string& str() const { return *text_; }
  operator const std::string&() const { return *text_; }  // NOLINT: reads as the string it replaces
  bool empty() const { return text_->empty(); }
  size_t size() const { return text_->size(); }

  // Equal texts share one pointer, so equality compares pointers.
  friend bool operator==(const Interned& a, const Interned& b) { return a.text_ == b.text_; }
  friend bool operator==(const Interned& a, std::string_view b) { return *a.text_ == b; }
  friend bool operator==(const Interned& a, const std::string& b) { return *a.text_ == b; }
  friend bool operator==(const Interned& a, const char* b) { return *a.text_ == b; }
  friend std::strong_ordering operator<=>(const Interned& a, const Interned& b) { return *a.text_ <=> *b.text_; }
  friend std::string operator+(const std::string& a, const Interned& b) { return a + *b.text_; }
  friend std::string operator+(const Interned& a, const std::string& b) { return *a.text_ + b; }
  friend std::string operator+(const char* a, const Interned& b) { return a + *b.text_; }
  friend std::string operator+(const Interned& a, const char* b) { return *a.text_ + b; }

 private:
  const std::string* text_;
};

}  // namespace creditlog::projections
