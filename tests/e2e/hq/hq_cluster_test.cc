// git push to the real deploy: an HQ made by `quarry hq init`, real sshd on
// loopback for its git account, a local cluster of two servers and a router
// made by root beforehand, and the pre-receive hook running the real
// `quarry deploy` as the git account (HQ build engine through the docker
// group). The cases run in order on one cluster:
//   1. the first push deploys examples/hello; it answers through the router;
//   2. a push changing GREETING redeploys while a client keeps asking the
//      router: not one request fails, and the new reply is live at the end;
//      its images are the first push's (nothing the Dockerfile copies
//      changed), tagged anew without a build;
//   3. a push with a bad manifest is refused with line:col and changes
//      nothing (same reply, same releases, same branch);
//   4. a push whose client is killed mid-deploy still ends in a consistent
//      state: the release deployed or failed (never left deploying), and the
//      grid holds exactly one slice per container record;
//   5. a Dockerfile RUN that tries the HQ's 127.0.0.1 cannot reach it;
//   6. env values never show in push output, release listings or ps.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "tests/e2e/support/sshd_fixture.h"

using namespace quarry;

namespace {

const char* const kUser = "quarry-e2e-push";
const char* const kDomain = "hello.quarry.test";

Result<ProcessResult> run(const Argv& argv, const std::map<std::string, std::string>& env = {},
                          std::chrono::seconds timeout = std::chrono::seconds(300)) {
  ProcessOptions o;
  o.env = env;
  o.timeout = timeout;
  return run_process(argv, o);
}

std::string must(const Argv& argv) {
  auto r = run(argv);
  BOOST_REQUIRE_MESSAGE(r.has_value(), shell_join(argv) + ": " + (r ? "" : r.error().message));
  BOOST_REQUIRE_MESSAGE(r->ok(), shell_join(argv) + ": " + r->err + r->out);
  return trim(r->out);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string missing_prerequisite() {
  if (geteuid() != 0) return "needs root";
  const char* bin = std::getenv("QUARRY_BIN");
  if (!bin || !path_exists(bin)) return "QUARRY_BIN is not set";
  const char* src = std::getenv("QUARRY_SOURCE_DIR");
  if (!src || !path_exists(std::string(src) + "/examples/hello/hello")) return "examples/hello/hello is not built";
  for (const char* p : {"/usr/sbin/sshd", "/usr/sbin/nginx", "/usr/sbin/dockerd"}) {
    if (!path_exists(p)) return std::string("no ") + p;
  }
  for (const char* p : {"docker", "curl", "git", "ssh", "ip"}) {
    if (!have_program(p)) return std::string("no ") + p;
  }
  return "";
}

// The HQ and its cluster, shared by the cases; the destructor tears the
// cluster down and removes everything, however the cases ended.
struct PushCluster {
  std::string cannot_run;
  std::string root;  // /tmp/qp-XXXXXX, 0755: the git account and servers read below it
  std::string home;
  std::string bin;
  std::string app;
  std::string router_ip;
  std::unique_ptr<SshdFixture> sshd;
  bool cluster_made = false;

  PushCluster() {
    cannot_run = missing_prerequisite();
    if (!cannot_run.empty()) return;
    auto dir = make_temp_dir("qp");
    BOOST_REQUIRE(dir.has_value());
    root = *dir;
    chmod(root.c_str(), 0755);
    home = root + "/h";
    app = root + "/app";
    // The git account runs this copy: the build tree may sit under a
    // directory other accounts cannot enter (a clone in /root, a mktemp -d).
    bin = root + "/bin/quarry";
    BOOST_REQUIRE(make_dirs(root + "/bin", 0755).has_value());
    must({"install", "-m", "0755", std::getenv("QUARRY_BIN"), bin});
    std::string src = std::string(std::getenv("QUARRY_SOURCE_DIR")) + "/examples/hello";
    hq({"hq", "init", "--user", kUser, "--binary", bin});
    must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dev", "-f", root + "/dev"});
    hq({"hq", "add-key", "dev", root + "/dev.pub", "--stacks", "hello"});
    // Root makes the servers (network namespaces); the pushes never need to.
    cluster_made = true;
    hq({"servers", "add", "-n", "2", "--memory", "1024"});
    hq({"servers", "add", "--role", "router", "--memory", "512"});
    for (const auto& s : nlohmann::json::parse(hq({"servers", "--json"}))) {
      for (const auto& t : s.value("tags", nlohmann::json::array())) {
        if (t.get<std::string>() == "role=router") router_ip = s.at("ip").get<std::string>();
      }
    }
    BOOST_REQUIRE_MESSAGE(!router_ip.empty(), "no router among the servers");
    SshdOptions o;
    o.user = kUser;
    o.extra_config = {"Match User " + std::string(kUser), "  AuthorizedKeysFile " + home + "/.ssh/authorized_keys"};
    sshd = std::make_unique<SshdFixture>(o);
    auto started = sshd->start();
    BOOST_REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error().message));
    // Gives back to the git account what root wrote since (servers, grid,
    // host keys) and undoes the fixture's account changes.
    hq({"hq", "init", "--user", kUser, "--binary", bin});

    BOOST_REQUIRE(make_dirs(app).has_value());
    for (const char* f : {"hello", "Dockerfile", "quarry.yml"}) must({"cp", "-p", src + "/" + f, app + "/" + f});
    git({"init", "-q", "-b", "main"});
    git({"remote", "add", "hq", std::string(kUser) + "@127.0.0.1:hello"});
  }
  ~PushCluster() {
    sshd.reset();
    if (cluster_made) (void)run({bin, "--home", home, "cluster", "down"});
    // hq init made the git account; a fresh machine must not need it.
    if (!root.empty()) (void)run({"userdel", kUser});
    if (!root.empty()) (void)remove_all(root);
  }

