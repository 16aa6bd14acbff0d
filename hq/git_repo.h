// A git repository read through libgit2: the HQ's view of a pushed app.
// Every libgit2 return code is checked; a failure becomes an Error holding
// libgit2's own message ("git: object not found - no match for id ...").
// A GitRepo is not thread-safe; use one per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

struct git_repository;

namespace quarry {

class GitRepo {
 public:
  GitRepo(GitRepo&&) noexcept;
  GitRepo& operator=(GitRepo&&) noexcept;
  ~GitRepo();

  // Opens the repository at `path` (bare or not). `extra_object_dirs` are
  // added as alternate object databases: a pre-receive hook passes git's
  // quarantine directory ($GIT_QUARANTINE_PATH) there, because the objects
  // of a push that is not yet accepted live only in it.
  static Result<GitRepo> open(const std::string& path, const std::vector<std::string>& extra_object_dirs = {});

  // Creates a bare repository at `path` (and missing parent directories)
  // whose HEAD names refs/heads/`initial_branch`, with receive.fsckObjects
  // on so malformed objects are refused at push time. Idempotent: an
  // existing repository is opened and left as it is.
  static Result<GitRepo> init_bare(const std::string& path, const std::string& initial_branch);

  // The commit id `ref` ("refs/heads/main") points at (peeled to a commit),
  // or nullopt when the ref does not exist.
  Result<std::optional<std::string>> resolve(const std::string& ref);

  // The bytes of the file at `path` ("quarry.yml", "deploy/app.yml") in the
  // tree of commit `commit_sha` (40 hex digits). nullopt when the commit has
  // no such path; an error when the path names a directory, a submodule or a
  // symbolic link (its bytes would be the link's target, and an export would
  // make it point anywhere on the HQ), or the commit cannot be read.
  Result<std::optional<std::string>> read_blob(const std::string& commit_sha, const std::string& path);

  // Writes the tree of commit `commit_sha` to `dir`: regular files with mode
  // 0644, executables 0755, symlinks as symlinks, subdirectories, and an
  // empty directory for each submodule. Atomic: the tree is written to
  // DIR.new, then exchanged with DIR in one rename, so a reader sees the old
  // tree or the new one, never a mix. On failure DIR is left as it was.
  // A regular file DIR already holds with the entry's mode and git id
  // (hashed from the file) is hard-linked into DIR.new instead of being
  // inflated and written: a push that changes a few files of a large tree
  // (an app with its node_modules) writes those few.
  // Entry names that could escape DIR ("..", ".", names with '/') fail.
  Status export_tree(const std::string& commit_sha, const std::string& dir);

  const std::string& path() const { return path_; }

 private:
  GitRepo(git_repository* repo, std::string path);
  git_repository* repo_ = nullptr;
  std::string path_;
};

// True for a full hex object id (40 lowercase hex digits).
bool is_object_id(const std::string& s);

// The all-zero id git uses for "no object" in ref updates.
inline constexpr const char* kZeroId = "0000000000000000000000000000000000000000";

}  // namespace quarry
