#include "launcher/parallel.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <system_error>
#include <thread>

namespace quarry {

void parallel_for(std::size_t count, std::size_t threads, const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) work(i);
  };
  std::size_t n = std::min(std::max<std::size_t>(threads, 1), count);
  if (n <= 1) {
    worker();
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(n - 1);
  for (std::size_t t = 1; t < n; ++t) {
    // Out of threads: the ones already started (and this one) do the rest.
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;
    }
  }
  worker();
}

std::vector<Result<ProcessResult>> run_parallel(RemoteShell& shell, const std::vector<RemoteJob>& jobs,
                                                std::size_t threads) {
  std::vector<std::optional<Result<ProcessResult>>> slots(jobs.size());
  parallel_for(jobs.size(), threads, [&](std::size_t i) { slots[i] = shell.run(jobs[i].host, jobs[i].command); });
  std::vector<Result<ProcessResult>> out;
  out.reserve(jobs.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace quarry
