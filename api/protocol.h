// The HTTP API's wire limits, shared by the server (api/http/) and its clients (api/client/,
// the CLI): a client sizes its pages and batches by the same constants the server enforces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace creditlog::api {

inline constexpr uint64_t kEntriesPageDefault = 100;    // GET /v1/entries?limit=
inline constexpr uint64_t kEntriesPageMax = 1000;
// GET /v1/lists/{name}?after=&limit=: subjects a page (without either, the whole list).
inline constexpr uint64_t kListPageDefault = 50;
inline constexpr uint64_t kListPageMax = 1000;
// Per route; a longer declared body is refused (413) before it is read. GETs take no body.
inline constexpr size_t kRequestBodyBytesMax = 128 * 1024;        // POST /v1/events
inline constexpr size_t kBatchEventsMax = 1000;                   // POST /v1/events/batch
inline constexpr size_t kBatchBodyBytesMax = 4 * 1024 * 1024;     // POST /v1/events/batch
inline constexpr size_t kJsonDepthMax = 16;  // request JSON nesting

// The deepest nesting of arrays and objects in a JSON text (strings skipped), to refuse hostile
// inputs before any parser recurses into them.
size_t JsonNestingDepth(std::string_view text);

}  // namespace creditlog::api
