#include "base/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "base/check.h"

namespace creditlog {
namespace {

// The directory a rename of `path` changes.
std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Unique per process and call, so that concurrent writers of one path never share a file.
std::string TemporaryPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
}

// `path` opened read-only: NotFound if it does not exist, IOError otherwise.
Result<Fd> OpenForReading(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound("no such file: " + path);
    return ErrnoError("cannot open", path);
  }
  return fd;
}

}  // namespace

Result<DurableFileWriter> DurableFileWriter::Create(const std::string& path, int mode) {
  std::string temp = TemporaryPathFor(path);
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return ErrnoError("cannot create", temp);
  DurableFileWriter writer(path, std::move(temp), std::move(fd));
  // The umask may have narrowed the mode; set it exactly as asked.
  if (::fchmod(writer.fd_.get(), static_cast<mode_t>(mode)) != 0) return writer.Fail("cannot chmod");
  return writer;
}

DurableFileWriter::~DurableFileWriter() {
  if (fd_.get() >= 0) (void)Fail("abandoned");  // never committed: `path` stays as it was
}

Status DurableFileWriter::Fail(std::string_view what) {
  Status status = ErrnoError(what, temp_);
  ::close(fd_.release());
  ::unlink(temp_.c_str());
  return status;
}

Status DurableFileWriter::Append(std::string_view data) {
  CREDITLOG_CHECK(fd_.get() >= 0);  // not after Commit or a failure
  while (!data.empty()) {
    const ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail("cannot write");
    data.remove_prefix(static_cast<size_t>(n));  // bounded: data shrinks each time
  }
  return Status::Ok();
}

Status DurableFileWriter::Commit() {
  CREDITLOG_CHECK(fd_.get() >= 0);  // once, and not after a failure
  if (::fsync(fd_.get()) != 0) return Fail("cannot fsync");
  if (::close(fd_.release()) != 0) {
    Status status = ErrnoError("cannot close", temp_);
    ::unlink(temp_.c_str());
    return status;
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    Status status = ErrnoError("cannot rename", temp_);
    ::unlink(temp_.c_str());
    return status;
  }
  return SyncDirectory(DirectoryOf(path_));
}

Status WriteFileDurably(const std::string& path, std::string_view contents, int mode) {
  ASSIGN_OR_RETURN(DurableFileWriter writer, DurableFileWriter::Create(path, mode));
  RETURN_IF_ERROR(writer.Append(contents));
  return writer.Commit();
}

Status SyncDirectory(const std::string& dir) {
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0) return ErrnoError("cannot open directory", dir);
  if (::fsync(dir_fd.get()) != 0) return ErrnoError("cannot fsync directory", dir);
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const std::string& path, size_t bytes_max) {
  ASSIGN_OR_RETURN(Fd fd, OpenForReading(path));
  // Read straight into the string, a chunk at a time, sized by fstat up front: small reads and
  // appends would copy a large file over and over (the projection snapshot is mapped instead).
  constexpr size_t kChunk = size_t{1} << 20;
  struct stat st{};
  const size_t expected = ::fstat(fd.get(), &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  std::string contents(std::min(expected, bytes_max) + kChunk, '\0');
  size_t used = 0;
  // Bounded: each iteration ends the loop or adds bytes, and the contents have a maximum.
  while (true) {
    if (contents.size() < used + kChunk) contents.resize(contents.size() * 2);
    const ssize_t n = ::read(fd.get(), contents.data() + used, kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("cannot read", path);
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > bytes_max) {
      return Status::InvalidArgument(path + ": larger than " + std::to_string(bytes_max) + " bytes");
    }
  }
  contents.resize(used);
  return contents;
}

Result<MappedFile> MappedFile::Open(const std::string& path, size_t bytes_max) {
  ASSIGN_OR_RETURN(Fd fd, OpenForReading(path));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  const auto size = static_cast<size_t>(st.st_size);
  if (size > bytes_max) return Status::InvalidArgument(path + ": larger than " + std::to_string(bytes_max) + " bytes");
  if (size == 0) return MappedFile(nullptr, 0);
  // MAP_POPULATE maps the cached pages up front, in one pass, rather than one fault at a time.
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
  if (data == MAP_FAILED) return ErrnoError("cannot map", path);
  return MappedFile(data, size);  // the mapping outlives the descriptor
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace creditlog
