#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "launcher/parallel.h"
#include "tests/fakes/fake_shell.h"

using namespace quarry;

namespace {

// Counts how many runs overlap; replies with the host name. Runs pass in
// rounds of `width` (a barrier), so the test proves `width` runs at once
// without sleeping.
class GateShell : public RemoteShell {
 public:
  GateShell(std::size_t width, std::size_t total) : width_(width), left_(total) {}
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    {
      std::unique_lock lock(mu_);
      ++active_;
      peak_ = std::max(peak_, active_);
      auto round = round_;
      if (++arrived_ == width_ || arrived_ == left_) {
        left_ -= arrived_;
        arrived_ = 0;
        ++round_;
        cv_.notify_all();
      } else {
        cv_.wait(lock, [&] { return round_ != round; });
      }
      --active_;
    }
    if (host.name == "down") return fail_remote("down: unreachable");
    return ProcessResult{0, host.name + ":" + cmd.argv.at(0), {}, false};
  }
  std::size_t peak() const { return peak_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t width_, left_, arrived_ = 0, active_ = 0, peak_ = 0, round_ = 0;
};

std::vector<RemoteJob> jobs(std::size_t n) {
  std::vector<RemoteJob> out;
  for (std::size_t i = 0; i < n; ++i) {
    RemoteJob j;
    j.host = {i == 5 ? "down" : "s" + std::to_string(i), "10.0.0.1"};
    j.command.argv = {"cmd" + std::to_string(i)};
    out.push_back(j);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parallel)

BOOST_AUTO_TEST_CASE(results_in_order_and_bounded) {
  GateShell shell(4, 20);
  auto results = run_parallel(shell, jobs(20), 4);
  BOOST_REQUIRE(results.size() == 20u);
  for (std::size_t i = 0; i < 20; ++i) {
    BOOST_TEST_CONTEXT("job " << i) {
      if (i == 5) {
        BOOST_REQUIRE(!results[i].has_value());
        BOOST_TEST(results[i].error().message == "down: unreachable");
      } else {
        BOOST_REQUIRE(results[i].has_value());
        BOOST_TEST(results[i]->out == "s" + std::to_string(i) + ":cmd" + std::to_string(i));
      }
    }
  }
  BOOST_TEST(shell.peak() == 4u);
}

BOOST_AUTO_TEST_CASE(one_thread_runs_in_order) {
  FakeShell shell;
  auto results = run_parallel(shell, jobs(6), 1);
  BOOST_TEST(results.size() == 6u);
  BOOST_TEST(shell.commands() == (std::vector<std::string>{"cmd0", "cmd1", "cmd2", "cmd3", "cmd4", "cmd5"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parallel_for_visits_each_index_once) {
  std::vector<std::atomic<int>> seen(100);
  parallel_for(100, 7, [&](std::size_t i) { ++seen[i]; });
  for (auto& s : seen) BOOST_TEST(s.load() == 1);
  parallel_for(0, 3, [&](std::size_t) { BOOST_FAIL("no work expected"); });
  parallel_for(3, 0, [&](std::size_t i) { ++seen[i]; });
  BOOST_TEST(seen[2].load() == 2);
}

BOOST_AUTO_TEST_SUITE_END()