  std::string hq(const Argv& args) const {
    Argv argv = {bin, "--home", home};
    argv.insert(argv.end(), args.begin(), args.end());
    return must(argv);
  }
  std::string git(const Argv& args) const {
    Argv argv = {"git", "-c", "user.name=E2E", "-c", "user.email=e2e@quarry.test", "-C", app};
    argv.insert(argv.end(), args.begin(), args.end());
    return must(argv);
  }
  std::string commit(const std::string& manifest) const {
    BOOST_REQUIRE(write_file_atomic(app + "/quarry.yml", manifest).has_value());
    git({"add", "-A"});
    git({"commit", "-q", "--allow-empty", "-m", "change"});
    return git({"rev-parse", "HEAD"});
  }
  std::string ssh_command() const {
    return "ssh -i " + root + "/dev -p " + std::to_string(sshd->port()) +
           " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
           " -o IdentitiesOnly=yes -o LogLevel=ERROR";
  }
  ProcessResult push() const {
    auto r = run({"git", "-C", app, "push", "hq", "main"}, {{"GIT_SSH_COMMAND", ssh_command()}},
                 std::chrono::seconds(600));
    BOOST_REQUIRE(r.has_value());
    return *r;
  }
  std::string manifest() const { return read_file(app + "/quarry.yml").value_or(""); }
  std::string branch() const {
    auto r = run({"git", "--git-dir", home + "/stacks/hello/repo.git", "rev-parse", "-q", "--verify", "refs/heads/main"});
    return r ? trim(r->out) : "";
  }
  nlohmann::json release_list() const {
    auto r = run({bin, "--home", home, "releases", "hello", "--json"});
    if (!r || !r->ok()) return nlohmann::json::array();
    auto j = nlohmann::json::parse(r->out, nullptr, false);
    return j.is_array() ? j : nlohmann::json::array();
  }
  std::size_t releases() const { return release_list().size(); }
  // Slices the grid holds for the stack, and the stack's container records.
  std::pair<std::size_t, std::size_t> slices_and_records() const {
    std::size_t slices = 0;
    auto grid = nlohmann::json::parse(read_file(home + "/grid/grid.json").value_or("{}"), nullptr, false);
    if (grid.is_object()) {
      for (const auto& b : grid.value("blocks", nlohmann::json::array())) {
        for (const auto& s : b.value("slices", nlohmann::json::array())) {
          if (starts_with(s.value("id", ""), "hello/")) ++slices;
        }
      }
    }
    auto ps = run({bin, "--home", home, "ps", "hello", "--json"});
    std::size_t records = ps && ps->ok() ? nlohmann::json::parse(ps->out, nullptr, false).size() : 0;
    return {slices, records};
  }
  // GET / through the router by domain: the body, or an error.
  Result<std::string> get() const {
    auto r = run({"curl", "-sS", "--max-time", "5", "-H", std::string("Host: ") + kDomain, "-w", "\n%{http_code}",
                  "http://" + router_ip + "/"},
                 {}, std::chrono::seconds(10));
    if (!r) return std::unexpected(r.error());
    if (!r->ok()) return fail("curl: exit " + std::to_string(r->exit_code) + ": " + trim(r->err));
    auto nl = r->out.rfind('\n');
    std::string code = r->out.substr(nl + 1);
    if (code != "200") return fail("HTTP " + code + ": " + r->out.substr(0, nl));
    return r->out.substr(0, nl);
  }
};

