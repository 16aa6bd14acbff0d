// A push survives the loss of the HQ that took it: two HQs on a 3-member
// etcd, each with its own git account served by its own real sshd, a local
// cluster (a router and one server). A push to HQ A deploys and reaches HQ
// B's repository before it reports success; then HQ A is lost (its sshd and
// build engine stopped, its stacks/ removed). A push to B of a change on top
// of the last commit is refused while A is still recorded (clearly, before
// deploying, nothing changed), accepted once A is forgotten (a fast-forward:
// B holds A's history), and a rollback from B brings the release before back.
// Before the loss, two developers push at once, one through each HQ: both
// commits land, one after the other; and a push to B that does not build on
// a commit only A holds is refused before deploying. Each HQ has its own
// key pair: one pass of the leading HQ A's loop lets B's key into the
// servers (B deploys and rolls back with it), and once A is forgotten one
// pass of B's loop takes A's key out of them.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "launcher/hq_engine.h"
#include "tests/e2e/deploy/e2e_cluster.h"
#include "tests/e2e/store/etcd_cluster_start.h"
#include "tests/e2e/store/etcd_lab.h"
#include "tests/e2e/support/sshd_fixture.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

const char* const kUserA = "quarry-e2e-ha";
const char* const kUserB = "quarry-e2e-hb";

ProcessResult run(const Argv& argv, const std::map<std::string, std::string>& env = {}) {
  ProcessOptions o;
  o.env = env;
  o.timeout = std::chrono::minutes(5);
  auto r = run_process(argv, o);
  BOOST_REQUIRE_MESSAGE(r.has_value(), shell_join(argv) + ": " + (r ? "" : r.error().message));
  return *r;
}

std::string must(const Argv& argv) {
  auto r = run(argv);
  BOOST_REQUIRE_MESSAGE(r.ok(), shell_join(argv) + ": exit " + std::to_string(r.exit_code) + "\n" + r.out + r.err);
  return trim(r.out);
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// One HQ: its home, git account and sshd.
struct Hq {
  std::string id, home, user;
  std::unique_ptr<SshdFixture> sshd;
};

// Everything the case makes beyond the cluster, removed however it ends.
struct Lab {
  std::string root;  // 0755: the git accounts run bin/quarry and read below it
  std::string bin;
  Hq a, b;
  ~Lab() {
    for (Hq* h : {&a, &b}) {
      if (h->sshd) h->sshd->stop();
      if (!h->home.empty()) (void)HqEngine(h->home + "/engine").stop();
    }
    for (const char* u : {kUserA, kUserB}) (void)run_process({"userdel", u});
    if (!root.empty()) (void)remove_all(root);
    unsetenv("QUARRY_STORE");
  }
};

std::string hq_run(const Lab& lab, const Hq& hq, const Argv& args) {
  Argv argv = {lab.bin, "--home", hq.home};
  argv.insert(argv.end(), args.begin(), args.end());
  return must(argv);
}

// hq init, first without an address (sshd is not up yet), later with one.
void init_hq(Lab& lab, Hq& hq, const std::string& store_url) {
  Argv args = {"--store", store_url, "hq", "init", "--user", hq.user, "--binary", lab.bin};
  if (hq.sshd) {
    args.insert(args.end(), {"--id", hq.id, "--address", "127.0.0.1:" + std::to_string(hq.sshd->port()),
                             "--host-key", hq.sshd->dir() + "/host_ed25519.pub"});
  }
  hq_run(lab, hq, args);
}

void start_sshd(Hq& hq) {
  SshdOptions o;
  o.user = hq.user;
  o.extra_config = {"Match User " + hq.user, "  AuthorizedKeysFile " + hq.home + "/.ssh/authorized_keys"};
  hq.sshd = std::make_unique<SshdFixture>(o);
  auto started = hq.sshd->start();
  BOOST_REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error().message));
}

std::string git(const std::string& work, const Argv& args) {
  Argv argv = {"git", "-c", "user.name=E2E", "-c", "user.email=e2e@quarry.test", "-C", work};
  argv.insert(argv.end(), args.begin(), args.end());
  return must(argv);
}

std::string commit_file(const std::string& work, const std::string& name, const std::string& text) {
  BOOST_REQUIRE(write_file_atomic(work + "/" + name, text).has_value());
  git(work, {"add", "-A"});
  git(work, {"commit", "-q", "-m", name});
  return git(work, {"rev-parse", "HEAD"});
}

