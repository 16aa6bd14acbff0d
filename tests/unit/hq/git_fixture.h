// Test helpers: throwaway directories and repositories made with the git CLI.
#pragma once

#include <boost/test/unit_test.hpp>

#include <string>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace quarry::test {

// A temporary directory removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    auto d = make_temp_dir("quarry-hq-test");
    BOOST_REQUIRE(d.has_value());
    path = *d;
  }
  ~TempDir() { (void)remove_all(path); }
};

// Runs git with a fixed identity in `dir`; the test fails if git does.
inline std::string git(const std::string& dir, Argv args) {
  Argv argv = {"git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main",
               "-C", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv);
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE_MESSAGE(r->ok(), shell_join(argv) + ": " + r->err);
  return trim(r->out);
}

inline void write(const std::string& path, const std::string& text, unsigned mode = 0644) {
  BOOST_REQUIRE(write_file_atomic(path, text, mode).has_value());
}

// A work tree at DIR/work with one commit per call of commit(); returns ids.
struct WorkRepo {
  std::string dir;
  explicit WorkRepo(const std::string& root) : dir(root + "/work") {
    BOOST_REQUIRE(make_dirs(dir).has_value());
    git(dir, {"init", "-q"});
  }
  std::string commit(const std::string& message) {
    git(dir, {"add", "-A"});
    git(dir, {"commit", "-q", "--allow-empty", "-m", message});
    return git(dir, {"rev-parse", "HEAD"});
  }
};

}  // namespace quarry::test
