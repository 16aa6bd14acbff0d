// The store contract (tests/unit/store/store_contract.h) against EtcdStore
// on a real single-member etcd started on a loopback port.
#include <sys/wait.h>
#include <unistd.h>

#include "store/etcd_store.h"
#include "tests/e2e/store/etcd_lab.h"
#include "tests/unit/store/store_contract.h"

using namespace quarry;
using quarry::contract::Backend;

namespace {

e2e::EtcdLab& lab() {
  static e2e::EtcdLab l;
  static bool started = [] {
    auto why = e2e::EtcdLab::missing_prerequisite();
    BOOST_REQUIRE_MESSAGE(why.empty(), why);
    auto s = l.start(1);
    BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
    return true;
  }();
  (void)started;
  return l;
}

// Each case gets its own prefix: an empty store.
EtcdOptions options_for(int n) {
  auto o = lab().options();
  o.prefix = "/quarry-contract-" + std::to_string(n) + "/";
  return o;
}

Backend& backend() {
  static int n = 0;
  static Backend b{
      "etcd",
      [] {
        ++n;
        return std::unique_ptr<Store>(std::make_unique<EtcdStore>(options_for(n)));
      },
      [] { return std::unique_ptr<Store>(std::make_unique<EtcdStore>(options_for(n))); },
      [](Store&, const std::string& name) {
        pid_t child = fork();
        if (child == 0) {
          EtcdStore mine(options_for(n));
          mine.set_lock_ttl(std::chrono::seconds(2));
          auto held = mine.lock(name, "a holder that dies");
          _exit(held ? 0 : 1);  // dies holding it: the lease is never revoked
        }
        int status = 0;
        waitpid(child, &status, 0);
        BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      },
      std::chrono::milliseconds(2000)};
  return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_contract_etcd)
QUARRY_STORE_CONTRACT()

BOOST_AUTO_TEST_CASE(unreachable_etcd_is_a_clear_remote_error) {
  auto port = e2e::free_loopback_port();
  EtcdOptions o;
  o.endpoints = {"127.0.0.1:" + std::to_string(port), "127.0.0.1:" + std::to_string(port + 1 == 65536 ? 1 : port + 1)};
  EtcdStore store(o);
  auto got = store.get("grid/grid.json");
  BOOST_REQUIRE(!got.has_value());
  BOOST_TEST(got.error().exit_code() == 3);
  BOOST_TEST(got.error().message.find(o.endpoints[0]) != std::string::npos, got.error().message);
  BOOST_TEST(got.error().message.find(o.endpoints[1]) != std::string::npos, got.error().message);
  BOOST_TEST(!store.put("grid/grid.json", "x").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
