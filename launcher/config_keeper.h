// Keeps the replicated files on every server: what the control loop calls
// each pass and what `quarry config ls` reports. check() lists each
// server's files directory (in parallel) against the desired set; repair()
// writes and removes only what differs.
#pragma once

#include <string>
#include <vector>

#include "launcher/file_sync.h"

namespace quarry {

struct FileReport {
  std::string server;
  FileDiff drift;      // what differs (before a repair: what it changed)
  std::string error;   // the server could not be read or written
  bool ok() const { return error.empty() && drift.empty(); }
};

class ConfigKeeper {
 public:
  explicit ConfigKeeper(RemoteShell& shell) : sync_(shell) {}
  // One report per target, in order.
  std::vector<FileReport> check(const std::vector<FileTarget>& targets, const FileSet& desired);
  // Brings every target to `desired`; returns the reports of the servers it
  // changed. The Error names every server that failed; the others are
  // repaired all the same.
  Result<std::vector<FileReport>> repair(const std::vector<FileTarget>& targets, const FileSet& desired);

 private:
  FileSync sync_;
};

}  // namespace quarry
