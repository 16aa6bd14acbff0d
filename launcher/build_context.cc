#include "launcher/build_context.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/file_io.h"
#include "core/text.h"

namespace quarry {

namespace fs = std::filesystem;

namespace {

// One entry's line: "path\0kind mode\0digest\n".
Result<std::string> entry_line(const fs::path& root, const fs::directory_entry& e) {
  std::error_code ec;
  auto st = e.symlink_status(ec);
  if (ec) return fail(e.path().string() + ": " + ec.message());
  auto rel = fs::relative(e.path(), root, ec).generic_string();
  if (ec) return fail(e.path().string() + ": " + ec.message());
  auto mode = std::to_string(static_cast<unsigned>(st.permissions()) & 07777);
  std::string line = rel + '\0';
  if (fs::is_symlink(st)) {
    auto target = fs::read_symlink(e.path(), ec);
    if (ec) return fail(e.path().string() + ": " + ec.message());
    return line + "link " + mode + '\0' + target.string() + "\n";
  }
  if (fs::is_directory(st)) return line + "dir " + mode + '\0' + "\n";
  if (!fs::is_regular_file(st)) return line + "other " + mode + '\0' + "\n";
  auto text = read_file(e.path().string());
  if (!text) return std::unexpected(text.error());
  return line + "file " + mode + '\0' + sha256_hex(*text) + "\n";
}

}  // namespace

Result<std::string> context_hash(const std::string& dir) {
  std::error_code ec;
  const fs::path root(dir);
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) return fail(dir + ": " + ec.message());
  std::vector<std::string> lines;
  for (; it != end; it.increment(ec)) {
    if (ec) return fail(dir + ": " + ec.message());
    auto line = entry_line(root, *it);
    if (!line) return std::unexpected(line.error());
    lines.push_back(std::move(*line));
  }
  if (ec) return fail(dir + ": " + ec.message());
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const auto& l : lines) all += l;
  return sha256_hex(all);
}

}  // namespace quarry
