// The validated model of a quarry.yml. The parser (manifest_parser) builds
// it; everything after the parser may assume every invariant documented here.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace quarry {

// Bounds on a health check: a deploy waits for it with the stack's lock
// held, and the path goes to curl and to an HTTP request line as it is.
inline constexpr int kMaxHealthTimeoutMs = 60 * 1000;
inline constexpr int kMaxHealthIntervalMs = 60 * 1000;
inline constexpr int kMaxHealthRetries = 100;
inline constexpr long kMaxHealthWaitMs = 15L * 60 * 1000;  // retries * (timeout + interval)
inline constexpr std::size_t kMaxHealthPathBytes = 1024;

struct HealthCheck {
  std::string path;          // HTTP path, taken literally; empty means a TCP connect check
  int timeout_ms = 5000;     // per probe
  int interval_ms = 1000;    // between probes
  int retries = 10;          // probes before the check fails

  bool operator==(const HealthCheck&) const = default;
};

// One service (long-running, kept across pushes) or node (replaced on push).
struct Process {
  std::string name;                         // DNS label, unique within the stack
  bool is_service = false;
  std::string image;                        // exactly one of image / build is set
  std::string build;                        // directory of the repo holding a Dockerfile
  std::string command;                      // optional; split into argv by split_command (command_words.h), sh -c is NOT used
  int port = 0;                             // container port, 0 when none
  int memory_mb = 256;                      // slice size
  double cpu = 0.0;                         // cores; 0 means "no limit, counts as 0.1 in the grid"
  std::vector<std::string> volumes;         // container paths to persist
  std::map<std::string, std::string> env;   // process env after interpolation
  std::vector<std::string> domains;         // web nodes only; host names
  std::optional<HealthCheck> health;        // set for nodes with a port (default TCP)
  std::vector<std::string> depends_on;      // names of services/nodes in the stack
  int scale = 1;                            // nodes: replicas; services: always 1
  std::vector<std::string> requires_tags;   // e.g. "role=router"
  std::string stop_signal;                  // "SIGINT"; empty: the image's own (SIGTERM unless it says)
  int stop_timeout_s = 10;                  // stop signal to SIGKILL, 0-600 s
  bool init = true;                         // docker's init as PID 1 (forwards signals, reaps)
  int pids_limit = 1024;                    // most processes and threads (docker's --pids-limit)
  bool no_new_privileges = true;            // setuid and file capabilities grant nothing
  // Services only: moved off a `down` server like a node replica (for a
  // stateless service; one with volumes cannot set it). Off: restarted in
  // place only, and reported while its server is down.
  bool reschedule = false;

  bool operator==(const Process&) const = default;
};

struct Stack {
  std::string name;                         // DNS label
  std::map<std::string, std::string> env;   // stack-wide env after interpolation
  std::vector<Process> services;            // in manifest order
  std::vector<Process> nodes;               // in manifest order
  std::string manifest_hash;                // sha256 of the manifest bytes
  // The global env ($QUARRY_HOME/etc/env) the manifest was parsed with: the
  // lowest layer of every process's env (global < stack < process).
  std::map<std::string, std::string> global_env;

  bool operator==(const Stack&) const = default;
};

}  // namespace quarry
