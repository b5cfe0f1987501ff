// gzip bodies: most pings arrive gzip'd. Inflating is capped, so that a small
// hostile body that inflates to gigabytes (a gzip bomb) is a rejected record,
// not an out-of-memory crash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tm_core/status.h"

namespace tm_core {

inline constexpr size_t kDefaultMaxInflatedSize = 32 << 20;

// Whether `data` starts with the gzip magic bytes 1f 8b.
bool IsGzip(std::string_view data);

// Replaces *out with the inflated contents of the gzip data (several members
// are concatenated, as gunzip does). Returns Corruption for bad or truncated
// data or bytes after the last member, and InvalidArgument when the result
// would exceed `max_size` bytes; *out is then unspecified.
Status InflateGzip(std::string_view data, size_t max_size, std::string* out);

}  // namespace tm_core
