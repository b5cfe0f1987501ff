#include "tm_core/status.h"

#include <cstring>

namespace tm_core {

Status Status::IoError(std::string_view what, int err) {
  std::string msg(what);
  if (!msg.empty()) msg += ": ";
  msg += std::strerror(err);
  return Status(Code::kIoError, msg);
}

}  // namespace tm_core