PushCluster& cluster() {
  static PushCluster instance;
  return instance;
}

std::string with_greeting(std::string manifest, const std::string& greeting) {
  auto at = manifest.find("GREETING: ");
  BOOST_REQUIRE(at != std::string::npos);
  auto end = manifest.find('\n', at);
  return manifest.replace(at, end - at, "GREETING: \"" + greeting + "\"");
}

// A machine that cannot run the cluster fails every case, saying why.
#define REQUIRE_CLUSTER() BOOST_REQUIRE_MESSAGE(cluster().cannot_run.empty(), "cannot run: " + cluster().cannot_run)

}  // namespace

BOOST_AUTO_TEST_SUITE(hq_push_cluster)

BOOST_AUTO_TEST_CASE(first_push_deploys_and_answers_through_the_router) {
  REQUIRE_CLUSTER();
  auto& c = cluster();
  auto start = std::chrono::steady_clock::now();
  auto sha = c.commit(c.manifest());
  auto r = c.push();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  BOOST_TEST_MESSAGE("first push deployed in " << took.count() << " ms");
  BOOST_TEST(contains(r.err, "remote: deployed hello at " + sha.substr(0, 12) + " (pushed by dev)"), r.err);
  BOOST_TEST(c.branch() == sha);
  BOOST_TEST(c.releases() == 1u);
  auto reply = c.get();
  BOOST_REQUIRE_MESSAGE(reply.has_value(), (reply ? "" : reply.error().message));
  BOOST_TEST(starts_with(*reply, "hello, world from web (release 1)"), *reply);
}

