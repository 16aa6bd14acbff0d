// git push over real ssh to an HQ made by `quarry hq init`: real sshd on
// loopback, the real git account with its forced command, real git on both
// ends. The deploy itself is a stand-in script (QUARRY_DEPLOY_COMMAND, set
// through sshd's SetEnv) that records what it was given and can be told to
// fail or to wait, so the push's behaviour can be asserted exactly.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "launcher/hq_engine.h"
#include "tests/e2e/support/sshd_fixture.h"

using namespace quarry;

namespace {

const char* const kUser = "quarry-e2e-git";

// Records its arguments and the exported tree, then plays a deploy. A tree
// holding FAIL_DEPLOY fails it; one holding HOLD waits for HOME/release.
const char* const kFakeDeploy = R"SH(#!/bin/sh
home="$2"; manifest="$5"; name="$7"; commit="$9"; by="${11}"
src="$(dirname "$manifest")"
echo "start $commit by $by" >> "$home/deploys.log"
ls -1 "$src" | tr '\n' ' ' >> "$home/deploys.log"; echo >> "$home/deploys.log"
echo "building images for $commit"
if [ -e "$src/HOLD" ]; then
  n=0; while [ ! -e "$home/release" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done
  echo "held until released"
fi
if [ -e "$src/FAIL_DEPLOY" ]; then echo "launch failed: no server has room" >&2; exit 1; fi
echo "end $commit" >> "$home/deploys.log"
echo "launched"
)SH";

const char* const kGoodManifest = "name: blog\nnodes:\n  web:\n    image: nginx\n    port: 80\n";
// Line 5, column 5: "prot" is not a key.
const char* const kBadManifest = "name: blog\nnodes:\n  web:\n    image: nginx\n    prot: 80\n";

Result<ProcessResult> run(const Argv& argv, const std::map<std::string, std::string>& env = {}) {
  ProcessOptions o;
  o.env = env;
  o.timeout = std::chrono::seconds(120);
  return run_process(argv, o);
}

std::string must(const Argv& argv) {
  auto r = run(argv);
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE_MESSAGE(r->ok(), shell_join(argv) + ": " + r->err);
  return trim(r->out);
}

// The HQ: one per test program, shared by the cases in order.
struct Hq {
  std::string root;  // temporary; holds home/, bin/, keys, work trees
  std::string home;
  std::string bin;
  std::unique_ptr<SshdFixture> sshd;
  bool ready = false;

