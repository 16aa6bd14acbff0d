// `quarry locknet` against real local servers: after the lock, servers reach
// each other on any port, anyone reaches SSH, and a host that is not a peer
// (the HQ itself) reaches nothing else; --unlock opens them again.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/process_stream.h"
#include "core/subprocess.h"

using namespace quarry;

namespace {

std::string bin() {
  const char* b = std::getenv("QUARRY_BIN");
  return b ? b : "quarry";
}

struct Cluster {
  std::string home;
  Cluster() {
    char tmpl[] = "/tmp/qlk.XXXXXX";
    home = mkdtemp(tmpl);
    chmod(home.c_str(), 0755);
  }
  ~Cluster() {
    (void)quarry({"cluster", "down"});
    (void)remove_all(home);
  }
  ProcessResult quarry(std::vector<std::string> args) {
    Argv argv{bin(), "--home", home};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions o;
    o.timeout = std::chrono::seconds(120);
    return run_process(argv, o).value();
  }
};

// Connects from namespace `ns` (empty: this host) to ip:port within 1 s.
bool reaches(const std::string& ns, const std::string& ip, int port) {
  Argv argv;
  if (!ns.empty()) argv = {"ip", "netns", "exec", ns};
  argv.insert(argv.end(), {"python3", "-c",
                           "import socket,sys\n"
                           "s=socket.socket(); s.settimeout(1)\n"
                           "sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)",
                           ip, std::to_string(port)});
  auto r = run_process(argv);
  return r && r->exit_code == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(locknet_cli)

BOOST_AUTO_TEST_CASE(locks_and_unlocks_local_servers) {
  BOOST_REQUIRE_MESSAGE(geteuid() == 0, "cannot run: needs root for network namespaces");
  Cluster c;
  auto add = c.quarry({"servers", "add", "-n", "2", "--memory", "512"});
  BOOST_REQUIRE_MESSAGE(add.exit_code == 0, add.err);
  auto servers = nlohmann::json::parse(c.quarry({"servers", "--json"}).out);
  BOOST_REQUIRE(servers.size() == 2u);
  std::string ns_a = servers[0]["provider_ref"], ns_b = servers[1]["provider_ref"];
  std::string ip_b = servers[1]["ip"];
  // A listener on an arbitrary port in server b, for the life of the test.
  auto listener = ProcessStream::start({"ip", "netns", "exec", ns_b, "python3", "-c",
                                        "import socket,time\n"
                                        "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                                        "s.bind(('0.0.0.0', 7000)); s.listen(16)\n"
                                        "time.sleep(120)"});
  BOOST_REQUIRE(listener.has_value());
  bool up = false;
  for (int i = 0; i < 50 && !up; ++i) {
    up = reaches("", ip_b, 7000);
    if (!up) usleep(100000);
  }
  BOOST_REQUIRE_MESSAGE(up, "the listener in the server did not come up");

  auto lock = c.quarry({"locknet"});
  BOOST_REQUIRE_MESSAGE(lock.exit_code == 0, lock.err);
  BOOST_TEST(lock.out.find("locked " + std::string(servers[1]["id"]) + " (" + ip_b + "): peers, 22") != std::string::npos);
  BOOST_TEST(reaches(ns_a, ip_b, 7000));   // a peer
  BOOST_TEST(reaches("", ip_b, 22));       // SSH is public
  BOOST_TEST(!reaches("", ip_b, 7000));    // the HQ is not a peer
  BOOST_TEST(c.quarry({"locknet"}).exit_code == 0);  // idempotent

  auto unknown = c.quarry({"locknet", "nope"});
  BOOST_TEST(unknown.exit_code == 1);
  BOOST_TEST(unknown.err.find("unknown server 'nope'") != std::string::npos);

  BOOST_REQUIRE(c.quarry({"locknet", "--unlock"}).exit_code == 0);
  BOOST_TEST(reaches("", ip_b, 7000));
}

BOOST_AUTO_TEST_SUITE_END()