BOOST_AUTO_TEST_CASE(second_push_redeploys_with_zero_failed_requests) {
  REQUIRE_CLUSTER();
  auto& c = cluster();
  BOOST_REQUIRE(c.releases() == 1u);
  auto sha = c.commit(with_greeting(c.manifest(), "hello again"));
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::vector<std::string> failures;
  std::string last;
  // Bounded: ends when told, and after ten minutes in any case.
  std::thread client([&] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (!stop && std::chrono::steady_clock::now() < deadline) {
      auto reply = c.get();
      if (reply) {
        ++ok;
        last = *reply;
      } else {
        failures.push_back(reply.error().message);
      }
    }
  });
  auto r = c.push();
  // A few more requests against the new release before stopping.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  client.join();
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  BOOST_TEST_MESSAGE("requests during the second push: " << ok << " ok, " << failures.size() << " failed");
  BOOST_TEST(failures.empty(), (failures.empty() ? "" : failures.front()));
  BOOST_TEST(ok > 10);
  BOOST_TEST(starts_with(last, "hello again from web (release 2)"), last);
  BOOST_TEST(c.branch() == sha);
  BOOST_TEST(c.releases() == 2u);
  // Only the manifest changed, which the Dockerfile does not copy: both
  // images are the first push's, tagged for release 2, and nothing is built.
  BOOST_TEST(r.err.find("build images: ok (2 image(s), 2 unchanged since an earlier build)") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(bad_manifest_push_is_rejected_and_changes_nothing) {
  REQUIRE_CLUSTER();
  auto& c = cluster();
  auto before_branch = c.branch();
  auto before_releases = c.releases();
  BOOST_REQUIRE(before_releases == 2u);
  std::string text = c.manifest();
  const std::string good = text;
  auto at = text.find("    port: 8080\n");
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, 8, "    prot");  // not a key of a node
  auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1;
  c.commit(text);
  auto r = c.push();
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(r.err, "remote: quarry.yml:" + std::to_string(line) + ":5: "), r.err);
  BOOST_TEST(contains(r.err, "pre-receive hook declined"), r.err);
  BOOST_TEST(c.branch() == before_branch);
  BOOST_TEST(c.releases() == before_releases);
  auto reply = c.get();
  BOOST_REQUIRE_MESSAGE(reply.has_value(), (reply ? "" : reply.error().message));
  BOOST_TEST(starts_with(*reply, "hello again from web (release 2)"), *reply);
  // The cases below start from the good manifest again.
  c.commit(good);
}