  Hq() {
    if (geteuid() != 0 || !path_exists("/usr/sbin/sshd") || !std::getenv("QUARRY_BIN")) return;
    auto dir = make_temp_dir("quarry-e2e-hq");
    BOOST_REQUIRE(dir.has_value());
    root = *dir;
    // The git account runs the binary and reads the HQ home below root.
    chmod(root.c_str(), 0755);
    home = root + "/home";
    bin = root + "/bin/quarry";
    BOOST_REQUIRE(make_dirs(root + "/bin").has_value());
    must({"cp", std::getenv("QUARRY_BIN"), bin});
    chmod(bin.c_str(), 0755);
    BOOST_REQUIRE(write_file_atomic(root + "/bin/fake-deploy", kFakeDeploy, 0755).has_value());
    must({bin, "--home", home, "hq", "init", "--user", kUser, "--binary", bin});
    // Idempotent: a second run repairs, changes nothing, and succeeds.
    must({bin, "--home", home, "hq", "init", "--user", kUser, "--binary", bin});
    for (const char* who : {"alice", "bob", "carol", "mallory"}) {
      must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", root + "/" + who});
    }
    must({bin, "--home", home, "hq", "add-key", "alice", root + "/alice.pub", "--all"});
    must({bin, "--home", home, "hq", "add-key", "bob", root + "/bob.pub", "--stacks", "blog"});
    // carol may reach stack `a` only.
    must({bin, "--home", home, "hq", "add-key", "carol", root + "/carol.pub", "--stacks", "a"});
    SshdOptions o;
    o.user = kUser;
    o.extra_config = {"SetEnv QUARRY_DEPLOY_COMMAND=" + root + "/bin/fake-deploy", "Match User " + std::string(kUser),
                      "  AuthorizedKeysFile " + home + "/.ssh/authorized_keys"};
    sshd = std::make_unique<SshdFixture>(o);
    auto started = sshd->start();
    BOOST_REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error().message));
    // The fixture's user set-up must not undo the account's HQ home.
    must({bin, "--home", home, "hq", "init", "--user", kUser, "--binary", bin});
    ready = true;
  }
  ~Hq() {
    sshd.reset();
    // hq init started the HQ's build engine; it is this test's to stop.
    if (!home.empty()) (void)HqEngine(home + "/engine").stop();
    // hq init made the git account; a fresh machine must not need it.
    if (!home.empty()) (void)run({"userdel", kUser});
    if (!root.empty()) (void)remove_all(root);
  }

  std::string ssh_command(const std::string& key) const {
    return "ssh -i " + root + "/" + key + " -p " + std::to_string(sshd->port()) +
           " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes"
           " -o LogLevel=ERROR";
  }
  std::string remote(const std::string& stack) const { return std::string(kUser) + "@127.0.0.1:" + stack; }
  std::string bare(const std::string& stack) const { return home + "/stacks/" + stack + "/repo.git"; }
  std::string deploy_log() const { return read_file(home + "/deploys.log").value_or(""); }

  // A work tree for `stack` at ROOT/work-STACK.
  std::string work(const std::string& stack) const {
    std::string dir = root + "/work-" + stack;
    if (!path_exists(dir)) {
      BOOST_REQUIRE(make_dirs(dir).has_value());
      git(dir, {"init", "-q", "-b", "main"});
    }
    return dir;
  }
  std::string git(const std::string& dir, const Argv& args) const {
    Argv argv = {"git", "-c", "user.name=E2E", "-c", "user.email=e2e@example.com", "-C", dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return must(argv);
  }
  std::string commit(const std::string& dir, const std::map<std::string, std::string>& files) const {
    for (const auto& [name, text] : files) {
      if (text.empty()) (void)remove_all(dir + "/" + name);
      else BOOST_REQUIRE(write_file_atomic(dir + "/" + name, text, name.ends_with(".sh") ? 0755 : 0644).has_value());
    }
    git(dir, {"add", "-A"});
    git(dir, {"commit", "-q", "--allow-empty", "-m", "change"});
    return git(dir, {"rev-parse", "HEAD"});
  }
  ProcessResult push(const std::string& dir, const std::string& stack, const std::string& refspec,
                     const std::string& key = "alice") const {
    auto r = run({"git", "-C", dir, "push", remote(stack), refspec}, {{"GIT_SSH_COMMAND", ssh_command(key)}});
    BOOST_REQUIRE(r.has_value());
    return *r;
  }
  std::string remote_ref(const std::string& stack, const std::string& branch) const {
    auto r = run({"git", "--git-dir", bare(stack), "rev-parse", "--verify", "-q", "refs/heads/" + branch});
    BOOST_REQUIRE(r.has_value());
    return trim(r->out);
  }
  ProcessResult ssh(const std::string& key, const Argv& extra) const {
    Argv argv = {"ssh", "-i", root + "/" + key, "-p", std::to_string(sshd->port()), "-o", "StrictHostKeyChecking=no",
                 "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                 "-o", "LogLevel=ERROR"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run(argv);
    BOOST_REQUIRE(r.has_value());
    return *r;
  }
};

Hq& hq() {
  static Hq instance;
  return instance;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A machine that cannot run the HQ fails every case, saying why.
#define REQUIRE_HQ() BOOST_REQUIRE_MESSAGE(hq().ready, "cannot run: needs root, /usr/sbin/sshd and QUARRY_BIN")

}  // namespace

BOOST_AUTO_TEST_SUITE(hq_push)

BOOST_AUTO_TEST_CASE(first_push_creates_and_deploys_the_stack) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto c1 = h.commit(work, {{"quarry.yml", kGoodManifest}, {"run.sh", "#!/bin/sh\necho hi\n"}, {"old.txt", "1"}});
  auto r = h.push(work, "blog", "main");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  BOOST_TEST(contains(r.err, "remote: ==> validate quarry.yml at " + c1.substr(0, 12)), r.err);
  BOOST_TEST(contains(r.err, "remote: building images for " + c1), r.err);
  BOOST_TEST(contains(r.err, "remote:     deploy blog at " + c1.substr(0, 12) + ": ok in "), r.err);
  BOOST_TEST(contains(r.err, "remote: deployed blog at " + c1.substr(0, 12) + " (pushed by alice)"), r.err);
  BOOST_TEST(path_exists(h.bare("blog") + "/HEAD"));
  BOOST_TEST(h.remote_ref("blog", "main") == c1);
  std::string src = h.home + "/stacks/blog/src";
  BOOST_TEST(*read_file(src + "/quarry.yml") == kGoodManifest);
  struct stat st {};
  BOOST_REQUIRE(stat((src + "/run.sh").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0755u);
  BOOST_TEST(contains(h.deploy_log(), "start " + c1 + " by alice\nold.txt quarry.yml run.sh \nend " + c1), h.deploy_log());
}

BOOST_AUTO_TEST_CASE(second_push_redeploys_the_change) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto c2 = h.commit(work, {{"old.txt", ""}, {"new.txt", "2"}});
  auto r = h.push(work, "blog", "main", "bob");
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  BOOST_TEST(h.remote_ref("blog", "main") == c2);
  BOOST_TEST(!path_exists(h.home + "/stacks/blog/src/old.txt"));
  BOOST_TEST(*read_file(h.home + "/stacks/blog/src/new.txt") == "2");
  BOOST_TEST(contains(h.deploy_log(), "start " + c2 + " by bob\nnew.txt quarry.yml run.sh \nend " + c2));
}

