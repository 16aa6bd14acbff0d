// The cluster's network and files kept in step with its servers: locknet
// (when etc/cluster.json has it on, the default) and the replicated files
// with the generated hosts file. Built from the store and the real shells:
// a local server is reached as root in its namespace (iptables needs root;
// its files live in the local provider's directory for it), any other over
// SSH (its user must be root).
//
// keep() is what a joining or leaving server triggers and what the control
// loop calls each pass; it is serialized across processes by the store lock
// "cluster/network", so concurrent joins end with every server knowing all.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/context.h"
#include "launcher/config_keeper.h"
#include "locknet/cluster_settings.h"
#include "locknet/locknet_keeper.h"
#include "store/records.h"

namespace quarry {

class Cluster;

// What one keep() did.
struct KeepOutcome {
  std::vector<LockReport> relocked;
  std::vector<FileReport> rewritten;
};

class NetworkKeeper {
 public:
  NetworkKeeper(Context& ctx, Cluster& cluster);
  ~NetworkKeeper();

  // Re-locks what drifted (or unlocks nothing: with locknet off it leaves
  // rules alone) and brings every server's files to the stored set plus the
  // current hosts file. Errors name the servers; the others are still done.
  Result<KeepOutcome> keep();
  // Only the files part (quarry config put/rm).
  Result<std::vector<FileReport>> keep_files();

  Result<std::vector<LockReport>> locknet_status();
  Result<std::vector<FileReport>> files_status();
  Result<ClusterSettings> settings();
  // Removes quarry's rules from every server (quarry locknet --mode off).
  Status unlock_all();

  // The desired files: the stored set and the generated hosts file.
  Result<FileSet> desired_files();
  // For containers: the server's files directory, and the hosts entries as
  // "NAME:ADDRESS" (empty when the store cannot be read).
  std::string files_root_of(const ServerRecord& server);
  std::vector<std::string> host_entries();

 private:
  struct Members;
  Result<Members> members();
  Result<RemoteShell*> shell_for(const std::vector<ServerRecord>& servers);

  Context& ctx_;
  Cluster& cluster_;
  std::unique_ptr<RemoteShell> routing_;
};

// Where a server keeps the replicated files: /etc/quarry/files, or for a
// local server STATE_DIR/servers/NAMESPACE/files (local servers share this
// machine's file system; each gets its own directory).
std::string files_root(const ServerRecord& server, const std::string& local_state_dir);

// etc/cluster.json, or the defaults when it is missing.
Result<ClusterSettings> load_cluster_settings(Store& store);

}  // namespace quarry
