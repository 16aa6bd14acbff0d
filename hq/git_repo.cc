#include "hq/git_repo.h"

#include <fcntl.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/file_io.h"

namespace quarry {

namespace {

void init_libgit2() {
  static std::once_flag once;
  // Never shut down: the library stays usable until the process exits.
  std::call_once(once, [] { git_libgit2_init(); });
}

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using CommitPtr = Owned<git_commit, git_commit_free>;
using TreePtr = Owned<git_tree, git_tree_free>;
using BlobPtr = Owned<git_blob, git_blob_free>;
using EntryPtr = Owned<git_tree_entry, git_tree_entry_free>;
using OdbPtr = Owned<git_odb, git_odb_free>;
using ConfigPtr = Owned<git_config, git_config_free>;
using ObjectPtr = Owned<git_object, git_object_free>;
using ReferencePtr = Owned<git_reference, git_reference_free>;

// libgit2's message for the last failure, with `what` in front.
Error git_failure(const std::string& what, int code) {
  const git_error* e = git_error_last();
  std::string msg = e && e->message ? e->message : "error " + std::to_string(code);
  return Error{"git: " + what + ": " + msg, ErrorKind::Remote};
}

Result<git_oid> parse_oid(const std::string& sha) {
  if (!is_object_id(sha)) return fail("git: not a commit id: " + sha);
  git_oid oid;
  if (int rc = git_oid_fromstr(&oid, sha.c_str()); rc < 0) return std::unexpected(git_failure("parse " + sha, rc));
  return oid;
}

Result<TreePtr> commit_tree(git_repository* repo, const std::string& sha) {
  auto oid = parse_oid(sha);
  if (!oid) return std::unexpected(oid.error());
  git_commit* c = nullptr;
  if (int rc = git_commit_lookup(&c, repo, &*oid); rc < 0) return std::unexpected(git_failure("commit " + sha, rc));
  CommitPtr commit(c);
  git_tree* t = nullptr;
  if (int rc = git_commit_tree(&t, commit.get()); rc < 0) return std::unexpected(git_failure("tree of " + sha, rc));
  return TreePtr(t);
}

Status sys_failure(const std::string& what) {
  return fail_remote(what + ": " + std::strerror(errno));
}

// State of one export, handed to the tree walk callback.
struct ExportWalk {
  git_repository* repo;
  std::string root;  // the directory being filled, no trailing '/'
  std::optional<Error> error;
  std::string previous;  // the tree exported before, when there is one
  std::size_t linked = 0;
};

bool safe_name(const char* name) {
  std::string_view n(name);
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string_view::npos;
}

Status write_blob_file(git_repository* repo, const git_tree_entry* entry, const std::string& path) {
  git_blob* b = nullptr;
  if (int rc = git_blob_lookup(&b, repo, git_tree_entry_id(entry)); rc < 0) {
    return std::unexpected(git_failure("blob " + path, rc));
  }
  BlobPtr blob(b);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  auto size = static_cast<std::size_t>(git_blob_rawsize(blob.get()));
  if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
    std::string target(data, size);
    if (symlink(target.c_str(), path.c_str()) != 0) return sys_failure("symlink " + path);
    return {};
  }
  mode_t mode = git_tree_entry_filemode(entry) == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return sys_failure("create " + path);
  std::size_t done = 0;
  while (done < size) {
    auto w = write(fd, data + done, size - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      auto s = sys_failure("write " + path);
      close(fd);
      return s;
    }
    done += static_cast<std::size_t>(w);
  }
  // The umask must not take the executable bit away.
  if (fchmod(fd, mode) != 0) {
    auto s = sys_failure("chmod " + path);
    close(fd);
    return s;
  }
  if (close(fd) != 0) return sys_failure("close " + path);
  return {};
}

// A regular file of the previous export whose bytes are this entry's blob
// (its git id, hashed from the file) and whose mode is the entry's becomes
// a hard link: no blob is inflated and nothing is written. True when linked.
bool link_unchanged(ExportWalk& walk, const std::string& rel, const git_tree_entry* entry, const std::string& path) {
  if (walk.previous.empty()) return false;
  auto mode = git_tree_entry_filemode(entry);
  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) return false;
  std::string old = walk.previous + "/" + rel;
  struct stat st;
  if (lstat(old.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1) return false;
  if ((st.st_mode & 07777) != (mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755u : 0644u)) return false;
  git_oid id;
  if (git_odb_hashfile(&id, old.c_str(), GIT_OBJECT_BLOB) < 0 || !git_oid_equal(&id, git_tree_entry_id(entry))) {
    return false;
  }
  if (link(old.c_str(), path.c_str()) != 0) return false;
  ++walk.linked;
  return true;
}

Status export_entry(ExportWalk& walk, const char* parent, const git_tree_entry* entry) {
  const char* name = git_tree_entry_name(entry);
  if (!safe_name(name)) return fail(std::string("git: unsafe tree entry name '") + name + "'");
  std::string path = walk.root + "/" + parent + name;
  switch (git_tree_entry_filemode(entry)) {
    case GIT_FILEMODE_TREE:
    case GIT_FILEMODE_COMMIT:  // a submodule: an empty directory, as git archive does
      if (mkdir(path.c_str(), 0755) != 0) return sys_failure("mkdir " + path);
      return {};
    case GIT_FILEMODE_BLOB:
    case GIT_FILEMODE_BLOB_EXECUTABLE:
    case GIT_FILEMODE_LINK:
      if (link_unchanged(walk, std::string(parent) + name, entry, path)) return {};
      return write_blob_file(walk.repo, entry, path);
    default:
      return fail("git: " + path + ": unknown file mode " + std::to_string(git_tree_entry_filemode(entry)));
  }
}

int export_callback(const char* root, const git_tree_entry* entry, void* payload) {
  auto* walk = static_cast<ExportWalk*>(payload);
  auto s = export_entry(*walk, root, entry);
  if (s) return 0;
  walk->error = s.error();
  return -1;
}

// Puts `fresh` at `dir`, atomically replacing what was there. The old tree
// ends up at `fresh` for the caller to remove.
Status swap_into_place(const std::string& fresh, const std::string& dir) {
  if (!path_exists(dir)) {
    if (std::rename(fresh.c_str(), dir.c_str()) != 0) return sys_failure("rename " + fresh + " to " + dir);
    return {};
  }
  if (renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0) {
    return sys_failure("exchange " + fresh + " with " + dir);
  }
  return {};
}

}  // namespace