BOOST_AUTO_TEST_CASE(bad_manifest_is_rejected_with_its_location_and_changes_nothing) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto before = h.remote_ref("blog", "main");
  auto log_before = h.deploy_log();
  auto src_before = read_file(h.home + "/stacks/blog/src/new.txt").value_or("<missing>");
  h.commit(work, {{"quarry.yml", kBadManifest}, {"new.txt", "3"}});
  auto r = h.push(work, "blog", "main");
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(r.err, "remote: quarry.yml:5:5: "), r.err);
  BOOST_TEST(contains(r.err, "pre-receive hook declined"), r.err);
  BOOST_TEST(h.remote_ref("blog", "main") == before);
  BOOST_TEST(h.deploy_log() == log_before);
  BOOST_TEST(read_file(h.home + "/stacks/blog/src/new.txt").value_or("<missing>") == src_before);
  h.git(work, {"reset", "-q", "--hard", "HEAD~1"});
}

// The push's exit status is the deploy's, and a failed deploy leaves the
// branch where it was, so pushing again retries.
BOOST_AUTO_TEST_CASE(failed_deploy_fails_the_push_and_keeps_the_ref) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto before = h.remote_ref("blog", "main");
  auto c = h.commit(work, {{"FAIL_DEPLOY", "x"}});
  auto r = h.push(work, "blog", "main");
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(r.err, "remote: launch failed: no server has room"), r.err);
  BOOST_TEST(contains(r.err, "remote: quarry: error: push rejected: deploy of blog failed"), r.err);
  BOOST_TEST(h.remote_ref("blog", "main") == before);
  BOOST_TEST(contains(h.deploy_log(), "start " + c));
  auto fixed = h.commit(work, {{"FAIL_DEPLOY", ""}});
  auto again = h.push(work, "blog", "main");
  BOOST_REQUIRE_MESSAGE(again.ok(), again.err);
  BOOST_TEST(h.remote_ref("blog", "main") == fixed);
}

BOOST_AUTO_TEST_CASE(other_branches_are_stored_not_deployed) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto log_before = h.deploy_log();
  h.git(work, {"checkout", "-q", "-b", "feature"});
  auto c = h.commit(work, {{"quarry.yml", kBadManifest}});
  auto r = h.push(work, "blog", "feature");
  h.git(work, {"checkout", "-q", "main"});
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  BOOST_TEST(contains(r.err, "remote: refs/heads/feature: stored, not deployed (blog deploys from main)"), r.err);
  BOOST_TEST(h.remote_ref("blog", "feature") == c);
  BOOST_TEST(h.deploy_log() == log_before);
}

BOOST_AUTO_TEST_CASE(an_unknown_key_is_refused) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto r = h.push(work, "blog", "main", "mallory");
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(r.err, "Permission denied (publickey)"), r.err);
}

