// The durable-write path (base/file.h), the terminal without a terminal, and Status at a
// boundary.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/file.h"
#include "base/terminal.h"
#include "temp_dir.h"

namespace creditlog {
namespace {

using testing::TempDir;

size_t EntriesIn(const TempDir& dir) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) n += entry.exists() ? 1 : 0;
  return n;
}

int ModeOf(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return static_cast<int>(info.st_mode & 0777);
}

}  // namespace

TEST_CASE("a file written in pieces appears whole only when committed, with exactly its mode") {
  const TempDir dir;
  const std::string path = dir.path() + "/export";
  const mode_t old_umask = ::umask(077);  // would narrow 0644 if the mode were left to it
  auto writer = DurableFileWriter::Create(path, 0644);
  ::umask(old_umask);
  REQUIRE(writer.ok());
  REQUIRE(writer->Append("first piece, ").ok());
  REQUIRE(writer->Append("second piece").ok());
  CHECK_FALSE(std::filesystem::exists(path));
  REQUIRE(writer->Commit().ok());
  auto contents = ReadSmallFile(path, 100);
  REQUIRE(contents.ok());
  CHECK(*contents == "first piece, second piece");
  CHECK(ModeOf(path) == 0644);
  CHECK(EntriesIn(dir) == 1);  // the temporary file was renamed, not copied
}

TEST_CASE("a file writer dropped without Commit leaves the old file and no temporary file") {
  const TempDir dir;
  const std::string path = dir.path() + "/record";
  REQUIRE(WriteFileDurably(path, "old", 0600).ok());
  {
    auto writer = DurableFileWriter::Create(path, 0600);
    REQUIRE(writer.ok());
    REQUIRE(writer->Append("new, but never committed").ok());
    CHECK(EntriesIn(dir) == 2);
  }
  auto contents = ReadSmallFile(path, 100);
  REQUIRE(contents.ok());
  CHECK(*contents == "old");
  CHECK(EntriesIn(dir) == 1);
}

TEST_CASE("a durable write into a missing directory is an I/O error and creates nothing") {
  const TempDir dir;
  CHECK(DurableFileWriter::Create(dir.path() + "/missing/file", 0600).status().code() == StatusCode::kIOError);
  CHECK(WriteFileDurably(dir.path() + "/missing/file", "x", 0600).code() == StatusCode::kIOError);
  CHECK(SyncDirectory(dir.path() + "/missing").code() == StatusCode::kIOError);
  CHECK(EntriesIn(dir) == 0);
}

TEST_CASE("SyncDirectory syncs an existing directory") {
  const TempDir dir;
  CHECK(SyncDirectory(dir.path()).ok());
}

TEST_CASE("ReadSmallFile reads nothing past its limit") {
  const TempDir dir;
  const std::string path = dir.path() + "/big";
  REQUIRE(WriteFileDurably(path, std::string(10000, 'x'), 0600).ok());
  auto refused = ReadSmallFile(path, 9999);
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK(refused.status().message().find("larger than 9999 bytes") != std::string::npos);
  auto read = ReadSmallFile(path, 10000);
  REQUIRE(read.ok());
  CHECK(read->size() == 10000);
}

TEST_CASE("a mapped file is its bytes and keeps them when the path is replaced") {
  const TempDir dir;
  const std::string path = dir.path() + "/snapshot";
  std::string contents(3 * 4096 + 17, '\0');  // more than a page, not a whole number of them
  for (size_t i = 0; i < contents.size(); ++i) contents[i] = static_cast<char>(i * 7 % 251);
  REQUIRE(WriteFileDurably(path, contents, 0600).ok());
  auto mapped = MappedFile::Open(path, contents.size());
  REQUIRE(mapped.ok());
  CHECK(mapped->view() == contents);
  // WriteFileDurably renames a new file over the path: the mapping keeps the inode it opened.
  REQUIRE(WriteFileDurably(path, "replaced", 0600).ok());
  CHECK(mapped->view() == contents);
  const MappedFile moved(std::move(*mapped));
  CHECK(moved.view() == contents);
  CHECK(mapped->view().empty());
  auto again = MappedFile::Open(path, 100);
  REQUIRE(again.ok());
  CHECK(again->view() == "replaced");
}

TEST_CASE("a mapped file is refused past its limit and when missing and an empty one is empty") {
  const TempDir dir;
  const std::string path = dir.path() + "/big";
  REQUIRE(WriteFileDurably(path, std::string(10000, 'x'), 0600).ok());
  auto refused = MappedFile::Open(path, 9999);
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
  CHECK(refused.status().message().find("larger than 9999 bytes") != std::string::npos);
  CHECK(MappedFile::Open(dir.path() + "/missing", 100).status().code() == StatusCode::kNotFound);
  CHECK(MappedFile::Open(dir.path(), 100).status().code() == StatusCode::kInvalidArgument);  // a directory
  REQUIRE(WriteFileDurably(dir.path() + "/empty", "", 0600).ok());
  auto empty = MappedFile::Open(dir.path() + "/empty", 100);
  REQUIRE(empty.ok());
  CHECK(empty->view().empty());
}

TEST_CASE("reading a line without echo and without a terminal is NotFound") {
  // With a controlling terminal the read would prompt: only the case without one is checked.
  if (const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY); tty >= 0) {
    ::close(tty);
    SUCCEED("a terminal is attached; not prompting during tests");
  } else {
    CHECK(ReadLineWithoutEcho("unused: ", 16).status().code() == StatusCode::kNotFound);
  }
}

TEST_CASE("a status carried across a boundary keeps its code and message") {
  for (StatusCode code : {StatusCode::kInvalidArgument, StatusCode::kNotFound, StatusCode::kConflict,
                          StatusCode::kPermissionDenied, StatusCode::kCorruption, StatusCode::kIOError,
                          StatusCode::kResourceExhausted, StatusCode::kUnavailable, StatusCode::kUnauthenticated,
                          StatusCode::kTooLarge}) {
    const Status status = Status::FromCode(code, "from the server");
    CHECK_FALSE(status.ok());
    CHECK(status.code() == code);
    CHECK(status.message() == "from the server");
  }
}

}  // namespace creditlog
