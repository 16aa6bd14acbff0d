// `quarry run -d` and `quarry stop` of the built binary against a docker on
// PATH that only records what it is asked (a shell script answering like
// the engine would): which docker commands each one gives, and --timings.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"

using namespace quarry;

namespace {

const char* kFakeDocker = R"(#!/bin/sh
echo "docker $*" >> "$FAKE_DOCKER_LOG"
case "$1" in
  version) echo 20.10.24 ;;
  run) echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ;;
  inspect) echo 10.9.0.2 ;;
  image) echo sha256:0123 ;;
esac
exit 0
)";

const char* kManifest = R"(name: bench
services:
  counter:
    image: quarry-bench/hello:1
nodes:
  web:
    image: quarry-bench/hello:1
    scale: 3
    depends_on: [counter]
)";

struct RunCli {
  std::string home = make_temp_dir("quarry-run-cli").value();
  std::string work = make_temp_dir("quarry-run-cli-work").value();
  ~RunCli() {
    (void)remove_all(home);
    (void)remove_all(work);
  }
  RunCli() {
    BOOST_REQUIRE(write_file_atomic(work + "/bin/docker", kFakeDocker, 0755).has_value());
    BOOST_REQUIRE(write_file_atomic(work + "/quarry.yml", kManifest).has_value());
  }
  ProcessResult run(std::vector<std::string> args) {
    const char* b = std::getenv("QUARRY_BIN");
    Argv argv{b ? b : "quarry", "--home", home};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions o;
    o.cwd = work;
    o.timeout = std::chrono::seconds(60);
    const char* path = std::getenv("PATH");
    o.env = {{"PATH", work + "/bin:" + (path ? path : "/usr/bin:/bin")}, {"FAKE_DOCKER_LOG", work + "/docker.log"}};
    return run_process(argv, o).value();
  }
  // The docker commands given since the last call.
  std::vector<std::string> docker_log() {
    auto text = read_file(work + "/docker.log");
    (void)remove_all(work + "/docker.log");
    return text ? split_lines(*text) : std::vector<std::string>{};
  }
};

std::size_t count(const std::vector<std::string>& lines, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& l : lines) n += l.starts_with(prefix) ? 1 : 0;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(run_cli)

// Before: each of them asked `docker version` first, one more round trip
// ahead of all the work; the engine is now asked only when a command fails.
BOOST_AUTO_TEST_CASE(run_and_stop_ask_no_version_of_a_working_engine_and_time_their_phases) {
  RunCli c;
  auto up = c.run({"-q", "run", "-d", "--timings"});
  BOOST_TEST_REQUIRE(up.exit_code == 0, up.err);
  auto up_log = c.docker_log();
  BOOST_TEST(count(up_log, "docker version") == 0u);
  BOOST_TEST(count(up_log, "docker run ") == 4u);
  BOOST_TEST(count(up_log, "docker network create ") == 1u);
  for (const char* phase : {"PHASE", "network", "reconcile", "start", "link", "total "}) {
    BOOST_TEST(up.err.find(phase) != std::string::npos, phase << " in:\n" << up.err);
  }

  auto down = c.run({"-q", "stop", "--timings"});
  BOOST_TEST_REQUIRE(down.exit_code == 0, down.err);
  auto down_log = c.docker_log();
  BOOST_TEST(count(down_log, "docker version") == 0u);
  BOOST_TEST(count(down_log, "docker stop ") == 1u);
  BOOST_TEST(count(down_log, "docker rm --force ") == 1u);
  BOOST_TEST(count(down_log, "docker network rm ") == 1u);
  for (const char* phase : {"stop", "remove", "network", "total "}) {
    BOOST_TEST(down.err.find(phase) != std::string::npos, phase << " in:\n" << down.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