BOOST_AUTO_TEST_CASE(a_key_granted_only_stack_a_cannot_push_or_clone_stack_b) {
  REQUIRE_HQ();
  auto& h = hq();
  // Stack b exists: alice (all stacks) pushed it.
  auto work_b = h.work("b");
  auto b1 = h.commit(work_b, {{"quarry.yml", "name: b\nnodes:\n  web:\n    image: nginx\n"}});
  auto first = h.push(work_b, "b", "main", "alice");
  BOOST_REQUIRE_MESSAGE(first.ok(), first.err);
  // carol pushes a: allowed.
  auto work_a = h.work("a");
  h.commit(work_a, {{"quarry.yml", "name: a\nnodes:\n  web:\n    image: nginx\n"}});
  auto own = h.push(work_a, "a", "main", "carol");
  BOOST_TEST(own.ok(), own.err);
  // carol pushes b: refused before git runs, the branch unchanged.
  auto b2 = h.commit(work_b, {{"extra.txt", "carol was here"}});
  auto other = h.push(work_b, "b", "main", "carol");
  BOOST_TEST(!other.ok());
  BOOST_TEST(contains(other.err, "key 'carol' may not push to stack 'b' (it may reach a)"), other.err);
  BOOST_TEST(h.remote_ref("b", "main") == b1);
  BOOST_TEST(!contains(h.deploy_log(), b2));
  // Nor may she clone it, or learn whether a stack exists.
  for (const std::string stack : {"b", "no-such-stack"}) {
    auto clone = run({"git", "clone", "-q", h.remote(stack), h.root + "/carol-" + stack},
                     {{"GIT_SSH_COMMAND", h.ssh_command("carol")}});
    BOOST_REQUIRE(clone.has_value());
    BOOST_TEST(!clone->ok());
    BOOST_TEST(contains(clone->err, "key 'carol' may not fetch stack '" + stack + "'"), clone->err);
    BOOST_TEST(!path_exists(h.root + "/carol-" + stack + "/quarry.yml"));
  }
  // Her own stack clones.
  auto mine = run({"git", "clone", "-q", h.remote("a"), h.root + "/carol-a"}, {{"GIT_SSH_COMMAND", h.ssh_command("carol")}});
  BOOST_REQUIRE(mine.has_value());
  BOOST_TEST(mine->ok(), mine->err);
  BOOST_TEST(path_exists(h.root + "/carol-a/quarry.yml"));
}

BOOST_AUTO_TEST_CASE(authorized_keys_lines_restrict_every_key) {
  REQUIRE_HQ();
  auto& h = hq();
  auto text = read_file(h.home + "/.ssh/authorized_keys").value_or("");
  int lines = 0;
  for (const auto& line : split_lines(text)) {
    if (line.empty() || line.front() == '#') continue;
    ++lines;
    BOOST_TEST(contains(line, "\",restrict ssh-ed25519 "), line);
  }
  BOOST_TEST(lines >= 3);
}

BOOST_AUTO_TEST_CASE(the_git_account_gives_no_shell) {
  REQUIRE_HQ();
  auto& h = hq();
  auto host = std::string(kUser) + "@127.0.0.1";
  auto login = h.ssh("alice", {"-T", host});
  BOOST_TEST(!login.ok());
  BOOST_TEST(contains(login.err, "interactive logins are refused"), login.err);
  auto command = h.ssh("alice", {host, "id"});
  BOOST_TEST(!command.ok());
  BOOST_TEST(contains(command.err, "command refused"), command.err);
  BOOST_TEST(!contains(command.out, "uid="));
  auto traversal = h.ssh("alice", {host, "git-receive-pack '../../etc'"});
  BOOST_TEST(!traversal.ok());
  BOOST_TEST(contains(traversal.err, "no such repository"), traversal.err);
  auto tty = h.ssh("alice", {"-tt", host});
  BOOST_TEST(!tty.ok());
}

BOOST_AUTO_TEST_CASE(the_git_account_gives_no_port_forwarding) {
  REQUIRE_HQ();
  auto& h = hq();
  auto host = std::string(kUser) + "@127.0.0.1";
  // -W opens a direct-tcpip channel, the mechanism under -L.
  auto local = h.ssh("alice", {"-W", "127.0.0.1:" + std::to_string(h.sshd->port()), host});
  BOOST_TEST(!local.ok());
  BOOST_TEST(!contains(local.out, "SSH-2.0"), local.out);
  auto remote = h.ssh("alice", {"-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:9", host});
  BOOST_TEST(!remote.ok());
  BOOST_TEST(contains(remote.err, "forwarding failed"), remote.err);
}

