#include "tm_core/job_input.h"

#include <algorithm>
#include <filesystem>

#include "tm_core/xz.h"

namespace tm_core {

namespace fs = std::filesystem;

bool PathDimensions(std::string_view relative, size_t n, std::vector<std::string>* values) {
  values->clear();
  const size_t in_name = n < 2 ? n : 2;
  for (size_t i = 0; i + in_name < n; ++i) {
    size_t slash = relative.find('/');
    if (slash == std::string_view::npos) return false;
    values->emplace_back(relative.substr(0, slash));
    relative.remove_prefix(slash + 1);
  }
  if (relative.find('/') != std::string_view::npos) return false;
  for (size_t i = 0; i < in_name; ++i) {
    size_t dot = relative.find('.');
    if (dot == std::string_view::npos) return false;
    values->emplace_back(relative.substr(0, dot));
    relative.remove_prefix(dot + 1);
  }
  return relative.size() > 1 && relative[0] == 'v' &&
         relative.find(".log") != std::string_view::npos;
}

Status SelectInputs(const std::string& data_dir, const Schema& filter,
                    std::vector<InputFile>* selected) {
  std::error_code ec;
  fs::recursive_directory_iterator it(data_dir, ec), end;
  if (ec) return Status::IoError(data_dir + ": " + ec.message());
  const size_t n = filter.dimensions().size();
  std::vector<InputFile> found;
  std::string misfit;  // a path of another shape
  std::vector<std::string> values;
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::IoError(data_dir + ": " + ec.message());
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    std::string relative = path.lexically_relative(data_dir).generic_string();
    if (!PathDimensions(relative, n, &values)) {
      if (misfit.empty() && relative.find(".log") != std::string::npos) misfit = relative;
      continue;
    }
    if (!filter.Selects(relative)) continue;
    InputFile file;
    file.path = path.string();
    file.relative = std::move(relative);
    file.dimensions = values;
    file.size = it->file_size(ec);
    found.push_back(std::move(file));
  }
  if (found.empty() && !misfit.empty()) {
    return Status::InvalidArgument("the filter has " + std::to_string(n) +
                                   " dimensions, which do not fit the store's paths (" + misfit +
                                   ")");
  }
  std::sort(found.begin(), found.end(),
            [](const InputFile& a, const InputFile& b) { return a.relative < b.relative; });
  for (InputFile& f : found) selected->push_back(std::move(f));
  return Status::Ok();
}

std::unique_ptr<ByteSource> OpenStoreFile(const std::string& path, Status* status) {
  auto source = OpenFileSource(path, status);
  if (!source) return nullptr;
  auto ends_with = [&path](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (!ends_with(".lzma") && !ends_with(".xz")) return source;
  auto xz = NewXzSource(std::move(source));
  if (!xz) *status = Status::Internal("cannot start the xz decoder");
  return xz;
}

}  // namespace tm_core
