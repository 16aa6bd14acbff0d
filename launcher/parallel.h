// Bounded parallelism for remote work: the deploy executors and benchmarks
// run many commands on many hosts at once, but never more than a set number
// of threads, and want the results back in the order they asked.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "launcher/remote_shell.h"

namespace quarry {

// Calls work(i) for every i in [0, count) on at most `threads` threads
// (at least 1), and returns when all calls have returned. Each index is run
// exactly once; the order in which indices start is ascending. `work` must
// not throw and must be safe to call concurrently for different indices.
void parallel_for(std::size_t count, std::size_t threads, const std::function<void(std::size_t)>& work);

struct RemoteJob {
  Endpoint host;
  Command command;
};

// Runs every job through `shell` with at most `threads` at once. The result
// at index i belongs to jobs[i]; one job's failure does not stop the others.
std::vector<Result<ProcessResult>> run_parallel(RemoteShell& shell, const std::vector<RemoteJob>& jobs,
                                                std::size_t threads);

}  // namespace quarry