// The first push holds the stack until its deploy ends; the second waits,
// says so, then lands on top of it.
BOOST_AUTO_TEST_CASE(two_concurrent_pushes_both_land_one_after_the_other) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto first = h.commit(work, {{"HOLD", "x"}});
  auto second = h.commit(work, {{"HOLD", ""}, {"later.txt", "4"}});
  std::mutex mu;
  std::string second_err;
  ProcessResult r1, r2;
  std::thread t1([&] { r1 = h.push(work, "blog", first + ":refs/heads/main"); });
  auto wait_for = [](const std::function<bool()>& done) {
    for (int i = 0; i < 1200 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return done();
  };
  if (!wait_for([&] { return contains(h.deploy_log(), "start " + first); })) {
    (void)write_file_atomic(h.home + "/release", "");
    t1.join();
    BOOST_FAIL("the first push's deploy did not start: " + r1.err);
  }
  std::thread t2([&] {
    ProcessOptions o;
    o.env = {{"GIT_SSH_COMMAND", h.ssh_command("bob")}};
    o.timeout = std::chrono::seconds(120);
    o.on_output = [&](bool is_stdout, std::string_view chunk) {
      std::lock_guard lock(mu);
      if (!is_stdout) second_err.append(chunk);
    };
    auto r = run_process({"git", "-C", work, "push", h.remote("blog"), second + ":refs/heads/main"}, o);
    if (r) r2 = *r;
    else r2.exit_code = -1;
  });
  bool waited = wait_for([&] {
    std::lock_guard lock(mu);
    return contains(second_err, "waiting for the deploy of blog (held by push to blog by alice");
  });
  BOOST_REQUIRE(write_file_atomic(h.home + "/release", "").has_value());
  t1.join();
  t2.join();
  (void)remove_all(h.home + "/release");
  BOOST_TEST(waited, second_err);
  BOOST_TEST(r1.ok(), r1.err);
  BOOST_TEST(r2.ok(), second_err);
  BOOST_TEST(h.remote_ref("blog", "main") == second);
  auto log = h.deploy_log();
  auto end_first = log.find("end " + first);
  auto start_second = log.find("start " + second);
  BOOST_REQUIRE(end_first != std::string::npos);
  BOOST_REQUIRE(start_second != std::string::npos);
  BOOST_TEST(end_first < start_second);
}

