// git push to the real deploy: an HQ made by `quarry hq init`, real sshd on
// loopback for its git account, a local cluster of two servers and a router
// made by root beforehand, and the pre-receive hook running the real
// `quarry deploy` as the git account (HQ build engine through the docker
// group). The cases run in order on one cluster:
//   1. the first push deploys examples/hello; it answers through the router;
//   2. a push changing GREETING redeploys while a client keeps asking the
//      router: not one request fails, and the new reply is live at the end;
//   3. a push with a bad manifest is refused with line:col and changes
//      nothing (same reply, same releases, same branch).
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
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
  std::string skipped;
  std::string root;  // /tmp/qp-XXXXXX, 0755: the git account and servers read below it
  std::string home;
  std::string bin;
  std::string app;
  std::string router_ip;
  std::unique_ptr<SshdFixture> sshd;
  bool cluster_made = false;

  PushCluster() {
    skipped = missing_prerequisite();
    if (!skipped.empty()) return;
    auto dir = make_temp_dir("qp");
    BOOST_REQUIRE(dir.has_value());
    root = *dir;
    chmod(root.c_str(), 0755);
    home = root + "/h";
    app = root + "/app";
    bin = std::getenv("QUARRY_BIN");
    std::string src = std::string(std::getenv("QUARRY_SOURCE_DIR")) + "/examples/hello";
    hq({"hq", "init", "--user", kUser, "--binary", bin});
    must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dev", "-f", root + "/dev"});
    hq({"hq", "add-key", "dev", root + "/dev.pub"});
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
  ProcessResult push() const {
    std::string ssh = "ssh -i " + root + "/dev -p " + std::to_string(sshd->port()) +
                      " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
                      " -o IdentitiesOnly=yes -o LogLevel=ERROR";
    auto r = run({"git", "-C", app, "push", "hq", "main"}, {{"GIT_SSH_COMMAND", ssh}}, std::chrono::seconds(600));
    BOOST_REQUIRE(r.has_value());
    return *r;
  }
  std::string manifest() const { return read_file(app + "/quarry.yml").value_or(""); }
  std::string branch() const {
    auto r = run({"git", "--git-dir", home + "/stacks/hello/repo.git", "rev-parse", "-q", "--verify", "refs/heads/main"});
    return r ? trim(r->out) : "";
  }
  std::size_t releases() const {
    auto r = run({bin, "--home", home, "releases", "hello", "--json"});
    if (!r || !r->ok()) return 0;
    return nlohmann::json::parse(r->out, nullptr, false).size();
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

#define REQUIRE_CLUSTER()                                          \
  if (!cluster().skipped.empty()) {                                \
    BOOST_TEST_MESSAGE("skipped: " + cluster().skipped);           \
    return;                                                        \
  }

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
}

BOOST_AUTO_TEST_CASE(bad_manifest_push_is_rejected_and_changes_nothing) {
  REQUIRE_CLUSTER();
  auto& c = cluster();
  auto before_branch = c.branch();
  auto before_releases = c.releases();
  BOOST_REQUIRE(before_releases == 2u);
  std::string text = c.manifest();
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
}

BOOST_AUTO_TEST_SUITE_END()
