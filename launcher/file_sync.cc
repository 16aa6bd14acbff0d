#include "launcher/file_sync.h"

#include <algorithm>
#include <cstdio>

#include "core/text.h"

namespace quarry {

namespace {

bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

}  // namespace

std::string format_mode(unsigned mode) {
  char b[8];
  std::snprintf(b, sizeof b, "%04o", mode & 07777);
  return b;
}

Status check_file_path(const std::string& path) {
  const std::string rule = " (a relative path of [A-Za-z0-9._-] segments separated by '/', at most 200 characters)";
  if (path.empty() || path.size() > 200) return fail("file path '" + path + "' is empty or too long" + rule);
  if (path.ends_with(".quarry-tmp")) return fail("file path '" + path + "' ends in .quarry-tmp, which quarry uses itself");
  for (const auto& seg : split(path, '/')) {
    if (seg.empty() || seg == "." || seg == ".." || !std::all_of(seg.begin(), seg.end(), path_char))
      return fail("file path '" + path + "' is not allowed" + rule);
  }
  return {};
}

Status check_file_mode(unsigned mode) {
  if (mode > 0777 || !(mode & 0400)) return fail("file mode " + format_mode(mode) + " is not allowed (0400 to 0777, owner-readable)");
  return {};
}

Argv write_file_argv(const std::string& root, const std::string& path, unsigned mode) {
  return {"sh", "-c",
          "set -e; f=\"$1/$2\"; mkdir -p -- \"$(dirname -- \"$f\")\"; rm -f -- \"$f.quarry-tmp\"; "
          "cat > \"$f.quarry-tmp\"; chmod \"$3\" \"$f.quarry-tmp\"; mv -f -- \"$f.quarry-tmp\" \"$f\"",
          "sh", root, path, format_mode(mode)};
}

Argv remove_file_argv(const std::string& root, const std::string& path) {
  return {"sh", "-c", "rm -f -- \"$1/$2\"", "sh", root, path};
}

Argv list_files_argv(const std::string& root) {
  return {"sh", "-c",
          "cd -- \"$1\" 2>/dev/null || exit 0; find . -type f | while IFS= read -r f; do "
          "printf '%s %s %s\\n' \"$(stat -c %a -- \"$f\")\" \"$(sha256sum < \"$f\" | cut -d' ' -f1)\" \"$f\"; done",
          "sh", root};
}

RemoteListing parse_file_listing(const std::string& out) {
  RemoteListing listing;
  for (const auto& line : split_lines(out)) {
    auto first = line.find(' ');
    auto second = first == std::string::npos ? std::string::npos : line.find(' ', first + 1);
    if (second == std::string::npos || line.compare(second + 1, 2, "./") != 0) continue;
    RemoteFile f;
    try {
      f.mode = static_cast<unsigned>(std::stoul(line.substr(0, first), nullptr, 8));
    } catch (...) {
      continue;
    }
    f.sha256 = line.substr(first + 1, second - first - 1);
    listing[line.substr(second + 3)] = f;
  }
  return listing;
}

FileDiff diff_files(const FileSet& desired, const RemoteListing& listing) {
  FileDiff d;
  for (const auto& [path, entry] : desired) {
    auto it = listing.find(path);
    if (it == listing.end() || it->second.mode != entry.mode || it->second.sha256 != sha256_hex(entry.content))
      d.write.push_back(path);
  }
  for (const auto& [path, file] : listing)
    if (!desired.count(path)) d.remove.push_back(path);
  return d;
}

Result<RemoteListing> FileSync::list(const FileTarget& target) {
  auto r = run_ok(shell_, target.endpoint, Command{list_files_argv(target.root), {}, {}, std::chrono::seconds(60), {}});
  if (!r) return std::unexpected(r.error());
  return parse_file_listing(r->out);
}

Result<FileDiff> FileSync::apply(const FileTarget& target, const FileSet& desired) {
  auto listing = list(target);
  if (!listing) return std::unexpected(listing.error());
  auto d = diff_files(desired, *listing);
  for (const auto& path : d.write) {
    const auto& e = desired.at(path);
    Command c{write_file_argv(target.root, path, e.mode), e.content, {}, std::chrono::seconds(60), {}};
    if (auto r = run_ok(shell_, target.endpoint, c); !r) return std::unexpected(r.error());
  }
  for (const auto& path : d.remove) {
    Command c{remove_file_argv(target.root, path), {}, {}, std::chrono::seconds(60), {}};
    if (auto r = run_ok(shell_, target.endpoint, c); !r) return std::unexpected(r.error());
  }
  return d;
}

}  // namespace quarry
