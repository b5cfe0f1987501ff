#include "tm_core/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace tm_core {

bool IsGzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

Status InflateGzip(std::string_view data, size_t max_size, std::string* out) {
  out->clear();
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib: out of memory");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  // Grow geometrically from a guess, but never past max_size (+1 to tell "exactly
  // max_size" from "more").
  out->resize(std::min(std::max<size_t>(data.size() * 4, 4096), max_size + 1));
  size_t produced = 0;
  Status status;
  for (;;) {
    if (produced == out->size()) {
      if (out->size() > max_size) {
        status = Status::InvalidArgument("inflates to more than " + std::to_string(max_size) +
                                         " bytes");
        break;
      }
      out->resize(std::min(out->size() * 2, max_size + 1));
    }
    z.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    z.avail_out = static_cast<uInt>(out->size() - produced);
    int rc = inflate(&z, Z_NO_FLUSH);
    produced = out->size() - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      if (!IsGzip({reinterpret_cast<const char*>(z.next_in), z.avail_in})) {
        status = Status::Corruption("garbage after gzip data");
        break;
      }
      inflateReset(&z);  // another member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      status = Status::Corruption("truncated gzip data");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = Status::Corruption(std::string("bad gzip data: ") + (z.msg ? z.msg : "error"));
      break;
    }
  }
  inflateEnd(&z);
  if (produced > max_size && status.ok())
    status = Status::InvalidArgument("inflates to more than " + std::to_string(max_size) +
                                     " bytes");
  out->resize(std::min(produced, out->size()));
  return status;
}

}  // namespace tm_core