// The pusher's client dies while the deploy runs. The deploy is detached
// from the push: it finishes (or fails and rolls back) on its own, and no
// slice, container or record is left behind half-made.
BOOST_AUTO_TEST_CASE(a_push_whose_client_is_killed_mid_deploy_leaves_a_consistent_state) {
  REQUIRE_CLUSTER();
  auto& c = cluster();
  auto before = c.releases();
  c.commit(with_greeting(c.manifest(), "after a hang-up"));
  std::string logs = c.home + "/stacks/hello/deploys";
  auto logs_before = list_dir(logs).size();
  pid_t client = fork();
  BOOST_REQUIRE(client >= 0);
  if (client == 0) {
    setpgid(0, 0);
    setenv("GIT_SSH_COMMAND", c.ssh_command().c_str(), 1);
    int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execlp("git", "git", "-C", c.app.c_str(), "push", "hq", "main", static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(client, client);
  // Kill it once the deploy has begun to write its log.
  bool begun = false;
  for (int i = 0; i < 1200 && !begun; ++i) {
    begun = list_dir(logs).size() > logs_before;
    if (!begun) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(-client, SIGKILL);
  int status = 0;
  waitpid(client, &status, 0);
  BOOST_REQUIRE_MESSAGE(begun, "the deploy did not start");
  // Bounded: the deploy ends within five minutes.
  std::string state;
  for (int i = 0; i < 600; ++i) {
    auto list = c.release_list();
    state = list.size() > before ? list.back().value("status", "") : "";
    if (!state.empty() && state != "deploying") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto log = run({c.bin, "--home", c.home, "logs", "--deploy", "hello", "--tail", "-1"});
  BOOST_TEST_MESSAGE("release " << before + 1 << " after the hang-up: " << state);
  BOOST_TEST((state == "deployed" || state == "failed" || state == "rolled-back"), state + "\n" + (log ? log->out : ""));
  auto [slices, records] = c.slices_and_records();
  BOOST_TEST(slices == records);
  BOOST_TEST(records >= 3u);
  auto reply = c.get();
  BOOST_REQUIRE_MESSAGE(reply.has_value(), (reply ? "" : reply.error().message));
  if (state == "deployed") BOOST_TEST(starts_with(*reply, "after a hang-up from web"), *reply);
}

// A build runs the pusher's Dockerfile on the HQ. A RUN step that tries a
// service on the HQ's loopback must not reach it.
BOOST_AUTO_TEST_CASE(a_dockerfile_run_cannot_reach_the_hq_loopback) {
  REQUIRE_CLUSTER();
  auto& c = cluster();
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(listen(listener, 8) == 0);
  socklen_t len = sizeof addr;
  BOOST_REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int port = ntohs(addr.sin_port);
  std::atomic<bool> stop{false};
  std::atomic<int> connections{0};
  std::thread acceptor([&] {
    while (!stop) {
      pollfd p{listener, POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        int fd = accept(listener, nullptr, nullptr);
        if (fd >= 0) {
          ++connections;
          (void)!write(fd, "HTTP/1.0 200 OK\r\n\r\nsecret of the HQ\n", 37);
          close(fd);
        }
      }
    }
  });
  std::string dockerfile = read_file(c.app + "/Dockerfile").value_or("");
  must({"cp", "/bin/busybox", c.app + "/busybox"});
  BOOST_REQUIRE(write_file_atomic(c.app + "/Dockerfile",
                                  dockerfile + "COPY busybox /busybox\n"
                                  "RUN [\"/busybox\", \"sh\", \"-c\", \"/busybox wget -q -T 5 -O /reach "
                                  "http://127.0.0.1:" + std::to_string(port) + "/ || echo unreachable > /reach\"]\n")
                    .has_value());
  auto before = c.releases();
  c.commit(with_greeting(c.manifest(), "built without a network"));
  auto r = c.push();
  stop = true;
  acceptor.join();
  close(listener);
  BOOST_TEST(r.ok(), r.err);
  BOOST_TEST(c.releases() == before + 1);
  BOOST_TEST(connections.load() == 0, "a build step reached 127.0.0.1:" << port << " on the HQ");
  // Back to the plain image for what follows.
  BOOST_REQUIRE(write_file_atomic(c.app + "/Dockerfile", dockerfile).has_value());
  (void)remove_all(c.app + "/busybox");
  c.commit(c.manifest());
}

// A secret set with `quarry env set STACK KEY -` reaches the containers but
// never the push's output, the release listing, ps, or a world-readable file.
BOOST_AUTO_TEST_CASE(env_values_stay_out_of_output_and_records) {
  REQUIRE_CLUSTER();
  auto& c = cluster();
  const std::string secret = "s3cret-value-" + std::to_string(getpid());
  ProcessOptions o;
  o.stdin_data = secret + "\n";
  o.timeout = std::chrono::seconds(60);
  auto set = run_process({c.bin, "--home", c.home, "env", "set", "hello", "DB_PASSWORD", "-"}, o);
  BOOST_REQUIRE(set.has_value());
  BOOST_REQUIRE_MESSAGE(set->ok(), set->err);
  // Root wrote it: give it to the git account, as operators do (hq.md).
  c.hq({"hq", "init", "--user", kUser, "--binary", c.bin});
  // Manifest env values are in the record too: a manifest secret is as private.
  auto text = c.manifest();
  auto at = text.find("  GREETING:");
  BOOST_REQUIRE(at != std::string::npos);
  text.insert(at, "  MANIFEST_TOKEN: \"" + secret + "-m\"\n");
  c.commit(text);
  auto r = c.push();
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  BOOST_TEST(!contains(r.err + r.out, secret), r.err);
  for (const Argv& cmd : {Argv{"releases", "hello", "--json"}, Argv{"ps", "--json"}, Argv{"env", "list", "hello", "--json"},
                          Argv{"logs", "--deploy", "hello", "--tail", "-1"}}) {
    Argv argv = {c.bin, "--home", c.home};
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    auto out = run(argv);
    BOOST_REQUIRE(out.has_value());
    BOOST_TEST(!contains(out->out + out->err, secret), shell_join(cmd));
  }
  for (const auto& name : list_dir(c.home + "/stacks/hello/releases")) {
    struct stat st {};
    BOOST_REQUIRE(stat((c.home + "/stacks/hello/releases/" + name).c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 077) == 0u, name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
