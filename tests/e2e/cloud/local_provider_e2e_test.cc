// LocalProvider end to end: real namespaces, bridge, sshd and dockerd on this
// machine. Needs root. Each run uses its own cluster id and removes all it
// made, also when an assertion fails (ClusterGuard).
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <iostream>

#include "cloud/local_host.h"
#include "cloud/local_network.h"
#include "cloud/local_provider.h"
#include "cloud/waiting.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/subprocess.h"
#include "core/text.h"

using namespace quarry;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string unique_cluster_id() {
  char buf[16];
  auto t = static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count() / 1000);
  std::snprintf(buf, sizeof buf, "e%05x", (t ^ static_cast<unsigned>(getpid()) * 2654435761u) & 0xfffff);
  return buf;
}

struct ClusterGuard {
  LocalProvider& provider;
  std::string home;
  ~ClusterGuard() {
    if (auto s = provider.destroy_all(); !s) std::cerr << "cleanup: " << s.error().message << "\n";
    (void)remove_all(home);
  }
};

// Everything of the cluster that could outlive it, as lines; empty when clean.
std::vector<std::string> leftovers(const LocalNames& n, const std::string& home) {
  std::vector<std::string> out;
  for (const auto& ns : netns_with_prefix(n.netns_prefix())) out.push_back("netns " + ns);
  for (const auto& l : links_with_prefix(n.veth_prefix())) out.push_back("link " + l);
  if (link_exists(n.bridge())) out.push_back("bridge " + n.bridge());
  for (const auto& m : mounts_under(home)) out.push_back("mount " + m);
  for (const auto& e : list_dir("/proc")) {
    if (e.empty() || e.find_first_not_of("0123456789") != std::string::npos) continue;
    if (process_cmdline(std::stoi(e)).find(home) != std::string::npos) out.push_back("process " + e);
  }
  for (const auto& c : list_dir("/sys/fs/cgroup"))
    for (const auto& g : list_dir("/sys/fs/cgroup/" + c))
      if (starts_with(g, "docker-" + n.netns_prefix())) out.push_back("cgroup " + c + "/" + g);
  auto rule = run_process(forward_rule_argv("-C", n.bridge()));
  if (rule && rule->ok()) out.push_back("iptables rule for " + n.bridge());
  return out;
}

struct SshClient {
  std::string key;
  std::string known_hosts;

  Argv argv(const std::string& ip, const std::string& user, const Argv& command) const {
    Argv a = {"ssh", "-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
              "-o", "UserKnownHostsFile=" + known_hosts, "-o", "ConnectTimeout=5", user + "@" + ip};
    a.insert(a.end(), command.begin(), command.end());
    return a;
  }
};

// A busybox image tarball, so that a container can run without any registry.
std::string busybox_rootfs_tar(const std::string& dir) {
  auto root = dir + "/rootfs";
  BOOST_REQUIRE(make_dirs(root + "/bin").has_value());
  BOOST_REQUIRE(run_checked({"cp", "/bin/busybox", root + "/bin/busybox"}).has_value());
  BOOST_REQUIRE(symlink("busybox", (root + "/bin/sleep").c_str()) == 0);
  BOOST_REQUIRE(symlink("busybox", (root + "/bin/sh").c_str()) == 0);
  auto tar = run_checked({"tar", "-C", root, "-c", "."});
  BOOST_REQUIRE(tar.has_value());
  return tar->out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_provider)

