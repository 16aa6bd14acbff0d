// The built quarry binary making, resizing and garbage-collecting cloud
// servers against the mocks: `quarry servers add --cloud digitalocean`
// through Prism, `--cloud ec2` through moto (the model-checking proxy in
// front), a process killed during the boot wait, then `quarry servers gc`.
// moto's instance list must equal quarry's records afterwards.
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cloud/ec2_provider.h"
#include "cloud/local_host.h"
#include "cloud/server_names.h"
#include "core/file_io.h"
#include "core/subprocess.h"
#include "tests/e2e/cloud/mock_apis.h"

using namespace quarry;
using namespace quarry::e2e;
using nlohmann::json;

namespace {

std::string bin() {
  const char* b = std::getenv("QUARRY_BIN");
  return b ? b : "quarry";
}

struct Home {
  std::string dir;
  explicit Home(const json& cloud) {
    auto d = make_temp_dir("quarry-cli-cloud");
    BOOST_REQUIRE(d.has_value());
    dir = *d;
    BOOST_REQUIRE(make_dirs(dir + "/etc", 0755).has_value());
    BOOST_REQUIRE(write_file_atomic(dir + "/etc/cloud.json", cloud.dump(), 0600).has_value());
  }
  ~Home() { (void)remove_all(dir); }
  ProcessResult run(Argv args) const {
    Argv argv{bin(), "--home", dir};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions o;
    o.timeout = std::chrono::seconds(120);
    auto r = run_process(argv, o);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
    return *r;
  }
  json servers() const {
    auto r = run({"servers", "--json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
  }
  std::set<std::string> refs() const {
    std::set<std::string> out;
    for (const auto& s : servers()) out.insert(s.value("provider_ref", ""));
    return out;
  }
};

json do_settings() {
  return {{"provider", "digitalocean"}, {"token", "cli-token"}, {"base_url", prism_proxy().url()},
          {"cluster_id", "cli1"},       {"wait_for_ssh", false},  {"poll_interval", 0.02},
          {"create_timeout", 2}};
}

json ec2_settings() {
  return {{"provider", "ec2"},          {"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", "secret"},
          {"endpoint", moto_proxy().url() + "/"}, {"image_id", "ami-12c6146b"}, {"cluster_id", "cli2"},
          {"wait_for_ssh", false},      {"use_private_ip", true},        {"poll_interval", 0.02},
          {"create_timeout", 30},       {"monthly_prices", {{"t3.small", 15.18}, {"t3.large", 60.74}}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(servers_cli)

BOOST_AUTO_TEST_CASE(add_on_digitalocean_pins_the_host_key_made_on_the_hq) {
  BOOST_REQUIRE_MESSAGE(prism_proxy().error.empty(), prism_proxy().error);
  set_faults(prism_proxy(), "[]");
  clear_log(prism_proxy());
  Home home(do_settings());
  auto r = home.run({"servers", "add", "--cloud", "digitalocean", "--role", "web"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  auto servers = home.servers();
  BOOST_REQUIRE(servers.size() == 1u);
  // Prism answers with its example droplet ("example.com"); the name quarry
  // sent (checked against the spec's pattern by Prism) is in the log.
  BOOST_TEST((r.out + r.err).find("server q-cli1-1") != std::string::npos, r.out + r.err);
  const std::string id = servers[0]["id"];
  auto pin = read_file(home.dir + "/keys/known_hosts/" + id);
  BOOST_REQUIRE(pin.has_value());
  BOOST_TEST(pin->rfind("ssh-ed25519 ", 0) == 0u, *pin);
  BOOST_TEST(list_dir(home.dir + "/cloud/creating").empty());
  auto bad = home.run({"servers", "add", "--cloud", "digitalocean", "--name", "Bad_Name"});
  BOOST_TEST(bad.exit_code == 1);
  BOOST_TEST(bad.err.find("server name \"Bad_Name\"") != std::string::npos, bad.err);
}

BOOST_AUTO_TEST_CASE(add_on_ec2_then_gc_and_resize) {
  BOOST_REQUIRE_MESSAGE(moto_proxy().error.empty(), moto_proxy().error);
  reset_moto();
  set_faults(moto_proxy(), "[]");
  clear_log(moto_proxy());
  Home home(ec2_settings());
  auto r = home.run({"servers", "add", "--cloud", "ec2", "-n", "2", "--memory", "2048", "--cpu", "2"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.out + r.err);
  BOOST_TEST(home.refs().size() == 2u);
  BOOST_TEST(moto_instances("quarry-cli2") == home.refs());
  auto gc = home.run({"servers", "gc", "--dry-run"});
  BOOST_TEST(gc.exit_code == 0, gc.err);
  BOOST_TEST(gc.out.find("no leaks") != std::string::npos, gc.out);
  const std::string id = home.servers()[0]["id"];
  auto rs = home.run({"servers", "resize", id, "--size", "t3.large"});
  BOOST_TEST(rs.exit_code == 0, rs.out + rs.err);
  BOOST_TEST(rs.out.find("t3.large  8192 MB  $60.74/month") != std::string::npos, rs.out);
  // By memory and cpu: the cheapest type that has them (t3.xlarge: no price, but the one with 4 cores).
  auto rm = home.run({"servers", "resize", id, "--memory", "16384", "--cpu", "4"});
  BOOST_TEST(rm.exit_code == 0, rm.out + rm.err);
  for (const auto& s : home.servers())
    if (s["id"] == id) BOOST_TEST(s["memory_mb"].get<int>() == 16384);
  auto grid = home.run({"grid", "--json"});
  BOOST_REQUIRE_MESSAGE(grid.exit_code == 0, grid.err);
  for (const auto& b : json::parse(grid.out)["blocks"])
    if (b["id"] == id) BOOST_TEST(b["memory_mb"].get<int>() == 16384);
  auto none = home.run({"servers", "resize", id});
  BOOST_TEST(none.exit_code == 2, none.out + none.err);
  BOOST_TEST(none.err.find("give --size SLUG, or --memory MB") != std::string::npos, none.err);
  BOOST_TEST(moto_instances("quarry-cli2") == home.refs());
  auto v = violations(moto_proxy());
  BOOST_TEST(v.empty(), v.size() << " model violations, first: " << (v.empty() ? "" : v.front()));
}

BOOST_AUTO_TEST_CASE(a_process_killed_during_the_boot_wait_leaves_a_record_gc_resolves) {
  BOOST_REQUIRE_MESSAGE(moto_proxy().error.empty(), moto_proxy().error);
  reset_moto();
  // Every DescribeInstances hangs: the create is made, then waits.
  set_faults(moto_proxy(), R"([{"match": "DescribeInstances", "times": 1000, "do": "hang", "seconds": 20}])");
  Home home(ec2_settings());
  auto pid = spawn_daemon({bin(), "--home", home.dir, "servers", "add", "--cloud", "ec2"}, home.dir + "/add.log");
  BOOST_REQUIRE(pid.has_value());
  bool launched = false;
  for (int i = 0; i < 600 && !launched; ++i) {
    for (const auto& f : list_dir(home.dir + "/cloud/creating"))
      if (read_file(home.dir + "/cloud/creating/" + f).value_or("").find("\"i-") != std::string::npos) launched = true;
    if (!launched) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(*pid, SIGKILL);
  stop_process(*pid, std::chrono::seconds(1));
  BOOST_REQUIRE_MESSAGE(launched, read_file(home.dir + "/add.log").value_or(""));
  set_faults(moto_proxy(), "[]");
  BOOST_TEST(moto_instances("quarry-cli2").size() == 1u);
  BOOST_TEST(home.servers().empty());
  auto gc = home.run({"servers", "gc"});
  BOOST_TEST(gc.exit_code == 0, gc.out + gc.err);
  BOOST_TEST(gc.out.find("adopted") != std::string::npos, gc.out);
  BOOST_TEST(moto_instances("quarry-cli2") == home.refs());
  BOOST_TEST(list_dir(home.dir + "/cloud/creating").empty());
}

BOOST_AUTO_TEST_SUITE_END()
