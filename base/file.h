// Files on disk: the one durable-write path of creditlog, and bounded reads.
//
// A durable write replaces `path` whole or not at all, and once it returns OK the new contents
// survive a crash: write a temporary file beside `path`, fsync it, rename it over `path`, fsync
// the directory. Until the rename the old file (if any) is intact; after the directory fsync
// the new one is. A crash in between leaves a stray "<path>.tmp.<pid>.<n>" behind, never a
// partly written `path`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "base/result.h"

namespace creditlog {

// A file written in pieces (an export of any size) and made durable at the end, by the same
// steps as WriteFileDurably. Destroyed without a successful Commit, it removes its temporary
// file and `path` stays as it was.
class DurableFileWriter {
 public:
  // Creates the temporary file with exactly `mode` (the umask does not narrow it).
  static Result<DurableFileWriter> Create(const std::string& path, int mode);
  DurableFileWriter(DurableFileWriter&& other) noexcept = default;
  DurableFileWriter& operator=(DurableFileWriter&& other) = delete;
  DurableFileWriter(const DurableFileWriter&) = delete;
  DurableFileWriter& operator=(const DurableFileWriter&) = delete;
  ~DurableFileWriter();

  // REQUIRES: neither Commit nor a failed Append has been called (checked).
  Status Append(std::string_view data);
  // fsyncs the file, renames it over `path`, fsyncs the directory. On failure the temporary
  // file is removed. REQUIRES: called once, after successful Appends only (checked).
  Status Commit();

 private:
  DurableFileWriter(std::string path, std::string temp, Fd fd)
      : path_(std::move(path)), temp_(std::move(temp)), fd_(std::move(fd)) {}
  Status Fail(std::string_view what);  // closes, removes the temporary file, names the failure

  std::string path_;
  std::string temp_;
  Fd fd_;  // -1 once committed or failed
};

// Replaces `path` with `contents` durably (see above); the file gets exactly `mode`.
Status WriteFileDurably(const std::string& path, std::string_view contents, int mode);

// fsyncs a directory, so that files created, renamed or removed in it stay so after a crash.
Status SyncDirectory(const std::string& dir);

// The whole file, if it has at most `bytes_max` bytes: NotFound if it does not exist,
// InvalidArgument if it is larger (nothing past the limit is kept), IOError otherwise.
Result<std::string> ReadSmallFile(const std::string& path, size_t bytes_max);

// A whole file mapped read-only into memory, for reading a file of a gigabyte (the projection
// snapshot) without copying it into a buffer first: on this class of VM a read into fresh
// memory costs a page fault per 4 KiB, a mapping of cached pages a fraction of that.
// Only for files that are replaced whole by rename (WriteFileDurably) and never written in
// place: the mapping keeps the inode it opened, and a file truncated under a mapping would
// fault on access.
class MappedFile {
 public:
  // NotFound if it does not exist, InvalidArgument if it has more than `bytes_max` bytes,
  // IOError otherwise. An empty file maps to an empty view.
  static Result<MappedFile> Open(const std::string& path, size_t bytes_max);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) = delete;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}

  void* data_;  // nullptr when empty or moved from
  size_t size_;
};

}  // namespace creditlog
