// A 3-member etcd cluster on loopback ports: losing one member changes
// nothing, losing two is a clear error that corrupts nothing, restoring one
// brings everything back; leadership moves when a leader dies and a paused
// old leader cannot write once another leads; the CLI works on the cluster.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "store/dir_store.h"
#include "store/etcd_leadership.h"
#include "store/etcd_store.h"
#include "store/fenced_store.h"
#include "store/records.h"
#include "tests/e2e/store/etcd_lab.h"

using namespace quarry;
using namespace std::chrono_literals;

namespace {

struct Lab {
  e2e::EtcdLab etcd;
  Lab() {
    auto why = e2e::EtcdLab::missing_prerequisite();
    BOOST_REQUIRE_MESSAGE(why.empty(), why);
    auto s = etcd.start(3);
    BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  }
  EtcdOptions options(std::string prefix, std::chrono::milliseconds timeout = 2000ms) const {
    auto o = etcd.options();
    o.prefix = std::move(prefix);
    o.timeout = timeout;
    return o;
  }
};

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

ProcessResult quarry_cli(const Argv& args, const std::map<std::string, std::string>& env = {}) {
  const char* bin = std::getenv("QUARRY_BIN");
  BOOST_REQUIRE_MESSAGE(bin && *bin, "QUARRY_BIN is not set (ctest sets it to the built quarry)");
  Argv argv{bin};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o;
  o.env = env;
  o.timeout = 60s;
  auto r = run_process(argv, o);
  BOOST_REQUIRE(r.has_value());
  return *r;
}

// `quarry --home HOME --store URL hq serve --id ID` in the background, its
// output into HOME/serve.log.
pid_t spawn_serve(const std::string& home, const std::string& url, const std::string& id) {
  const char* bin = std::getenv("QUARRY_BIN");
  BOOST_REQUIRE_MESSAGE(bin && *bin, "QUARRY_BIN is not set (ctest sets it to the built quarry)");
  pid_t pid = fork();
  if (pid == 0) {
    auto log = home + "/serve.log";
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) _exit(126);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(bin, bin, "--home", home.c_str(), "--store", url.c_str(), "hq", "serve", "--id", id.c_str(),
          "--address", "127.0.0.1", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

std::string leader_of(const std::string& url) {
  auto r = quarry_cli({"--store", url, "hq", "status", "--json"});
  if (r.exit_code != 0) return "?";
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  return j.is_object() ? j.value("leader", "?") : "?";
}

std::int64_t checked_ms(EtcdStore& store, const std::string& server) {
  auto got = store.get("servers/" + server + "/health");
  if (!got || !*got) return 0;
  auto j = nlohmann::json::parse(**got, nullptr, false);
  return j.is_object() ? j.value("checked_ms", std::int64_t{0}) : 0;
}

std::string health_state(EtcdStore& store, const std::string& server) {
  auto got = store.get("servers/" + server + "/health");
  if (!got || !*got) return "";
  auto j = nlohmann::json::parse(**got, nullptr, false);
  return j.is_object() ? j.value("state", "") : "";
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(etcd_cluster)

// Two HQs run `quarry hq serve` on one etcd: one leads and passes, the other
// waits; when the leader is killed (SIGKILL: no resignation), the other
// takes the loop over within about one lease (3 s) and its passes write.
BOOST_AUTO_TEST_CASE(serve_moves_to_the_other_hq_when_the_leader_dies) {
  Lab lab;
  auto url = lab.etcd.url() + "/q6";
  EtcdStore store(lab.options("/q6/"));
  // A server that never answers (a closed loopback port): each pass of the
  // leader records its health, which shows whose passes are running.
  ServerRecord silent;
  silent.id = "s1";
  silent.name = "silent";
  silent.provider = "manual";
  silent.ip = "127.0.0.1";
  silent.ssh_port = e2e::free_loopback_port();
  BOOST_REQUIRE(save_server(store, silent).has_value());
  auto home1 = make_temp_dir("quarry-hq1").value(), home2 = make_temp_dir("quarry-hq2").value();
  pid_t hq1 = spawn_serve(home1, url, "hq-1");
  std::string leader;
  for (int i = 0; i < 100 && leader != "hq-1"; ++i) {
    std::this_thread::sleep_for(100ms);
    leader = leader_of(url);
  }
  BOOST_REQUIRE_MESSAGE(leader == "hq-1", "hq-1 never led: " + read_file(home1 + "/serve.log").value_or(""));
  pid_t hq2 = spawn_serve(home2, url, "hq-2");
  std::this_thread::sleep_for(2000ms);  // hq-2 campaigns and waits
  BOOST_TEST(leader_of(url) == "hq-1");
  std::int64_t before = checked_ms(store, "s1");
  BOOST_TEST(before > 0, "hq-1's passes record the server's health");

  kill(hq1, SIGKILL);
  waitpid(hq1, nullptr, 0);
  auto killed = std::chrono::steady_clock::now();
  std::int64_t killed_wall = wall_ms();
  // A server cut off while nobody leads: the new leader must find it down
  // within its own passes, with no blind spot after the takeover.
  ServerRecord cut = silent;
  cut.id = "s2";
  cut.name = "cut";
  cut.ssh_port = e2e::free_loopback_port();
  BOOST_REQUIRE(save_server(store, cut).has_value());
  for (int i = 0; i < 150 && leader != "hq-2"; ++i) {
    std::this_thread::sleep_for(100ms);
    leader = leader_of(url);
  }
  auto takeover = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  BOOST_TEST_MESSAGE("hq serve takeover after the leading HQ was killed: " << takeover.count() << " ms (lease 3 s)");
  BOOST_TEST(leader == "hq-2", read_file(home2 + "/serve.log").value_or(""));
  BOOST_TEST((takeover < 8000ms));
  std::int64_t after = 0;
  for (int i = 0; i < 100 && after <= killed_wall; ++i) {
    std::this_thread::sleep_for(100ms);
    after = checked_ms(store, "s1");
  }
  BOOST_TEST(after > killed_wall, "hq-2's passes write once it leads");
  std::string cut_state;
  for (int i = 0; i < 150 && cut_state != "down"; ++i) {
    std::this_thread::sleep_for(100ms);
    cut_state = health_state(store, "s2");
  }
  auto cut_down = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  BOOST_TEST_MESSAGE("a server cut off during the takeover is down " << cut_down.count()
                                                                    << " ms after the leader was killed");
  BOOST_TEST(cut_state == "down", "the new leader marks the server cut during the takeover down");
  BOOST_TEST((cut_down < 12000ms));
  auto log2 = read_file(home2 + "/serve.log").value_or("");
  BOOST_TEST(log2.find("waiting: HQ hq-1") != std::string::npos, log2);
  BOOST_TEST(log2.find("hq-2 leads (term 2)") != std::string::npos, log2);
  BOOST_TEST(log2.find("fenced") == std::string::npos, log2);

  kill(hq2, SIGTERM);  // a clean stop resigns: nobody leads
  int status = 0;
  waitpid(hq2, &status, 0);
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  BOOST_TEST(leader_of(url) == "");
  (void)remove_all(home1);
  (void)remove_all(home2);
}

BOOST_AUTO_TEST_CASE(quorum_loss_is_clear_and_corrupts_nothing) {
  Lab lab;
  // Killing the raft leader costs an election (about 1-2 s on a loaded
  // machine): a request timeout longer than that rides it out.
  EtcdStore store(lab.options("/q1/", 6000ms));
  Txn both;
  both.put("stacks/a/containers.json", "v1").put("grid/grid.json", "v1");
  BOOST_REQUIRE(store.commit(both).value());

  BOOST_REQUIRE(lab.etcd.kill(0).has_value());  // one of three: commands go on
  Txn second;
  second.put("stacks/a/containers.json", "v2").put("grid/grid.json", "v2");
  auto after_one = store.commit(second);
  BOOST_REQUIRE_MESSAGE(after_one.has_value(), (after_one ? std::string() : after_one.error().message));
  BOOST_TEST(store.get("grid/grid.json").value().value() == "v2");
  auto locked = store.lock("stacks/a/deploy", "test", 3000ms);
  BOOST_TEST(locked.has_value());
  locked->unlock();

  BOOST_REQUIRE(lab.etcd.kill(1).has_value());  // two of three: quorum lost
  Txn third;
  third.put("stacks/a/containers.json", "v3").put("grid/grid.json", "v3");
  auto start = std::chrono::steady_clock::now();
  auto lost = store.commit(third);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  BOOST_REQUIRE(!lost.has_value());
  BOOST_TEST(lost.error().exit_code() == 3);
  BOOST_TEST(lost.error().message.find("quorum") != std::string::npos, lost.error().message);
  for (const auto& ep : lab.options("/").endpoints) BOOST_TEST(lost.error().message.find(ep) != std::string::npos, ep);
  BOOST_TEST_MESSAGE("a write with quorum lost failed after " << took.count() << " ms: " << lost.error().message);
  auto cli = quarry_cli({"--store", lab.etcd.url(), "hq", "status"});
  BOOST_TEST(cli.exit_code == 3, cli.err);
  BOOST_TEST(cli.err.find("127.0.0.1:") != std::string::npos, cli.err);

  BOOST_REQUIRE(lab.etcd.restart(1).has_value());  // quorum again
  std::string a, g;
  for (int i = 0; i < 50; ++i) {
    auto ra = store.get("stacks/a/containers.json");
    auto rg = store.get("grid/grid.json");
    if (ra && rg) {
      a = ra->value_or("");
      g = rg->value_or("");
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  // The failed commit landed wholly or not at all: never one key without the other.
  BOOST_TEST(a == g);
  BOOST_TEST((a == "v2" || a == "v3"), a);
  BOOST_TEST(store.put("grid/grid.json", "v4").has_value());
}

BOOST_AUTO_TEST_CASE(leader_takeover_and_fencing) {
  Lab lab;
  EtcdStore sa(lab.options("/q2/")), sb(lab.options("/q2/"));
  EtcdLeadership a(sa, 2s, unix_now), b(sb, 2s, unix_now);
  auto term_a = a.campaign("hq-a").value();
  BOOST_REQUIRE(term_a.has_value());
  BOOST_TEST(!b.campaign("hq-b").value().has_value());
  BOOST_TEST(b.leader().value()->hq_id == "hq-a");
  FencedStore fenced_a(sa, *term_a);
  BOOST_TEST(fenced_a.put("stacks/x/owner", "a").has_value());

  auto killed = std::chrono::steady_clock::now();
  a.abandon();  // the leader dies: no resign, its lease runs out
  std::optional<LeaderTerm> term_b;
  while (!term_b && std::chrono::steady_clock::now() - killed < 10s) {
    auto got = b.campaign("hq-b");
    BOOST_REQUIRE(got.has_value());
    term_b = *got;
    if (!term_b) std::this_thread::sleep_for(100ms);
  }
  auto takeover = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
  BOOST_REQUIRE(term_b.has_value());
  BOOST_TEST_MESSAGE("leader takeover after the leader died: " << takeover.count() << " ms (lease 2 s)");
  BOOST_TEST((takeover < 5000ms));
  BOOST_TEST(term_b->term == term_a->term + 1);
  BOOST_TEST(!fenced_a.put("stacks/x/owner", "a, too late").has_value());
  BOOST_TEST(sa.get("stacks/x/owner").value().value() == "a");
  BOOST_REQUIRE(b.resign().has_value());
  BOOST_TEST(!b.leader().value().has_value());
}

// An HQ paused (SIGSTOP) past its lease, then resumed, writes nothing once
// another HQ leads: its writes are fenced on the term it held.
BOOST_AUTO_TEST_CASE(paused_leader_cannot_write_after_takeover) {
  Lab lab;
  int pipefd[2];
  BOOST_REQUIRE(pipe(pipefd) == 0);
  pid_t child = fork();
  if (child == 0) {
    close(pipefd[0]);
    EtcdStore store(lab.options("/q3/"));
    EtcdLeadership lead(store, 2s, unix_now);
    auto term = lead.campaign("hq-paused");
    if (!term || !*term) _exit(1);
    FencedStore fenced(store, **term);
    for (int i = 0; i < 600; ++i) {  // a loop that writes without looking at is_leader()
      auto s = fenced.put("stacks/x/owner", "hq-paused " + std::to_string(i));
      std::string line = s ? "ok\n" : (s.error().message.find("fenced") != std::string::npos ? "fenced\n" : "error\n");
      if (write(pipefd[1], line.data(), line.size()) < 0) _exit(2);
      std::this_thread::sleep_for(100ms);
    }
    _exit(0);
  }
  close(pipefd[1]);
  auto read_line = [&]() {
    std::string line;
    char c;
    while (read(pipefd[0], &c, 1) == 1 && c != '\n') line += c;
    return line;
  };
  BOOST_REQUIRE(read_line() == "ok");
  kill(child, SIGSTOP);
  auto paused = std::chrono::steady_clock::now();
  EtcdStore sb(lab.options("/q3/"));
  EtcdLeadership b(sb, 2s, unix_now);
  std::optional<LeaderTerm> term_b;
  while (!term_b && std::chrono::steady_clock::now() - paused < 10s) {
    term_b = b.campaign("hq-b").value();
    if (!term_b) std::this_thread::sleep_for(100ms);
  }
  BOOST_REQUIRE(term_b.has_value());
  auto takeover = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - paused);
  BOOST_TEST_MESSAGE("takeover from a paused leader: " << takeover.count() << " ms");
  FencedStore fenced_b(sb, *term_b);
  BOOST_REQUIRE(fenced_b.put("stacks/x/owner", "hq-b").has_value());
  kill(child, SIGCONT);
  // Drain what the child wrote before it was paused, then expect a fence.
  std::string line;
  int oks_after = 0;
  for (int i = 0; i < 30; ++i) {
    line = read_line();
    if (line == "fenced") break;
    ++oks_after;
  }
  BOOST_TEST(line == "fenced");
  BOOST_TEST(oks_after <= 1);  // at most the write it was in when paused
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  close(pipefd[0]);
  BOOST_TEST(sb.get("stacks/x/owner").value().value() == "hq-b");
}

// Pushes of one stack through two HQs are serialized by the stack's
// lease-backed lock; another stack's push runs in parallel.
BOOST_AUTO_TEST_CASE(one_stack_serialized_across_hqs) {
  Lab lab;
  EtcdStore hq1(lab.options("/q4/")), hq2(lab.options("/q4/"));
  BOOST_REQUIRE(hq1.put("stacks/blog/pushes", "0").has_value());
  std::atomic<int> errors{0};
  auto push = [&](EtcdStore& hq, const std::string& who) {
    for (int i = 0; i < 4; ++i) {
      auto held = hq.lock("stacks/blog/push", who, 20000ms);
      if (!held) { ++errors; return; }
      auto n = hq.get("stacks/blog/pushes");  // read, think, write: safe only under the lock
      std::this_thread::sleep_for(30ms);
      if (!n || !hq.put("stacks/blog/pushes", std::to_string(std::stoi(n->value()) + 1))) ++errors;
    }
  };
  std::thread t1([&] { push(hq1, "hq-1"); });
  std::thread t2([&] { push(hq2, "hq-2"); });
  auto other_stack = hq2.lock("stacks/shop/push", "hq-2 shop", 1000ms);
  BOOST_TEST(other_stack.has_value());
  t1.join();
  t2.join();
  BOOST_TEST(errors.load() == 0);
  BOOST_TEST(hq1.get("stacks/blog/pushes").value().value() == "8");
}

BOOST_AUTO_TEST_CASE(cli_status_and_migration_round_trip) {
  Lab lab;
  auto home = make_temp_dir("quarry-etcd-cli").value();
  DirStore dir(home);
  BOOST_REQUIRE(dir.put("etc/env/TOKEN", "secret", 0600).has_value());
  BOOST_REQUIRE(dir.put("stacks/blog/releases/1.json", "{\"number\":1}\n").has_value());
  BOOST_REQUIRE(dir.put("stacks/blog/src/app.py", "print()\n").has_value());  // stays on disk
  auto url = lab.etcd.url() + "/q5";
  auto there = quarry_cli({"--home", home, "store", "migrate", "--to", url});
  BOOST_TEST(there.exit_code == 0, there.err);
  BOOST_TEST(there.out.find("verified 2 keys") != std::string::npos, there.out);
  EtcdStore etcd(lab.options("/q5/"));
  BOOST_TEST(etcd.get("etc/env/TOKEN").value().value() == "secret");
  BOOST_TEST(!etcd.get("stacks/blog/src/app.py").value().has_value());

  auto status = quarry_cli({"hq", "status", "--json"}, {{"QUARRY_STORE", url}});
  BOOST_REQUIRE_MESSAGE(status.exit_code == 0, status.err);
  auto j = nlohmann::json::parse(status.out);
  BOOST_TEST(j["leader"] == "");
  BOOST_TEST(j["etcd"].size() == 3u);
  for (const auto& m : j["etcd"]) BOOST_TEST(m["healthy"].get<bool>());
  {
    EtcdLeadership lead(etcd, 3s, unix_now);
    BOOST_REQUIRE(lead.campaign("hq-test").value().has_value());
    BOOST_REQUIRE(announce_member(etcd, "hq-test", "127.0.0.1", unix_now()).has_value());
    auto led = quarry_cli({"--store", url, "hq", "status", "--json"});
    BOOST_REQUIRE_MESSAGE(led.exit_code == 0, led.err);
    auto lj = nlohmann::json::parse(led.out);
    BOOST_TEST(lj["leader"] == "hq-test");
    BOOST_TEST(lj["hqs"][0]["id"] == "hq-test");
  }
  auto back_home = make_temp_dir("quarry-etcd-back").value();
  auto back = quarry_cli({"--store", url, "store", "migrate", "--to", "dir:" + back_home});
  BOOST_TEST(back.exit_code == 0, back.err);
  DirStore returned(back_home);
  BOOST_TEST(returned.get("etc/env/TOKEN").value().value() == "secret");
  BOOST_TEST(returned.get("stacks/blog/releases/1.json").value().value() == "{\"number\":1}\n");
  auto bad = quarry_cli({"--store", "etcd://nowhere", "hq", "status"});
  BOOST_TEST(bad.exit_code == 2, bad.err);
  (void)remove_all(home);
  (void)remove_all(back_home);
}

BOOST_AUTO_TEST_SUITE_END()
