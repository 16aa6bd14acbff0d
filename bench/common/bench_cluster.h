// The local cluster a bench in bench/ deploys to, made one way for every
// bench that needs one (deploy, scale, store): the deploy e2e tests'
// TestCluster (its own home under /tmp, a copy of examples/hello, servers
// through the local cloud), with the build's quarry binary and source tree
// as defaults, prerequisites checked first, and taken down (`quarry cluster
// down`) on every way out: a normal end, stop_cluster(), or die().
// Also the helpers their floors share: docker straight to a server's engine
// socket, a stack's containers removed by hand, work on many threads.
// One cluster per process; not thread-safe to start or stop.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/quote.h"
#include "core/subprocess.h"
#include "tests/e2e/deploy/e2e_cluster.h"

namespace quarry::bench {

struct ClusterSpec {
  std::string bench;        // "deploy_bench": prefixes every error line
  std::string quarry_bin;   // default for QUARRY_BIN (an environment value wins)
  std::string source_dir;   // default for QUARRY_SOURCE_DIR
  int servers = 2;
  int server_memory_mb = 1024;
  std::string grid_json = R"({"policy": "spread", "autosize": false})";
  bool router = false;
};

// Checks the prerequisites and starts the cluster. On failure, what was
// made is taken down and the error says why (the caller dies, or first
// stops what else it started).
Result<e2e::TestCluster*> start_cluster(const ClusterSpec& spec);

// Takes the cluster down now (a no-op when there is none).
void stop_cluster();

// Prints "BENCH: what" to stderr, takes the cluster down, exits 1.
[[noreturn]] void die(const std::string& what);

// The argv run to the end (5 minutes at most); dies when it cannot run.
ProcessResult run_or_die(const Argv& argv, std::map<std::string, std::string> env = {});

// `docker -H unix://SERVER/docker.sock ARGS...`: the server's engine reached
// from this machine, as a floor measurement does.
Argv engine(const e2e::ServerInfo& server, const Argv& docker_args);

// Removes every container labelled quarry.stack=STACK from every server,
// all servers at once.
void clear_stack(const std::vector<e2e::ServerInfo>& servers, const std::string& stack);

// work(i) for i in [0, n), each on its own thread; returns when all are done.
void each_parallel(std::size_t n, const std::function<void(std::size_t)>& work);

}  // namespace quarry::bench
