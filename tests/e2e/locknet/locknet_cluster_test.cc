// locknet and the replicated files on a real local cluster, through the
// quarry binary: a router and two workers (namespaces with sshd and dockerd,
// real iptables), the example app deployed, and a namespace outside the
// cluster on the same bridge. The cases share one cluster and run in order.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "tests/e2e/deploy/e2e_cluster.h"
#include "tests/e2e/locknet/netns_lab.h"

using namespace quarry;
using namespace quarry::e2e;
using namespace quarry::testing;
using std::chrono::milliseconds;

namespace {

const milliseconds kTimeout{1000};
constexpr int kListenPort = 7000;

struct Published {
  std::string server;  // id
  std::string ip;
  int port = 0;
};

struct Shared {
  TestCluster cluster;
  std::string error;
  std::string bridge;
  std::string prefix;  // "10.77.X."
  BridgeGuest outsider;
  Published counter, web;
  std::vector<int> fds;
  std::string added;   // the server added later: id
  std::string added_ip;
  std::string added_ns;
  bool started = false;
  ~Shared() {
    for (int fd : fds) ::close(fd);
  }
};

Status setup(Shared& s) {
  if (auto why = TestCluster::missing_prerequisite(); !why.empty()) return fail("cannot run here: " + why);
  for (const char* p : {"iptables", "ip6tables", "iptables-restore", "ip6tables-restore"})
    if (!have_program(p)) return fail(std::string("cannot run here: no ") + p);
  auto& c = s.cluster;
  if (auto st = c.start(2, 1024, R"({"policy": "spread", "autosize": false})"); !st) return st;
  auto text = read_file(c.home() + "/cloud/local/cluster.json");
  if (!text) return std::unexpected(text.error());
  auto j = nlohmann::json::parse(*text);
  s.bridge = "qbr-" + j.at("cluster_id").get<std::string>();
  s.prefix = "10.77." + std::to_string(j.at("subnet_octet").get<int>()) + ".";
  if (auto st = c.quarry_ok({"deploy", "-f", c.manifest(), "--drain", "300"}); !st) return st;
  auto ps = c.ps("hello");
  if (!ps) return std::unexpected(ps.error());
  for (const auto& r : *ps) {
    Published p{r.at("server").get<std::string>(), "", r.at("host_port").get<int>()};
    if (auto* info = c.server(p.server)) p.ip = info->ip;
    if (r.at("node") == "counter") s.counter = p;
    if (r.at("node") == "web" && s.web.port == 0) s.web = p;
  }
  if (s.counter.port == 0 || s.web.port == 0) return fail("quarry ps shows no published counter and web");
  // A listener on a port nobody publishes, in every server.
  for (const auto& srv : c.servers()) {
    auto fd = listen_in(srv.netns, kListenPort);
    if (!fd) return std::unexpected(fd.error());
    s.fds.push_back(*fd);
  }
  return s.outsider.create(s.bridge, s.prefix + "250/24");
}

Shared& lab() {
  static Shared s;
  if (!s.started) {
    s.started = true;
    if (auto st = setup(s); !st) s.error = st.error().message;
  }
  BOOST_REQUIRE_MESSAGE(s.error.empty(), s.error);
  return s;
}

void expect(const std::string& from, const std::string& ip, int port, bool answers, const std::string& what) {
  auto got = connect_from(from, ip, port, kTimeout);
  BOOST_TEST_CONTEXT(what << ": " << from << " -> " << ip << ":" << port << " " << to_string(got)) {
    if (answers) BOOST_TEST((got == Reach::Connected || got == Reach::Refused));
    else BOOST_TEST(std::string(to_string(got)) == "timed out");
  }
}

nlohmann::json status(const TestCluster& c) {
  auto r = c.quarry({"locknet", "--status", "--json"});
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception&) {
    BOOST_FAIL("quarry locknet --status --json: exit " << r.exit_code << ": " << r.err << r.out);
  }
  return {};
}

bool all_match(const TestCluster& c) {
  auto j = status(c);
  for (const auto& r : j)
    if (!r.at("ok").get<bool>()) return false;
  return !j.empty();
}

std::string iptables_s(const std::string& ns) {
  auto r = run_process({"ip", "netns", "exec", ns, "iptables", "-w", "5", "-S"});
  return r ? r->out : "";
}

