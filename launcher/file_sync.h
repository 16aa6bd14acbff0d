// Replicated files on a server: a directory quarry owns (/etc/quarry/files
// on a real server) that holds exactly the cluster's files, each written
// atomically with its mode. Commands are data (argv; paths are positional
// arguments of `sh -c`, never spliced into the script) and FileSync runs
// them through the RemoteShell seam.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/quote.h"
#include "launcher/remote_shell.h"

namespace quarry {

struct FileEntry {
  std::string content;
  unsigned mode = 0644;
};

// Relative path under the root -> entry.
using FileSet = std::map<std::string, FileEntry>;

// What a server holds under the root: path -> (mode, sha256 hex).
struct RemoteFile {
  unsigned mode = 0;
  std::string sha256;
};
using RemoteListing = std::map<std::string, RemoteFile>;

// A replicated file's path: relative, 1-200 characters, segments of
// [A-Za-z0-9._-] that are not "." or "..", not ending in ".quarry-tmp".
// Fails (kind User) saying what is wrong and what is allowed.
Status check_file_path(const std::string& path);
// Modes quarry writes: 0400..0777 without setuid/setgid/sticky; owner-readable.
Status check_file_mode(unsigned mode);

// Writes stdin to ROOT/PATH with MODE, atomically (a temporary file beside
// it, chmod, then rename), creating the directories between.
Argv write_file_argv(const std::string& root, const std::string& path, unsigned mode);
// Removes ROOT/PATH; succeeds when it is already gone.
Argv remove_file_argv(const std::string& root, const std::string& path);
// Lists every file under ROOT as "MODE SHA256 ./PATH" lines (octal mode);
// prints nothing when ROOT does not exist.
Argv list_files_argv(const std::string& root);
// Parses that listing. Lines it cannot read are skipped.
RemoteListing parse_file_listing(const std::string& out);

// What it takes to bring `listing` to `desired`: the paths to write (missing,
// different content or mode) and to remove (not desired), both sorted.
struct FileDiff {
  std::vector<std::string> write;
  std::vector<std::string> remove;
  bool empty() const { return write.empty() && remove.empty(); }
};
FileDiff diff_files(const FileSet& desired, const RemoteListing& listing);

// One server's files directory.
struct FileTarget {
  Endpoint endpoint;
  std::string root;  // absolute
};

class FileSync {
 public:
  explicit FileSync(RemoteShell& shell) : shell_(shell) {}
  Result<RemoteListing> list(const FileTarget& target);
  // Lists, then writes and removes what differs; returns what it changed.
  Result<FileDiff> apply(const FileTarget& target, const FileSet& desired);

 private:
  RemoteShell& shell_;
};

std::string format_mode(unsigned mode);  // 0644 -> "0644"

}  // namespace quarry
