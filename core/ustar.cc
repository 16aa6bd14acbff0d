#include "core/ustar.h"

#include <cstdio>
#include <cstring>
#include <set>

#include "core/text.h"

namespace quarry {

namespace {

constexpr std::size_t kBlock = 512;

void put_octal(char* field, std::size_t width, unsigned long long value) {
  // width - 1 digits and a NUL, as ustar readers expect.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
}

std::string header(const std::string& name, char type, unsigned mode, std::size_t size) {
  std::string h(kBlock, '\0');
  char* b = h.data();
  std::memcpy(b, name.data(), name.size());
  put_octal(b + 100, 8, mode & 07777);
  put_octal(b + 108, 8, 0);
  put_octal(b + 116, 8, 0);
  put_octal(b + 124, 12, size);
  put_octal(b + 136, 12, 0);
  b[156] = type;
  std::memcpy(b + 257, "ustar", 6);
  std::memcpy(b + 263, "00", 2);
  std::memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(b + 148, 7, "%06o", sum);
  b[154] = '\0';
  b[155] = ' ';
  return h;
}

Status check_name(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.size() >= 100)
    return fail("archive path '" + path + "' is empty, absolute or longer than 99 bytes");
  for (const auto& seg : split(path, '/')) {
    if (seg.empty() || seg == "." || seg == "..") return fail("archive path '" + path + "' has an empty, . or .. segment");
  }
  return {};
}

}  // namespace

Result<std::string> ustar_archive(const std::map<std::string, std::string>& files, unsigned mode,
                                  std::size_t max_bytes) {
  std::string out;
  std::set<std::string> dirs;
  for (const auto& [path, content] : files) {
    if (auto s = check_name(path); !s) return std::unexpected(s.error());
    for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      auto dir = path.substr(0, slash + 1);
      if (dirs.insert(dir).second) out += header(dir, '5', 0755, 0);
    }
    out += header(path, '0', mode, content.size());
    out += content;
    out.append((kBlock - content.size() % kBlock) % kBlock, '\0');
    if (out.size() > max_bytes) return fail("archive of " + std::to_string(files.size()) + " files passes " +
                                            std::to_string(max_bytes) + " bytes");
  }
  out.append(2 * kBlock, '\0');
  return out;
}

}  // namespace quarry
