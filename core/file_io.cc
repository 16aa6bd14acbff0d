#include "core/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace quarry {

namespace {
std::string errno_text() { return strerror(errno); }
std::string parent_of(const std::string& path) {
  auto pos = path.rfind('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}
}  // namespace

Result<std::string> read_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": " + errno_text());
  std::string data;
  char buf[65536];
  while (true) {
    auto n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto e = errno_text();
      close(fd);
      return fail(path + ": " + e);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return data;
}

Status make_dirs(const std::string& path, unsigned mode) {
  if (path.empty() || is_directory(path)) return {};
  auto parent = parent_of(path);
  if (parent != path) {
    if (auto s = make_dirs(parent, mode); !s) return s;
  }
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return fail(path + ": mkdir: " + errno_text());
  return {};
}

Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  auto dir = parent_of(path);
  if (auto s = make_dirs(dir); !s) return s;
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(tmp + ": " + errno_text());
  fchmod(fd, mode);  // umask must not widen or narrow the requested mode
  std::size_t off = 0;
  while (off < data.size()) {
    auto n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto e = errno_text();
      close(fd);
      unlink(tmp.c_str());
      return fail(tmp + ": write: " + e);
    }
    off += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    auto e = errno_text();
    unlink(tmp.c_str());
    return fail(tmp + ": fsync: " + e);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = errno_text();
    unlink(tmp.c_str());
    return fail(path + ": rename: " + e);
  }
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return {};
}

bool path_exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = opendir(path.c_str());
  if (!d) return out;
  while (auto* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status remove_all(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return fail(path + ": remove: " + ec.message());
  return {};
}

Result<std::string> make_temp_dir(const std::string& prefix) {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + ".XXXXXX";
  if (!mkdtemp(tmpl.data())) return fail(tmpl + ": mkdtemp: " + errno_text());
  return tmpl;
}

}  // namespace quarry
