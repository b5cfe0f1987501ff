// RevisionMap: the revision of pings that do not say theirs, from their
// channel and build id. Documented in tm-revision-map(5).
//
// A text file, one rule per line, tab-separated:
//   <channel>  <first build id>  <last build id>  <revision URL>
// "*" as channel matches every channel; build ids compare as strings (they are
// all 14-digit timestamps), bounds included; the first matching rule wins.
// Blank lines and lines starting with "#" are ignored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tm_core/status.h"

namespace tm_core {

class RevisionMap {
 public:
  // Corruption names the line that is wrong ("line 3: ...").
  static Status Parse(std::string_view text, RevisionMap* map);
  static Status Load(const std::string& path, RevisionMap* map);

  // The revision URL for a ping, or empty when no rule matches.
  std::string_view Find(std::string_view channel, std::string_view build_id) const;

 private:
  struct Rule {
    std::string channel, first, last, revision;
  };
  std::vector<Rule> rules_;
};

}  // namespace tm_core