// The pusher's client dies mid-deploy (Ctrl-C, a dropped laptop): the
// deploy does not die with the session; it runs to its end, and its whole
// output is in the deploy log.
BOOST_AUTO_TEST_CASE(a_push_whose_client_is_killed_mid_deploy_runs_to_its_end) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto c = h.commit(work, {{"HOLD", "x"}, {"killed.txt", "1"}});
  pid_t client = fork();
  BOOST_REQUIRE(client >= 0);
  if (client == 0) {
    setpgid(0, 0);
    setenv("GIT_SSH_COMMAND", h.ssh_command("alice").c_str(), 1);
    int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 0);
    execlp("git", "git", "-C", work.c_str(), "push", h.remote("blog").c_str(), "main", static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(client, client);
  bool started = false;
  for (int i = 0; i < 600 && !started; ++i) {
    started = contains(h.deploy_log(), "start " + c);
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The client and its ssh, as a terminal's Ctrl-C or a lost connection.
  kill(-client, SIGKILL);
  int status = 0;
  waitpid(client, &status, 0);
  BOOST_REQUIRE(write_file_atomic(h.home + "/release", "").has_value());
  BOOST_REQUIRE_MESSAGE(started, "the deploy did not start: " + h.deploy_log());
  bool ended = false;
  std::string log;
  for (int i = 0; i < 600 && !ended; ++i) {
    auto r = run({h.bin, "--home", h.home, "logs", "--deploy", "blog"});
    log = r ? r->out : "";
    ended = contains(h.deploy_log(), "end " + c) && contains(log, "launched");
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (void)remove_all(h.home + "/release");
  BOOST_TEST(ended, h.deploy_log() + log);
  BOOST_TEST(contains(log, "building images for " + c), log);
  BOOST_TEST(contains(log, "held until released\nlaunched"), log);
  // The HQ's side of the push goes on after the deploy and may still accept
  // the ref; let it settle so the next case reads a ref that stays.
  for (int i = 0; i < 100 && h.remote_ref("blog", "main") != c; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

BOOST_AUTO_TEST_CASE(a_symlinked_manifest_is_refused) {
  REQUIRE_HQ();
  auto& h = hq();
  auto work = h.work("blog");
  auto before = h.remote_ref("blog", "main");
  (void)remove_all(work + "/quarry.yml");
  BOOST_REQUIRE(symlink("/etc/passwd", (work + "/quarry.yml").c_str()) == 0);
  auto c = h.commit(work, {{"HOLD", ""}});
  auto r = h.push(work, "blog", "main");
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(r.err, "remote: quarry.yml at " + c.substr(0, 12) + " is a symbolic link, not a regular file"),
             r.err);
  BOOST_TEST(contains(r.err, "push rejected: quarry.yml must be a regular file; nothing changed"), r.err);
  BOOST_TEST(h.remote_ref("blog", "main") == before);
  BOOST_TEST(!contains(h.deploy_log(), "start " + c));
  (void)remove_all(work + "/quarry.yml");
  h.commit(work, {{"quarry.yml", kGoodManifest}});
}

// 1 KB of doubling ${A}${A} chains would ask for 2^60 bytes: the push is
// refused at once, located at the first value past the cap, and the
// validation's peak memory stays small.
BOOST_AUTO_TEST_CASE(a_doubling_env_manifest_fails_fast_with_bounded_memory) {
  REQUIRE_HQ();
  auto& h = hq();
  std::string yaml = "name: blog\nenv:\n  V0: \"0123456789abcdef\"\n";
  for (int i = 1; i <= 60; ++i) {
    yaml += "  V" + std::to_string(i) + ": \"${V" + std::to_string(i - 1) + "}${V" + std::to_string(i - 1) + "}\"\n";
  }
  yaml += "nodes:\n  web:\n    image: nginx\n";
  BOOST_REQUIRE(yaml.size() < 1500u);
  auto work = h.work("blog");
  auto before = h.remote_ref("blog", "main");
  auto c = h.commit(work, {{"quarry.yml", yaml}});
  auto t0 = std::chrono::steady_clock::now();
  auto r = h.push(work, "blog", "main");
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(r.err, "remote: quarry.yml:16:8: env V13: the value grows past 65536 bytes at ${V12}"), r.err);
  BOOST_TEST(h.remote_ref("blog", "main") == before);
  BOOST_TEST(took.count() < 10000);
  // The same validation the hook runs, measured: peak RSS of the process.
  BOOST_REQUIRE(write_file_atomic(h.root + "/doubling.yml", yaml).has_value());
  auto measured = run({"python3", "-c",
                       "import resource, subprocess, sys, time\n"
                       "t = time.monotonic()\n"
                       "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
                       "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
                       " int((time.monotonic() - t) * 1000))\n",
                       h.bin, "--home", h.home, "check", "-f", h.root + "/doubling.yml"});
  BOOST_REQUIRE(measured.has_value());
  auto words = split(trim(measured->out), ' ');
  BOOST_REQUIRE_MESSAGE(words.size() == 3u, measured->out + measured->err);
  long rss_kb = std::stol(words[1]);
  BOOST_TEST_MESSAGE("doubling manifest (" << yaml.size() << " bytes): check exit " << words[0] << ", peak RSS "
                                           << rss_kb / 1024 << " MiB, " << words[2] << " ms; push refused in "
                                           << took.count() << " ms");
  std::cout << "doubling manifest: peak RSS " << rss_kb << " KiB, " << words[2] << " ms\n";
  BOOST_TEST(words[0] != "0");
  BOOST_TEST(rss_kb < 64 * 1024);
  h.commit(work, {{"quarry.yml", kGoodManifest}});
}

BOOST_AUTO_TEST_CASE(removed_keys_can_no_longer_push) {
  REQUIRE_HQ();
  auto& h = hq();
  auto keys = must({h.bin, "--home", h.home, "hq", "keys", "--json"});
  BOOST_TEST(contains(keys, "\"name\": \"bob\""), keys);
  must({h.bin, "--home", h.home, "hq", "remove-key", "bob"});
  auto r = h.push(h.work("blog"), "blog", "main", "bob");
  BOOST_TEST(!r.ok());
  BOOST_TEST(contains(r.err, "Permission denied (publickey)"), r.err);
}

BOOST_AUTO_TEST_SUITE_END()