bool is_object_id(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

GitRepo::GitRepo(git_repository* repo, std::string path) : repo_(repo), path_(std::move(path)) {}

GitRepo::GitRepo(GitRepo&& o) noexcept : repo_(o.repo_), path_(std::move(o.path_)) { o.repo_ = nullptr; }

GitRepo& GitRepo::operator=(GitRepo&& o) noexcept {
  if (this != &o) {
    if (repo_) git_repository_free(repo_);
    repo_ = o.repo_;
    path_ = std::move(o.path_);
    o.repo_ = nullptr;
  }
  return *this;
}

GitRepo::~GitRepo() {
  if (repo_) git_repository_free(repo_);
}

Result<GitRepo> GitRepo::open(const std::string& path, const std::vector<std::string>& extra_object_dirs) {
  init_libgit2();
  git_repository* r = nullptr;
  if (int rc = git_repository_open_ext(&r, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr); rc < 0) {
    return std::unexpected(git_failure("open " + path, rc));
  }
  GitRepo repo(r, path);
  if (extra_object_dirs.empty()) return repo;
  git_odb* o = nullptr;
  if (int rc = git_repository_odb(&o, r); rc < 0) return std::unexpected(git_failure("object database of " + path, rc));
  OdbPtr odb(o);
  for (const auto& dir : extra_object_dirs) {
    if (int rc = git_odb_add_disk_alternate(odb.get(), dir.c_str()); rc < 0) {
      return std::unexpected(git_failure("add object directory " + dir, rc));
    }
  }
  return repo;
}

Result<GitRepo> GitRepo::init_bare(const std::string& path, const std::string& initial_branch) {
  init_libgit2();
  if (path_exists(path + "/HEAD")) return open(path);
  git_repository_init_options opts;
  if (int rc = git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION); rc < 0) {
    return std::unexpected(git_failure("init options", rc));
  }
  opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  opts.initial_head = initial_branch.c_str();
  git_repository* r = nullptr;
  if (int rc = git_repository_init_ext(&r, path.c_str(), &opts); rc < 0) {
    return std::unexpected(git_failure("init " + path, rc));
  }
  GitRepo repo(r, path);
  git_config* c = nullptr;
  if (int rc = git_repository_config(&c, r); rc < 0) return std::unexpected(git_failure("config of " + path, rc));
  ConfigPtr config(c);
  if (int rc = git_config_set_bool(config.get(), "receive.fsckObjects", 1); rc < 0) {
    return std::unexpected(git_failure("set receive.fsckObjects in " + path, rc));
  }
  return repo;
}

