#include "base/terminal.h"

#include <fcntl.h>
#include <string.h>  // explicit_bzero
#include <termios.h>
#include <unistd.h>

#include "base/fd.h"

namespace creditlog {
namespace {

constexpr const char* kTerminalPath = "/dev/tty";

// Reads up to a newline (or end of input) from `tty`, whose echo is already off.
Status ReadLine(int tty, size_t bytes_max, std::string* line) {
  line->reserve(bytes_max + 1);  // no reallocation leaves copies of the typed bytes behind
  // Bounded: every iteration either stops or adds a byte, and the line has a maximum.
  while (true) {
    char c = 0;
    const ssize_t n = ::read(tty, &c, 1);
    if (n < 0) return ErrnoError("cannot read", kTerminalPath);  // includes EINTR: Ctrl-C aborts
    if (n == 0 || c == '\n') return Status::Ok();
    if (line->size() == bytes_max) {
      return Status::TooLarge("the line typed is longer than " + std::to_string(bytes_max) + " bytes");
    }
    line->push_back(c);
  }
}

}  // namespace

Result<std::string> ReadLineWithoutEcho(std::string_view prompt, size_t bytes_max) {
  Fd tty(::open(kTerminalPath, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty.get() < 0) return Status::NotFound(ErrnoError("no terminal: cannot open", kTerminalPath).message());
  termios saved{};
  if (::tcgetattr(tty.get(), &saved) != 0) return ErrnoError("tcgetattr", kTerminalPath);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // still echo the final newline, so the next output starts a line
  if (::tcsetattr(tty.get(), TCSAFLUSH, &quiet) != 0) return ErrnoError("tcsetattr", kTerminalPath);
  // A prompt that cannot be shown is not a reason to fail: the read decides.
  if (::write(tty.get(), prompt.data(), prompt.size()) < 0) errno = 0;

  std::string line;
  const Status status = ReadLine(tty.get(), bytes_max, &line);
  ::tcsetattr(tty.get(), TCSAFLUSH, &saved);  // TCSAFLUSH also drops the rest of a too-long line
  if (!status.ok()) {
    explicit_bzero(line.data(), line.size());
    return status;
  }
  return line;
}

}  // namespace creditlog