BOOST_AUTO_TEST_CASE(two_servers_ssh_docker_and_full_cleanup) {
  BOOST_REQUIRE_MESSAGE(geteuid() == 0, "cannot run: the local cloud needs root");
  auto home = make_temp_dir("quarry-cloud-e2e");
  BOOST_REQUIRE(home.has_value());
  chmod(home->c_str(), 0755);
  BOOST_REQUIRE(run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", *home + "/hq_key"}).has_value());
  auto pub = read_file(*home + "/hq_key.pub");
  BOOST_REQUIRE(pub.has_value());

  LocalCloudConfig config;
  config.state_dir = *home + "/cloud/local";
  config.cluster_id = unique_cluster_id();
  config.authorized_key = *pub;
  config.stop_timeout = std::chrono::seconds(10);
  LocalProvider provider(config);
  set_log_level(LogLevel::Verbose);  // the per-phase timings of create()
  ClusterGuard guard{provider, *home};
  BOOST_TEST_MESSAGE("cluster " << config.cluster_id << " in " << *home);

  // Two servers at once: the lock must hand out distinct indexes.
  auto t0 = Clock::now();
  auto f1 = std::async(std::launch::async, [&] { return provider.create(ServerSpec{"one", 512, 1, {"role=web"}}); });
  auto f2 = std::async(std::launch::async, [&] { return provider.create(ServerSpec{"two", 1024, 2, {}}); });
  auto s1 = f1.get();
  auto s2 = f2.get();
  auto parallel_ms = ms_since(t0);
  BOOST_REQUIRE_MESSAGE(s1.has_value(), (s1 ? std::string() : s1.error().message));
  BOOST_REQUIRE_MESSAGE(s2.has_value(), (s2 ? std::string() : s2.error().message));
  std::cout << "local cloud: two servers created in parallel in " << parallel_ms << " ms\n";
  BOOST_TEST(s1->ip != s2->ip);
  BOOST_TEST(s1->provider == "local");
  BOOST_TEST(s1->ssh_user == "quarry-ssh");
  BOOST_TEST(s1->memory_mb == 512);
  BOOST_TEST(s1->tags == std::vector<std::string>{"role=web"});
  BOOST_TEST(!s1->host_key.empty());

  // Pin the returned host keys: ssh must accept exactly those.
  SshClient ssh{*home + "/hq_key", *home + "/known_hosts"};
  std::string kh;
  for (const auto* s : {&*s1, &*s2}) kh += s->ip + " ssh-ed25519 " + s->host_key + "\n";
  BOOST_REQUIRE(write_file_atomic(ssh.known_hosts, kh, 0600).has_value());

  for (const auto* s : {&*s1, &*s2}) {
    BOOST_TEST_CONTEXT(s->id) {
      BOOST_TEST(tcp_accepts(s->ip, 22, std::chrono::seconds(2)));
      auto v = run_checked(ssh.argv(s->ip, s->ssh_user, {"docker", "version", "--format", "{{.Server.Version}}"}));
      BOOST_REQUIRE_MESSAGE(v.has_value(), (v ? std::string() : v.error().message));
      BOOST_TEST(!trim(v->out).empty());
    }
  }
  // The servers reach each other over the bridge: ssh from inside server 1
  // to server 2.
  auto across = run_checked({"ip", "netns", "exec", s1->provider_ref, "ssh", "-i", ssh.key, "-o", "BatchMode=yes",
                             "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + ssh.known_hosts,
                             s2->ssh_user + "@" + s2->ip, "echo", "reached"});
  BOOST_REQUIRE_MESSAGE(across.has_value(), (across ? std::string() : across.error().message));
  BOOST_TEST(trim(across->out) == "reached");

  // A running container on server 2, so that destroy has mounts, a shim and
  // a cgroup to clean up.
  ProcessOptions in;
  in.stdin_data = busybox_rootfs_tar(*home);
  auto imported = run_checked(ssh.argv(s2->ip, s2->ssh_user, {"docker", "import", "-", "qbusy:1"}), in);
  BOOST_REQUIRE_MESSAGE(imported.has_value(), (imported ? std::string() : imported.error().message));
  auto ran = run_checked(ssh.argv(s2->ip, s2->ssh_user,
                                  {"docker", "run", "-d", "--stop-timeout", "1", "qbusy:1", "sleep", "1000"}));
  BOOST_REQUIRE_MESSAGE(ran.has_value(), (ran ? std::string() : ran.error().message));
  BOOST_TEST(!mounts_under(config.state_dir + "/servers/" + s2->id).empty());

  auto listed = provider.list();
  BOOST_REQUIRE(listed.has_value());
  BOOST_REQUIRE(listed->size() == 2u);
  BOOST_TEST((*listed)[0].id == std::min(s1->id, s2->id));
  BOOST_TEST((*listed)[0].host_key != "");

  // Destroy server 2: nothing of it remains, server 1 still answers.
  t0 = Clock::now();
  auto d = provider.destroy(*s2);
  auto destroy_ms = ms_since(t0);
  BOOST_REQUIRE_MESSAGE(d.has_value(), (d ? std::string() : d.error().message));
  std::cout << "local cloud: destroy of a server with one container took " << destroy_ms << " ms\n";
  BOOST_TEST(!netns_exists(s2->provider_ref));
  BOOST_TEST(mounts_under(config.state_dir + "/servers/" + s2->id).empty());
  BOOST_TEST(provider.list()->size() == 1u);
  BOOST_TEST(provider.destroy(*s2).has_value());  // idempotent
  BOOST_TEST(run_checked(ssh.argv(s1->ip, s1->ssh_user, {"true"})).has_value());

  // One more, alone, to measure create and destroy of an empty server.
  t0 = Clock::now();
  auto s3 = provider.create(ServerSpec{"three", 512, 1, {}});
  auto create_ms = ms_since(t0);
  BOOST_REQUIRE_MESSAGE(s3.has_value(), (s3 ? std::string() : s3.error().message));
  t0 = Clock::now();
  BOOST_REQUIRE(provider.destroy(*s3).has_value());
  std::cout << "local cloud: create one server " << create_ms << " ms, destroy it " << ms_since(t0) << " ms\n";

  // Everything goes with destroy_all, and it is idempotent.
  auto names = provider.names();
  t0 = Clock::now();
  auto all = provider.destroy_all();
  BOOST_REQUIRE_MESSAGE(all.has_value(), (all ? std::string() : all.error().message));
  std::cout << "local cloud: destroy_all of one server and the bridge took " << ms_since(t0) << " ms\n";
  BOOST_TEST(provider.destroy_all().has_value());
  auto left = leftovers(names, *home);
  BOOST_TEST(left.empty(), "left over: " << join(left, ", "));
  BOOST_TEST(provider.list()->empty());
}

BOOST_AUTO_TEST_CASE(bad_settings_fail_before_touching_anything) {
  LocalCloudConfig config;
  config.state_dir = "/tmp/quarry-never-made";
  config.cluster_id = "Bad_Id";
  config.authorized_key = "ssh-ed25519 AAAA x";
  LocalProvider p(config);
  auto s = p.create(ServerSpec{});
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "local cloud: cluster id \"Bad_Id\" must be 1-6 characters of [a-z0-9]");
  BOOST_TEST(!path_exists("/tmp/quarry-never-made"));
}

BOOST_AUTO_TEST_SUITE_END()
