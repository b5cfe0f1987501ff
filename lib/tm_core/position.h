// Position: where in an input a record or a problem is, for messages a person
// can act on ("telemetry.log:3: ..." or "telemetry.log: byte 18355: ...").
#pragma once

#include <cstdint>
#include <string>

namespace tm_core {

struct Position {
  std::string file;     // as the user named it; "-" is standard input
  uint64_t record = 0;  // 1-based number of the record; 0 when not known
  uint64_t offset = 0;  // byte offset from the start of the input
};

}  // namespace tm_core
