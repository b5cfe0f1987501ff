#include "tm_core/revision_map.h"

#include <cerrno>
#include <string>

#include "tm_core/byte_source.h"
#include "tm_core/spec_cache.h"

namespace tm_core {

namespace {
constexpr size_t kMaxRevisionMapSize = 16 << 20;  // rules are a few lines per channel
}  // namespace

Status RevisionMap::Parse(std::string_view text, RevisionMap* map) {
  map->rules_.clear();
  size_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> columns;
    for (size_t start = 0;;) {
      size_t tab = line.find('\t', start);
      columns.emplace_back(line.substr(start, tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    auto wrong = [&](const std::string& what) {
      return Status::Corruption("line " + std::to_string(number) + ": " + what);
    };
    if (columns.size() != 4)
      return wrong("expected 4 tab-separated columns (channel, first build id, last build id, "
                   "revision URL), found " + std::to_string(columns.size()));
    if (columns[1] > columns[2]) return wrong("first build id is after the last");
    Revision revision;
    if (Status s = ParseRevisionUrl(columns[3], &revision); !s.ok()) return wrong(s.message());
    map->rules_.push_back({columns[0], columns[1], columns[2], columns[3]});
  }
  return Status::Ok();
}

Status RevisionMap::Load(const std::string& path, RevisionMap* map) {
  std::string text;
  if (Status s = ReadCappedFile(path, kMaxRevisionMapSize, &text); !s.ok())
    return s.code() == Status::Code::kNotFound ? Status::IoError(path, ENOENT) : s;
  Status s = Parse(text, map);
  return s.ok() ? s : Status::Corruption(path + ": " + s.message());
}

std::string_view RevisionMap::Find(std::string_view channel, std::string_view build_id) const {
  for (const Rule& rule : rules_) {
    if ((rule.channel == "*" || rule.channel == channel) && build_id >= rule.first &&
        build_id <= rule.last)
      return rule.revision;
  }
  return {};
}

}  // namespace tm_core
