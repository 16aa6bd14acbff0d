#include "launcher/build_key.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "core/text.h"

namespace quarry {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The words of one Dockerfile instruction, continuation lines joined.
std::vector<std::vector<std::string>> instructions(std::string_view text) {
  std::vector<std::vector<std::string>> out;
  std::string line;
  for (auto raw : split_lines(text)) {
    auto t = trim(raw);
    if (line.empty() && (t.empty() || t.front() == '#')) continue;
    if (!t.empty() && t.back() == '\\') {
      line += t.substr(0, t.size() - 1) + " ";
      continue;
    }
    line += t;
    std::vector<std::string> words;
    for (auto& w : split(line, ' ')) {
      auto word = trim(w);
      if (!word.empty()) words.push_back(word);
    }
    if (!words.empty()) out.push_back(std::move(words));
    line.clear();
  }
  return out;
}

void add_ref(BuildInputs& b, const std::set<std::string>& stages, const std::string& ref) {
  if (ref.find('$') != std::string::npos) {
    b.dynamic = true;
    return;
  }
  auto l = lower(ref);
  if (l == "scratch" || stages.count(l) || std::all_of(l.begin(), l.end(), ::isdigit)) return;
  if (std::find(b.base_refs.begin(), b.base_refs.end(), ref) == b.base_refs.end()) b.base_refs.push_back(ref);
}

// The words of a JSON-form argument list (["a", "b", "/dst"]); empty when
// it is not one.
std::vector<std::string> json_words(const std::vector<std::string>& w, std::size_t from) {
  std::string text;
  for (std::size_t i = from; i < w.size(); ++i) text += w[i] + " ";
  text = trim(text);
  std::vector<std::string> out;
  if (text.empty() || text.front() != '[' || text.back() != ']') return out;
  for (auto part : split(text.substr(1, text.size() - 2), ',')) {
    auto t = trim(part);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') out.push_back(t.substr(1, t.size() - 2));
  }
  return out;
}

void add_sources(BuildInputs& b, const std::vector<std::string>& w, std::size_t first) {
  auto args = json_words(w, first);
  if (args.empty()) args.assign(w.begin() + static_cast<std::ptrdiff_t>(first), w.end());
  if (args.size() < 2) {
    b.whole_context = true;
    return;
  }
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    auto src = args[i];
    if (src.find('$') != std::string::npos) b.dynamic = true;
    while (src.starts_with("./")) src = src.substr(2);
    while (src.size() > 1 && src.back() == '/') src.pop_back();
    if (src.empty() || src == "." || src.starts_with("/") || src.starts_with("<<") ||
        src.find("://") != std::string::npos || src.find("..") != std::string::npos ||
        src.find_first_of("*?[") != std::string::npos) {
      b.whole_context = true;
    } else {
      b.sources.push_back(src);
    }
  }
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void add(std::string_view s) { EVP_DigestUpdate(ctx_.get(), s.data(), s.size()); }
  std::string hex() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), d, &n);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) out += {digits[d[i] >> 4], digits[d[i] & 15]};
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

Status add_file(Sha256& h, const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("build context: cannot read " + path.string());
  std::string buf(1 << 16, '\0');
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    h.add(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) return fail("build context: read error in " + path.string());
  return {};
}

}  // namespace

BuildInputs dockerfile_inputs(std::string_view dockerfile) {
  BuildInputs b;
  std::set<std::string> stages;
  for (const auto& w : instructions(dockerfile)) {
    auto op = lower(w[0]);
    if (op == "from") {
      std::size_t i = 1;
      while (i < w.size() && w[i].starts_with("--")) ++i;  // --platform=...
      if (i >= w.size()) continue;
      add_ref(b, stages, w[i]);
      if (i + 2 < w.size() && lower(w[i + 1]) == "as") stages.insert(lower(w[i + 2]));
    } else if (op == "copy" || op == "add") {
      std::size_t i = 1;
      bool from_elsewhere = false;
      for (; i < w.size() && w[i].starts_with("--"); ++i) {
        if (lower(w[i]).starts_with("--from=")) {
          add_ref(b, stages, w[i].substr(7));
          from_elsewhere = true;
        }
      }
      if (!from_elsewhere) add_sources(b, w, i);
    } else if (op == "run" && w.size() > 1 && lower(w[1]).starts_with("--mount")) {
      b.whole_context = true;
    }
  }
  return b;
}

Result<std::string> context_digest(const std::string& dir, const std::optional<std::vector<std::string>>& sources) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::set<std::string> entries;  // relative paths, sorted
  auto walk = [&](const std::string& rel) -> Status {
    fs::path top = rel.empty() ? fs::path(dir) : fs::path(dir) / rel;
    if (!rel.empty()) {
      if (!fs::exists(fs::symlink_status(top, ec))) {
        entries.insert(rel + "\n(missing)");
        return {};
      }
      entries.insert(rel);
      if (!fs::is_directory(fs::symlink_status(top, ec))) return {};
    }
    for (fs::recursive_directory_iterator it(top, fs::directory_options::none, ec), end; !ec && it != end;
         it.increment(ec)) {
      entries.insert(it->path().lexically_relative(dir).string());
    }
    if (ec) return fail("build context " + top.string() + ": " + ec.message());
    return {};
  };
  if (!sources) {
    if (auto s = walk(""); !s) return std::unexpected(s.error());
  } else {
    for (const auto& rel : {std::string("Dockerfile"), std::string(".dockerignore")}) {
      if (auto s = walk(rel); !s) return std::unexpected(s.error());
    }
    for (const auto& rel : *sources) {
      if (auto s = walk(rel); !s) return std::unexpected(s.error());
    }
  }
  Sha256 h;
  for (const auto& rel : entries) {
    h.add(rel);
    h.add(std::string_view("\0", 1));
    auto p = fs::path(dir) / rel;
    struct stat st;
    if (rel.ends_with("\n(missing)")) {
      // its name says it all
    } else if (lstat(p.c_str(), &st) != 0) {
      return fail("build context: cannot stat " + p.string());
    } else if (S_ISLNK(st.st_mode)) {
      h.add("link:" + fs::read_symlink(p, ec).string());
    } else if (S_ISDIR(st.st_mode)) {
      h.add("dir");
    } else if (S_ISREG(st.st_mode)) {
      h.add((st.st_mode & 0111) ? "exec:" : "file:");
      h.add(std::to_string(st.st_size) + ":");
      if (auto s = add_file(h, p); !s) return std::unexpected(s.error());
    } else {
      h.add("other:" + std::to_string(st.st_mode & S_IFMT));
    }
    h.add(std::string_view("\0", 1));
  }
  return h.hex();
}

std::string build_key(std::string_view stack, std::string_view process, std::string_view digest,
                      const std::vector<std::string>& base_ids) {
  std::string text = std::string(stack) + "\n" + std::string(process) + "\n" + std::string(digest) + "\n";
  for (const auto& id : base_ids) text += id + "\n";
  return sha256_hex(text);
}

}  // namespace quarry