std::string commit(const std::string& work, const std::string& greeting) {
  return commit_file(work, "quarry.yml", hello_web_manifest(greeting, 1));
}

std::string git_url(const Hq& hq) {
  return "ssh://" + hq.user + "@127.0.0.1:" + std::to_string(hq.sshd->port()) + "/hello.git";
}

std::map<std::string, std::string> dev_ssh(const Lab& lab) {
  return {{"GIT_SSH_COMMAND", "ssh -i " + lab.root + "/dev -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
                              " -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR"}};
}

// No test assertion inside: two of these run at once on two threads.
Result<ProcessResult> try_push(const Lab& lab, const std::string& work, const Hq& hq) {
  ProcessOptions o;
  o.env = dev_ssh(lab);
  o.timeout = std::chrono::minutes(5);
  return run_process({"git", "-C", work, "push", git_url(hq), "main"}, o);
}

ProcessResult push(const Lab& lab, const std::string& work, const Hq& hq) {
  auto r = try_push(lab, work, hq);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
  return *r;
}

// The developer's tree onto `hq`'s deploy branch: rebased, or reset to it.
void fetch_onto(const Lab& lab, const std::string& work, const Hq& hq, bool rebase) {
  auto r = run({"git", "-C", work, "fetch", "-q", git_url(hq), "main"}, dev_ssh(lab));
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  if (rebase) git(work, {"rebase", "-q", "FETCH_HEAD"});
  else git(work, {"reset", "-q", "--hard", "FETCH_HEAD"});
}

std::string branch(const Hq& hq) {
  auto r = run({"git", "--git-dir", hq.home + "/stacks/hello/repo.git", "rev-parse", "-q", "--verify",
                "refs/heads/main"});
  return trim(r.out);
}

std::string body(TestCluster& c) {
  auto b = c.get("hello.quarry.test", "/");
  BOOST_REQUIRE_MESSAGE(b.has_value(), (b ? std::string() : b.error().message));
  return *b;
}

// Two developers push the stack at once, one through each HQ, both on top of
// `base`: the stack's lock serializes them, the second sees the first's
// commit (copied to its HQ before the first succeeded) and is refused as not
// a fast-forward, nothing lost; fetched from its own HQ and rebased, it
// lands. Returns the commit both HQs end at; `work` is left at it.
std::string concurrent_pushes(const Lab& lab, const std::string& work, const std::string& base) {
  std::string other = lab.root + "/work2";
  must({"git", "clone", "-q", work, other});
  auto mine = commit(work, "two");
  auto theirs = commit_file(other, "NOTES", "a second developer\n");
  Result<ProcessResult> ra = fail("not run"), rb = fail("not run");
  std::thread ta([&] { ra = try_push(lab, work, lab.a); });
  std::thread tb([&] { rb = try_push(lab, other, lab.b); });
  ta.join();
  tb.join();
  BOOST_REQUIRE(ra.has_value() && rb.has_value());
  BOOST_REQUIRE_MESSAGE(ra->ok() != rb->ok(), "exactly one lands first:\nvia A: " + ra->err + "\nvia B: " + rb->err);
  bool a_won = ra->ok();
  const auto& loser = a_won ? *rb : *ra;
  BOOST_TEST(contains(loser.err, "main -> main (fetch first)"), loser.err);
  std::string winner = a_won ? mine : theirs;
  BOOST_TEST(branch(lab.a) == winner);
  BOOST_TEST(branch(lab.b) == winner);
  std::string loser_dir = a_won ? other : work;
  const Hq& loser_hq = a_won ? lab.b : lab.a;
  fetch_onto(lab, loser_dir, loser_hq, true);
  auto again = push(lab, loser_dir, loser_hq);
  BOOST_REQUIRE_MESSAGE(again.ok(), again.err);
  auto head = git(loser_dir, {"rev-parse", "HEAD"});
  BOOST_TEST(git(loser_dir, {"rev-parse", "HEAD~2"}) == base);  // both commits on top of the base
  BOOST_TEST(branch(lab.a) == head);
  BOOST_TEST(branch(lab.b) == head);
  if (loser_dir != work) fetch_onto(lab, work, lab.b, false);
  return head;
}