Result<std::optional<std::string>> GitRepo::resolve(const std::string& ref) {
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, repo_, ref.c_str());
  if (rc == GIT_ENOTFOUND) return std::optional<std::string>{};
  if (rc < 0) return std::unexpected(git_failure("ref " + ref, rc));
  ReferencePtr reference(raw);
  git_object* obj = nullptr;
  if (rc = git_reference_peel(&obj, reference.get(), GIT_OBJECT_COMMIT); rc < 0) {
    return std::unexpected(git_failure("peel " + ref, rc));
  }
  ObjectPtr object(obj);
  return std::optional<std::string>(git_oid_tostr_s(git_object_id(object.get())));
}

Result<std::optional<std::string>> GitRepo::read_blob(const std::string& commit_sha, const std::string& path) {
  auto tree = commit_tree(repo_, commit_sha);
  if (!tree) return std::unexpected(tree.error());
  git_tree_entry* e = nullptr;
  int rc = git_tree_entry_bypath(&e, tree->get(), path.c_str());
  if (rc == GIT_ENOTFOUND) return std::optional<std::string>{};
  if (rc < 0) return std::unexpected(git_failure(path + " at " + commit_sha, rc));
  EntryPtr entry(e);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) {
    return fail(path + " at " + commit_sha.substr(0, 12) + " is not a file");
  }
  if (git_tree_entry_filemode(entry.get()) == GIT_FILEMODE_LINK) {
    return fail(path + " at " + commit_sha.substr(0, 12) + " is a symbolic link, not a regular file");
  }
  git_blob* b = nullptr;
  if (rc = git_blob_lookup(&b, repo_, git_tree_entry_id(entry.get())); rc < 0) {
    return std::unexpected(git_failure("blob " + path, rc));
  }
  BlobPtr blob(b);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::optional<std::string>(std::string(data, static_cast<std::size_t>(git_blob_rawsize(blob.get()))));
}

Status GitRepo::export_tree(const std::string& commit_sha, const std::string& dir) {
  auto tree = commit_tree(repo_, commit_sha);
  if (!tree) return std::unexpected(tree.error());
  std::string fresh = dir + ".new";
  if (auto s = remove_all(fresh); !s) return s;
  auto slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto s = make_dirs(dir.substr(0, slash)); !s) return s;
  }
  if (mkdir(fresh.c_str(), 0755) != 0) return sys_failure("mkdir " + fresh);
  ExportWalk walk{repo_, fresh, std::nullopt, path_exists(dir) ? dir : std::string(), 0};
  int rc = git_tree_walk(tree->get(), GIT_TREEWALK_PRE, export_callback, &walk);
  if (rc < 0 || walk.error) {
    Error e = walk.error ? *walk.error : git_failure("walk tree of " + commit_sha, rc);
    (void)remove_all(fresh);
    return fail(e.context("export " + commit_sha.substr(0, 12) + " to " + dir));
  }
  if (auto s = swap_into_place(fresh, dir); !s) {
    (void)remove_all(fresh);
    return s;
  }
  return remove_all(fresh);
}

}  // namespace quarry
