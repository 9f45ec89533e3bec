#include "api/archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace creditlog::api {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t Append(archive*, void* out, const void* buffer, size_t length) {
  auto* text = static_cast<std::string*>(out);
  if (text->size() + length > kArchiveBytesMax) return -1;
  text->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

Status Failed(archive* a, const std::string& what) {
  const char* message = archive_error_string(a);
  return Status::IOError("zip archive: " + what + ": " + (message ? message : "failed"));
}

}  // namespace

Result<std::string> ZipArchive(const std::vector<std::pair<std::string, std::string>>& files, int64_t mtime) {
  std::string out;
  std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
  if (!a) return Status::IOError("zip archive: out of memory");
  if (archive_write_set_format_zip(a.get()) != ARCHIVE_OK) return Failed(a.get(), "zip format");
  // Written as it comes, not in 10 KiB blocks padded at the end.
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (archive_write_open2(a.get(), &out, nullptr, Append, nullptr, nullptr) != ARCHIVE_OK) return Failed(a.get(), "open");
  for (const auto& [name, contents] : files) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname_utf8(e.get(), name.c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(contents.size()));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), mtime, 0);
    if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) return Failed(a.get(), name);
    if (archive_write_data(a.get(), contents.data(), contents.size()) != static_cast<la_ssize_t>(contents.size())) {
      return out.size() >= kArchiveBytesMax ? Status::TooLarge("zip archive: larger than " + std::to_string(kArchiveBytesMax) + " bytes")
                                            : Failed(a.get(), name);
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return Failed(a.get(), "close");
  return out;
}

}  // namespace creditlog::api