// 02:00 and the IPv4 octets: the MAC the local cloud gives an address.
std::string mac_of(const std::string& ip) {
  auto o = split(ip, '.');
  char b[32];
  std::snprintf(b, sizeof b, "02:00:%02x:%02x:%02x:%02x", std::stoi(o[0]), std::stoi(o[1]), std::stoi(o[2]),
                std::stoi(o[3]));
  return b;
}

unsigned file_mode(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(locknet_cluster)

BOOST_AUTO_TEST_CASE(outsiders_reach_only_ssh_and_the_router) {
  auto& s = lab();
  auto& c = s.cluster;
  const auto& out = s.outsider.ns();
  for (const auto& srv : c.servers()) {
    expect(out, srv.ip, 22, true, "ssh is public");
    expect(out, srv.ip, kListenPort, false, "an unpublished port");
    expect(out, srv.ip, 80, srv.router, "HTTP on the router only");
    expect(out, srv.ip, 443, srv.router, "HTTPS on the router only");
  }
  expect(out, s.counter.ip, s.counter.port, false, "the service's published port");
  expect(out, s.web.ip, s.web.port, false, "a node's published port");
  // Members reach everything, published ports included.
  const auto& router = c.router();
  for (const auto& srv : c.servers()) {
    if (srv.router) continue;
    expect(router.netns, srv.ip, kListenPort, true, "member to member");
    expect(srv.netns, router.ip, kListenPort, true, "member to router");
  }
  expect(router.netns, s.counter.ip, s.counter.port, true, "member to the service's published port");
  // The app works through the locked cluster (web nodes dial the counter).
  auto body = c.get("hello.quarry.test", "/");
  BOOST_TEST_REQUIRE(body.has_value(), (body ? "" : body.error().message));
  BOOST_TEST(all_match(c));
  for (const auto& srv : c.servers())
    BOOST_TEST(iptables_s(srv.netns).find("-A DOCKER-USER -j QUARRY-DOCKER") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_config_file_and_the_hosts_file_reach_every_server) {
  auto& s = lab();
  auto& c = s.cluster;
  auto local = c.home() + "/flags.json";
  BOOST_REQUIRE(write_file_atomic(local, "{\"beta\": true}\n", 0644).has_value());
  BOOST_REQUIRE_MESSAGE(c.quarry_ok({"config", "put", "app/flags.json", local, "--mode", "0640"}).has_value(),
                        c.quarry({"config", "ls"}).err);
  for (const auto& srv : c.servers()) {
    BOOST_TEST_CONTEXT(srv.id) {
      auto path = srv.dir + "/files/app/flags.json";
      BOOST_TEST(read_file(path).value_or("") == "{\"beta\": true}\n");
      BOOST_TEST(file_mode(path) == 0640u);
      auto hosts = read_file(srv.dir + "/files/hosts").value_or("");
      BOOST_TEST(hosts.find(s.counter.ip + "\tcounter.hello.quarry\n") != std::string::npos);
      BOOST_TEST(hosts.find(srv.ip + "\t" + srv.id + "\n") != std::string::npos, hosts + c.quarry({"servers", "--json"}).out);
    }
  }
  auto ls = nlohmann::json::parse(c.quarry({"config", "ls", "--json"}).out);
  for (const auto& r : ls.at("servers")) BOOST_TEST(r.at("ok").get<bool>());
  // The web node resolves the service's stable name and sees the files.
  const auto* web = c.server(s.web.server);
  BOOST_REQUIRE(web);
  auto names = c.engine_containers(*web, "hello");
  BOOST_REQUIRE(names.has_value());
  std::string web_name;
  for (const auto& line : *names)
    if (line.find("web") != std::string::npos) web_name = split(line, ' ')[0];
  auto inspect = run_process({"docker", "-H", "unix://" + web->dir + "/docker.sock", "inspect", "--format",
                              "{{json .HostConfig.ExtraHosts}} {{json .HostConfig.Binds}}", web_name});
  BOOST_REQUIRE(inspect.has_value());
  BOOST_TEST(inspect->out.find("counter.hello.quarry:" + s.counter.ip) != std::string::npos, inspect->out);
  BOOST_TEST(inspect->out.find(web->dir + "/files:/etc/quarry:ro") != std::string::npos, inspect->out);
}

BOOST_AUTO_TEST_CASE(a_server_added_later_is_locked_in_and_has_the_files) {
  auto& s = lab();
  auto& c = s.cluster;
  auto before = nlohmann::json::parse(c.quarry({"servers", "--json"}).out);
  BOOST_REQUIRE(c.quarry_ok({"servers", "add", "--memory", "512"}).has_value());
  auto after = nlohmann::json::parse(c.quarry({"servers", "--json"}).out);
  BOOST_REQUIRE(after.size() == before.size() + 1);
  for (const auto& j : after) {
    bool known = false;
    for (const auto& b : before) known |= b.at("id") == j.at("id");
    if (known) continue;
    s.added = j.at("id").get<std::string>();
    s.added_ip = j.at("ip").get<std::string>();
    s.added_ns = j.at("provider_ref").get<std::string>();
  }
  auto dir = c.home() + "/cloud/local/servers/" + s.added_ns;
  BOOST_TEST(read_file(dir + "/files/app/flags.json").value_or("") == "{\"beta\": true}\n");
  auto fd = listen_in(s.added_ns, kListenPort);
  BOOST_REQUIRE(fd.has_value());
  s.fds.push_back(*fd);
  // At once: no pass of anything in between.
  expect(c.router().netns, s.added_ip, kListenPort, true, "old member to the new one");
  expect(s.added_ns, s.counter.ip, s.counter.port, true, "the new one to the service's published port");
  expect(s.outsider.ns(), s.added_ip, kListenPort, false, "outsider to the new one");
  expect(s.outsider.ns(), s.added_ip, 22, true, "ssh on the new one");
  for (const auto& srv : c.servers()) {
    auto hosts = read_file(srv.dir + "/files/hosts").value_or("");
    BOOST_TEST(hosts.find(s.added_ip + "\t" + s.added + "\n") != std::string::npos);
  }
  BOOST_TEST(all_match(c));
}

BOOST_AUTO_TEST_CASE(flushed_rules_and_a_deleted_file_come_back_in_one_pass) {
  auto& s = lab();
  auto& c = s.cluster;
  const auto& worker = c.servers().back();
  // As after a reboot: quarry's rules gone (the jumps too), and a file lost.
  for (const auto& cmd : {"iptables -w 5 -D INPUT -j QUARRY-LOCKNET", "iptables -w 5 -F QUARRY-LOCKNET",
                          "iptables -w 5 -D DOCKER-USER -j QUARRY-DOCKER"}) {
    Argv argv = {"ip", "netns", "exec", worker.netns};
    for (const auto& w : split(cmd, ' ')) argv.push_back(w);
    BOOST_REQUIRE(run_checked(argv).has_value());
  }
  BOOST_REQUIRE(remove_all(worker.dir + "/files/app/flags.json").has_value());
  expect(s.outsider.ns(), worker.ip, kListenPort, true, "open after the flush");
  BOOST_TEST(!all_match(c));
  BOOST_TEST(c.quarry({"locknet", "--status"}).exit_code == 3);

  // One pass of the keeper.
  BOOST_REQUIRE(c.quarry_ok({"locknet"}).has_value());
  expect(s.outsider.ns(), worker.ip, kListenPort, false, "closed again");
  expect(s.outsider.ns(), s.counter.ip, s.counter.port, false, "published port closed again");
  BOOST_TEST(all_match(c));
  BOOST_TEST(read_file(worker.dir + "/files/app/flags.json").value_or("") == "{\"beta\": true}\n");
}

BOOST_AUTO_TEST_CASE(a_removed_server_is_cut_off) {
  auto& s = lab();
  auto& c = s.cluster;
  BOOST_REQUIRE(!s.added.empty());
  BOOST_REQUIRE(c.quarry_ok({"servers", "rm", s.added}).has_value());
  for (const auto& srv : c.servers()) {
    BOOST_TEST_CONTEXT(srv.id) {
      BOOST_TEST(iptables_s(srv.netns).find("-s " + s.added_ip + "/32") == std::string::npos);
      auto hosts = read_file(srv.dir + "/files/hosts").value_or("");
      BOOST_TEST(hosts.find(s.added_ip) == std::string::npos);
    }
  }
  // A host that takes its address (and MAC) now counts as an outsider.
  BridgeGuest ghost;
  BOOST_REQUIRE(ghost.create(s.bridge, s.added_ip + "/24", mac_of(s.added_ip)).has_value());
  expect(ghost.ns(), c.router().ip, kListenPort, false, "the removed address to a member");
  expect(ghost.ns(), s.counter.ip, s.counter.port, false, "the removed address to a published port");
  expect(ghost.ns(), c.router().ip, 22, true, "ssh stays public");
  BOOST_TEST(all_match(c));
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// The servers `quarry servers --json` lists now, by id.
std::map<std::string, ServerInfo> listed_servers(const TestCluster& c) {
  std::map<std::string, ServerInfo> out;
  for (const auto& j : nlohmann::json::parse(c.quarry({"servers", "--json"}).out)) {
    ServerInfo s;
    s.id = j.at("id").get<std::string>();
    s.ip = j.at("ip").get<std::string>();
    s.netns = j.value("provider_ref", s.id);
    s.dir = c.home() + "/cloud/local/servers/" + s.netns;
    out[s.id] = s;
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(locknet_cluster_moves)

// The counter service is lost from its server; the control loop starts it
// again where the grid has the most room (a big server added for it), the
// hosts file follows it in the same pass, and a later pass redeploys web,
// which dials it, through the zero-downtime path with the new address.
BOOST_AUTO_TEST_CASE(the_hosts_file_and_the_dependents_follow_a_moved_service) {
  auto& s = lab();
  auto& c = s.cluster;
  auto before = listed_servers(c);
  BOOST_REQUIRE(c.quarry_ok({"servers", "add", "--memory", "4096"}).has_value());
  auto after = listed_servers(c);
  ServerInfo big;
  for (const auto& [id, srv] : after)
    if (!before.count(id)) big = srv;
  BOOST_REQUIRE(!big.id.empty());
  auto ps = c.ps("hello").value();
  std::string counter_name;
  int web_release = 0;
  for (const auto& r : ps) {
    if (r.at("node") == "counter") counter_name = r.value("name", "");
    else web_release = std::max(web_release, r.value("release", 0));
  }
  const auto* old = c.server(s.counter.server);
  BOOST_REQUIRE(old);
  BOOST_REQUIRE(c.engine(*old, {"rm", "-f", counter_name}).has_value());

  // Bounded: a pass replaces the counter, a later one refreshes web.
  std::string counter_at;
  bool refreshed = false;
  for (int pass = 0; pass < 6 && !refreshed; ++pass) {
    auto r = c.quarry({"hq", "serve", "--once"});
    BOOST_TEST_MESSAGE("pass " << pass << ": " << r.out << r.err);
    ps = c.ps("hello").value();
    int fresh_web = 0;
    std::string counter_addr;  // where web must dial it
    for (const auto& rec : ps) {
      if (rec.at("node") == "counter" && rec.contains("server")) {
        counter_at = rec.at("server").get<std::string>();
        if (after.count(counter_at))
          counter_addr = after.at(counter_at).ip + ":" + std::to_string(rec.at("host_port").get<int>());
      }
    }
    for (const auto& rec : ps) {
      if (rec.at("node") == "web" && rec.value("release", 0) > web_release && rec.contains("links") &&
          rec.at("links").value("counter", "") == counter_addr)
        ++fresh_web;
    }
    refreshed = fresh_web == 2 && ps.size() == 3;
  }
  BOOST_TEST_REQUIRE(counter_at == big.id);
  BOOST_TEST_REQUIRE(refreshed, c.quarry({"events", "hello"}).out);
  auto events = c.quarry({"events", "hello"}).out;
  BOOST_TEST(events.find("refreshed") != std::string::npos, events);

  // Every server's hosts file names the counter at its new server.
  for (const auto& [id, srv] : after) {
    BOOST_TEST_CONTEXT(id) {
      auto hosts = read_file(srv.dir + "/files/hosts").value_or("");
      BOOST_TEST(hosts.find(big.ip + "\tcounter.hello.quarry\n") != std::string::npos, hosts);
    }
  }
  // Through the router, every web replica dials the counter where it is now.
  for (int i = 0; i < 4; ++i) {
    auto host = c.get("hello.quarry.test", "/env/COUNTER_HOST");
    BOOST_TEST_REQUIRE(host.has_value(), (host ? "" : host.error().message));
    BOOST_TEST(*host == big.ip);
    auto body = c.get("hello.quarry.test", "/");
    BOOST_TEST_REQUIRE(body.has_value(), (body ? "" : body.error().message));
    BOOST_TEST(body->find("visit ?") == std::string::npos, *body);
  }
}

BOOST_AUTO_TEST_SUITE_END()