// HQ A holds a commit HQ B lacks (as if A had taken a push while B was cut
// off): a push to B that does not build on it is refused before deploying,
// naming A; B's branch stays. Then A and `work` are put back at `head`.
void push_behind_a_peer_is_refused(const Lab& lab, const std::string& work, const std::string& head) {
  std::string side = lab.root + "/work3";
  must({"git", "clone", "-q", work, side});
  auto ahead = commit_file(side, "SIDE", "only on HQ A\n");
  std::string repo_a = lab.a.home + "/stacks/hello/repo.git";
  must({"chown", "-R", kUserA, side});  // git reads only repositories of its own user
  Argv as_a = {"runuser", "-u", kUserA, "--", "git", "--git-dir", repo_a};
  auto with = [&](Argv more) {
    Argv argv = as_a;
    argv.insert(argv.end(), more.begin(), more.end());
    return must(argv);
  };
  with({"fetch", "-q", side, "+main:refs/heads/main"});
  auto behind = commit_file(work, "LATE", "not on top of HQ A's commit\n");
  auto refused = push(lab, work, lab.b);
  BOOST_TEST(!refused.ok());
  BOOST_TEST(contains(refused.err, "on HQ a (" + std::string(kUserA) + "@127.0.0.1:"), refused.err);
  BOOST_TEST(contains(refused.err, "main is at " + ahead.substr(0, 12) + ", which is not in the history of " +
                                       behind.substr(0, 12)),
             refused.err);
  BOOST_TEST(!contains(refused.err, "deploy hello at"), refused.err);
  BOOST_TEST(branch(lab.b) == head);
  with({"update-ref", "refs/heads/main", head});
  git(work, {"reset", "-q", "--hard", head});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(etcd_push)

BOOST_AUTO_TEST_CASE(a_push_survives_the_loss_of_the_hq_that_took_it) {
  std::string why;
  for (const char* p : {"git", "ssh", "ssh-keygen"}) {
    if (why.empty() && !have_program(p)) why = std::string("no ") + p;
  }
  EtcdLab etcd;
  TestCluster c;
  start_on_etcd(etcd, c, 1, R"({"policy": "spread", "autosize": false})", why);

  Lab lab;
  lab.root = make_temp_dir("qr").value();
  chmod(lab.root.c_str(), 0755);
  lab.bin = lab.root + "/quarry";
  must({"install", "-m", "0755", std::getenv("QUARRY_BIN"), lab.bin});
  lab.a = {"a", c.home(), kUserA, nullptr};  // HQ A is the home that made the cluster
  lab.b = {"b", lab.root + "/b", kUserB, nullptr};
  init_hq(lab, lab.a, etcd.url());
  must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dev", "-f", lab.root + "/dev"});
  hq_run(lab, lab.a, {"hq", "add-key", "dev", lab.root + "/dev.pub", "--stacks", "hello"});
  init_hq(lab, lab.b, etcd.url());  // B makes its own key pair
  for (Hq* hq : {&lab.a, &lab.b}) start_sshd(*hq);
  for (Hq* hq : {&lab.a, &lab.b}) init_hq(lab, *hq, etcd.url());  // now recorded among the HQs
  const std::string key_a = split(read_file(c.home() + "/keys/hq_ed25519.pub").value_or(""), ' ').at(1);
  const std::string key_b = split(read_file(lab.b.home + "/keys/hq_ed25519.pub").value_or(""), ' ').at(1);
  BOOST_REQUIRE(key_a != key_b);
  auto server_keys = [&] {
    std::string all;
    for (const auto& s : c.servers()) all += read_file(s.dir + "/ssh/authorized_keys").value_or("(none)") + "|";
    return all;
  };
  BOOST_TEST(!contains(server_keys(), key_b));
  // One pass of the leader's loop lets B's key in; the next changes nothing.
  hq_run(lab, lab.a, {"hq", "serve", "--once", "--id", "a", "--address", "127.0.0.1"});
  BOOST_TEST(contains(server_keys(), key_a));
  BOOST_TEST(contains(server_keys(), key_b));
  BOOST_TEST(split(server_keys(), '|').size() == c.servers().size() + 1);
  auto ps_b = run({lab.bin, "--home", lab.b.home, "ps"});
  BOOST_TEST(ps_b.ok(), ps_b.out + ps_b.err);
  // Re-run without --address (to repair, or after add-key), an HQ keeps its name.
  hq_run(lab, lab.a, {"--store", etcd.url(), "hq", "init", "--user", lab.a.user, "--binary", lab.bin});
  BOOST_TEST(contains(read_file(lab.a.home + "/etc/hq.json").value_or(""), "\"id\": \"a\""));
  must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ops", "-f", lab.root + "/ops"});
  auto added = hq_run(lab, lab.b, {"hq", "add-key", "ops", lab.root + "/ops.pub", "--none"});
  BOOST_TEST(contains(added, "on the other HQs (a), run `quarry hq init` so they admit it too"), added);
  auto status = hq_run(lab, lab.b, {"hq", "status"});
  BOOST_TEST(contains(status, "  a  " + std::string(kUserA) + "@127.0.0.1:" + std::to_string(lab.a.sshd->port())),
             status);
  BOOST_TEST(contains(status, "  b  " + std::string(kUserB) + "@127.0.0.1:"), status);

  std::string work = c.app_dir();
  must({"git", "-C", work, "init", "-q", "-b", "main"});
  auto c1 = commit(work, "one");
  auto first = push(lab, work, lab.a);
  BOOST_REQUIRE_MESSAGE(first.ok(), first.err);
  BOOST_TEST(contains(first.err, "remote: replicated main " + c1.substr(0, 12) + " to HQ b"), first.err);
  BOOST_TEST(branch(lab.a) == c1);
  BOOST_TEST(branch(lab.b) == c1);  // before the push reported success
  BOOST_TEST(body(c).starts_with("one from web (release 1)"), body(c));
  BOOST_TEST(!path_exists(lab.b.home + "/stacks/hello/src"));  // B stored it, did not deploy it
  for (const auto& line : split_lines(first.err)) {  // what the copies cost: the figures of the docs
    if (contains(line, "the other HQs: ok in")) BOOST_TEST_MESSAGE(trim(line));
  }

  auto head = concurrent_pushes(lab, work, c1);
  BOOST_TEST(body(c).starts_with("two from web (release 3)"), body(c));
  push_behind_a_peer_is_refused(lab, work, head);
  BOOST_TEST(body(c).starts_with("two from web (release 3)"), body(c));

  // HQ A is lost: nobody reaches it, its repositories and builds are gone.
  lab.a.sshd->stop();
  BOOST_REQUIRE(HqEngine(lab.a.home + "/engine").stop().has_value());
  BOOST_REQUIRE(remove_all(lab.a.home + "/stacks").has_value());

  auto c3 = commit(work, "three");
  auto refused = push(lab, work, lab.b);
  BOOST_TEST(!refused.ok());
  BOOST_TEST(contains(refused.err, "HQ a (" + std::string(kUserA) + "@127.0.0.1:"), refused.err);
  BOOST_TEST(contains(refused.err, "cannot be reached"), refused.err);
  BOOST_TEST(contains(refused.err, "quarry hq forget a"), refused.err);
  BOOST_TEST(branch(lab.b) == head);
  BOOST_TEST(body(c).starts_with("two from web (release 3)"), body(c));

  hq_run(lab, lab.b, {"hq", "forget", "a"});
  auto accepted = push(lab, work, lab.b);
  BOOST_REQUIRE_MESSAGE(accepted.ok(), accepted.err);
  BOOST_TEST(contains(accepted.err, head.substr(0, 7) + ".." + c3.substr(0, 7) + "  main -> main"), accepted.err);
  BOOST_TEST(branch(lab.b) == c3);
  BOOST_TEST(body(c).starts_with("three from web (release 4)"), body(c));

  auto rollback = run({lab.bin, "--home", lab.b.home, "rollback", "hello"});
  BOOST_TEST(rollback.ok(), rollback.out + rollback.err);
  BOOST_TEST(body(c).starts_with("two from web"), body(c));

  // A was forgotten: one pass of B's loop takes its key off every server.
  hq_run(lab, lab.b, {"hq", "serve", "--once", "--id", "b", "--address", "127.0.0.1"});
  BOOST_TEST(!contains(server_keys(), key_a), server_keys());
  BOOST_TEST(contains(server_keys(), key_b), server_keys());
}

BOOST_AUTO_TEST_SUITE_END()
