#include "tm_core/schema.h"

#include <simdjson.h>

#include <cerrno>

#include "tm_core/byte_source.h"

namespace tm_core {

namespace dom = simdjson::dom;

constexpr size_t kMaxSchemaSize = 16 << 20;  // schemas are a few KB

bool AllowedValues::Allows(std::string_view value) const {
  switch (kind) {
    case Kind::kAny: return true;
    case Kind::kList:
      for (const std::string& allowed : list)
        if (value == allowed) return true;
      return false;
    case Kind::kRange: return (!min || value >= *min) && (!max || value <= *max);
  }
  return false;
}

bool AllowedValues::AllowsPathValue(std::string_view path_value) const {
  if (kind != Kind::kList) return Allows(path_value);
  for (const std::string& allowed : list) {
    if (PathValue(allowed, false) == path_value || PathValue(allowed, true) == path_value) return true;
  }
  return false;
}

std::string PathValue(std::string_view value, bool in_file_name) {
  if (value.empty()) return std::string(kUnknownValue);
  std::string out(value.substr(0, kMaxPathValue));
  for (char& c : out) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                (c == '.' && !in_file_name);
    if (!keep) c = '_';
  }
  if (out[0] == '.') out[0] = '_';
  return out;
}

Status Schema::Parse(std::string_view json, Schema* schema) {
  dom::parser parser;
  dom::element doc;
  if (auto error = parser.parse(json.data(), json.size()).get(doc))
    return Status::Corruption(std::string("not JSON: ") + simdjson::error_message(error));
  dom::array dimensions;
  if (doc["dimensions"].get(dimensions))
    return Status::Corruption("no \"dimensions\" array");
  int64_t version = 1;
  if (dom::element v; !doc["version"].get(v) && (v.get_int64().get(version) || version != 1))
    return Status::Corruption("\"version\" must be 1");
  Schema parsed;
  for (dom::element d : dimensions) {
    const std::string where = "dimension " + std::to_string(parsed.dimensions_.size() + 1);
    std::string_view name;
    if (d["field_name"].get(name) || name.empty())
      return Status::Corruption(where + ": no \"field_name\" string");
    for (const SchemaDimension& other : parsed.dimensions_) {
      if (other.field_name == name) return Status::Corruption(where + ": \"" + std::string(name) + "\" given twice");
    }
    SchemaDimension dim{std::string(name), {}};
    dom::element allowed;
    if (d["allowed_values"].get(allowed))
      return Status::Corruption(where + " (" + dim.field_name + "): no \"allowed_values\"");
    std::string_view text;
    dom::array list;
    dom::object range;
    if (!allowed.get(text)) {
      if (text != "*") return Status::Corruption(where + " (" + dim.field_name + "): a string other than \"*\"");
    } else if (!allowed.get(list)) {
      dim.allowed.kind = AllowedValues::Kind::kList;
      for (dom::element item : list) {
        if (item.get(text)) return Status::Corruption(where + " (" + dim.field_name + "): a list item that is not a string");
        dim.allowed.list.emplace_back(text);
      }
    } else if (!allowed.get(range)) {
      dim.allowed.kind = AllowedValues::Kind::kRange;
      for (auto [key, value] : range) {
        if (key != "min" && key != "max")
          return Status::Corruption(where + " (" + dim.field_name + "): \"" + std::string(key) + "\" in a range");
        // Old filters write some bounds as numbers ({"min": 448}): the same as strings.
        std::string bound;
        if (!value.get(text)) {
          bound = text;
        } else if (value.is_int64() || value.is_uint64()) {
          bound = simdjson::to_string(value);
        } else {
          return Status::Corruption(where + " (" + dim.field_name + "): " + std::string(key) + " is not a string");
        }
        (key == "min" ? dim.allowed.min : dim.allowed.max) = std::move(bound);
      }
    } else {
      return Status::Corruption(where + " (" + dim.field_name + "): allowed_values must be \"*\", a list or a range");
    }
    parsed.dimensions_.push_back(std::move(dim));
  }
  *schema = std::move(parsed);
  return Status::Ok();
}

Status Schema::Load(const std::string& path, Schema* schema) {
  std::string text;
  if (Status s = ReadCappedFile(path, kMaxSchemaSize, &text); !s.ok())
    return s.code() == Status::Code::kNotFound ? Status::IoError(path, ENOENT) : s;
  Status s = Parse(text, schema);
  return s.ok() ? s : Status::Corruption(path + ": " + s.message());
}

Schema Schema::Default() {
  Schema schema;
  for (const char* name : {"reason", "appName", "appUpdateChannel", "appVersion", "appBuildID", "submission_date"})
    schema.dimensions_.push_back({name, {}});
  return schema;
}

std::string Schema::PartitionPath(const std::vector<std::string>& values, std::string_view version) const {
  const size_t n = dimensions_.size();
  const size_t in_name = n < 2 ? n : 2;  // the last two go in the file name
  std::string path;
  for (size_t i = 0; i < n; ++i) {
    std::string_view value = i < values.size() ? std::string_view(values[i]) : std::string_view();
    if (!value.empty() && !dimensions_[i].allowed.Allows(value)) value = kOtherValue;
    const bool file_part = i >= n - in_name;
    path += PathValue(value, file_part);
    path += file_part ? '.' : '/';
  }
  path += 'v';
  path += PathValue(version, true);
  path += ".log";
  return path;
}

bool Schema::Selects(std::string_view relative_path) const {
  std::vector<std::string_view> values;
  const size_t n = dimensions_.size();
  const size_t in_name = n < 2 ? n : 2;
  for (size_t i = 0; i + in_name < n; ++i) {
    size_t slash = relative_path.find('/');
    if (slash == std::string_view::npos) return false;
    values.push_back(relative_path.substr(0, slash));
    relative_path.remove_prefix(slash + 1);
  }
  if (relative_path.find('/') != std::string_view::npos) return false;
  for (size_t i = 0; i < in_name; ++i) {
    size_t dot = relative_path.find('.');
    if (dot == std::string_view::npos) return false;
    values.push_back(relative_path.substr(0, dot));
    relative_path.remove_prefix(dot + 1);
  }
  if (relative_path.empty() || relative_path[0] != 'v') return false;  // v<ver>.log...
  for (size_t i = 0; i < n; ++i) {
    if (!dimensions_[i].allowed.AllowsPathValue(values[i])) return false;
  }
  return true;
}

}  // namespace tm_core
