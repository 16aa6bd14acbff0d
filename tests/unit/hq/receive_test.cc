#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "git_fixture.h"
#include "hq/git_repo.h"
#include "hq/receive.h"
#include "store/dir_store.h"
#include "store/store_json.h"

using namespace quarry;
using namespace quarry::test;

namespace {

// Records every request; what the exported tree held when it was called.
struct FakeDeployRunner : DeployRunner {
  std::vector<PushDeployRequest> requests;
  std::vector<std::string> manifests_seen;
  bool fail = false;
  Status deploy(const PushDeployRequest& r) override {
    requests.push_back(r);
    manifests_seen.push_back(read_file(r.src_dir + "/quarry.yml").value_or("<none>"));
    r.progress("building images");
    if (fail) return fail_remote("server s1: docker: no space left");
    return {};
  }
};

// Records what the receive asked of the other HQs, and when: how many
// deploys had run at each call.
struct FakeReplicator : RefReplicator {
  FakeDeployRunner* runner = nullptr;
  std::vector<std::string> calls;  // "check REF COMMIT after N deploys"
  std::optional<std::string> fail_check, fail_push;
  Status check(const std::string& stack, const std::string& ref, const std::string& commit) override {
    calls.push_back("check " + stack + " " + ref + " " + commit + " after " + std::to_string(runner->requests.size()));
    if (fail_check) return fail_remote(*fail_check);
    return {};
  }
  Status push(const std::string& stack, const std::string& ref, const std::string& commit) override {
    calls.push_back("push " + stack + " " + ref + " " + commit + " after " + std::to_string(runner->requests.size()));
    if (fail_push) return fail_remote(*fail_push);
    return {};
  }
};

// Rejects any manifest holding "bad", with two located diagnostics.
Status fake_validate(const std::string& text, const std::string&) {
  if (text.find("bad") != std::string::npos) return quarry::fail("quarry.yml:2:3: unknown key 'bad'\nquarry.yml:4:1: more");
  return {};
}

// A stack "blog" whose pushed objects sit in a work repository, as a push's
// objects sit in git's quarantine before the refs are accepted.
struct PushFixture {
  TempDir t;
  WorkRepo work{t.path};
  DirStore store{t.path + "/home"};
  FakeDeployRunner runner;
  FakeReplicator replicator;
  bool with_peers = false;
  std::vector<std::string> said;
  ReceiveOptions options;

  PushFixture() {
    options.stack = "blog";
    options.repo_path = t.path + "/home/stacks/blog/repo.git";
    BOOST_REQUIRE(GitRepo::init_bare(options.repo_path, "main").has_value());
    options.object_dirs = {work.dir + "/.git/objects"};
    options.src_dir = t.path + "/home/stacks/blog/src";
    options.pusher = "alice";
    replicator.runner = &runner;
  }
  std::string commit_manifest(const std::string& text) {
    write(work.dir + "/quarry.yml", text);
    return work.commit("manifest");
  }
  Status push(const std::string& ref, const std::string& new_id, const std::string& old_id = kZeroId) {
    ReceiveDeps deps{store, fake_validate, runner, [this](const std::string& line) { said.push_back(line); },
                     with_peers ? &replicator : nullptr};
    return pre_receive({{old_id, new_id, ref}}, options, deps);
  }
  bool said_line(const std::string& line) const {
    return std::find(said.begin(), said.end(), line) != said.end();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(receive)

BOOST_AUTO_TEST_CASE(parses_hook_input) {
  std::string a(40, 'a'), b(40, 'b');
  auto u = parse_ref_updates(a + " " + b + " refs/heads/main\n\n" + b + " " + kZeroId + " refs/tags/v1\n");
  BOOST_REQUIRE(u.has_value());
  BOOST_REQUIRE(u->size() == 2u);
  BOOST_TEST((*u)[0].old_id == a);
  BOOST_TEST((*u)[0].new_id == b);
  BOOST_TEST((*u)[1].ref == "refs/tags/v1");
  for (std::string bad : {a + " " + b, a + " HEAD refs/heads/main", a + " " + b + " main", a + " " + b + " r x"}) {
    BOOST_TEST(!parse_ref_updates(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(deploys_the_deploy_branch) {
  PushFixture f;
  auto c = f.commit_manifest("name: blog\n");
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_REQUIRE(f.runner.requests.size() == 1u);
  const auto& r = f.runner.requests[0];
  BOOST_TEST(r.stack == "blog");
  BOOST_TEST(r.commit == c);
  BOOST_TEST(r.branch == "main");
  BOOST_TEST(r.pushed_by == "alice");
  BOOST_TEST(r.src_dir == f.options.src_dir);
  BOOST_TEST(f.runner.manifests_seen[0] == "name: blog\n");
  BOOST_TEST(f.said_line("building images"));
  BOOST_TEST(f.said_line("deployed blog at " + c.substr(0, 12) + " (pushed by alice)"));
}

BOOST_AUTO_TEST_CASE(bad_manifest_rejects_and_changes_nothing) {
  PushFixture f;
  auto c = f.commit_manifest("name: blog\n  bad: 1\n");
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "push rejected: quarry.yml is not valid; nothing changed");
  BOOST_TEST(f.said_line("quarry.yml:2:3: unknown key 'bad'"));
  BOOST_TEST(f.said_line("quarry.yml:4:1: more"));
  BOOST_TEST(f.runner.requests.empty());
  BOOST_TEST(!path_exists(f.options.src_dir));
}

BOOST_AUTO_TEST_CASE(missing_manifest_rejects) {
  PushFixture f;
  write(f.work.dir + "/README", "hi\n");
  auto c = f.work.commit("no manifest");
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "push rejected: quarry.yml is missing; nothing changed");
  BOOST_TEST(f.said_line("quarry.yml: not found at the root of commit " + c.substr(0, 12)));
  BOOST_TEST(f.runner.requests.empty());
}

BOOST_AUTO_TEST_CASE(symlinked_manifest_is_refused) {
  PushFixture f;
  // A link to a file of the HQ's: its bytes are the link's target, and an
  // exported tree would make the deploy read whatever it points at.
  write(f.work.dir + "/real.yml", "name: blog\n");
  BOOST_REQUIRE(symlink("/etc/passwd", (f.work.dir + "/quarry.yml").c_str()) == 0);
  auto c = f.work.commit("linked manifest");
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "push rejected: quarry.yml must be a regular file; nothing changed");
  BOOST_TEST(f.said_line("quarry.yml at " + c.substr(0, 12) + " is a symbolic link, not a regular file"));
  BOOST_TEST(f.runner.requests.empty());
  BOOST_TEST(!path_exists(f.options.src_dir));
}

BOOST_AUTO_TEST_CASE(other_branches_are_stored_not_deployed) {
  PushFixture f;
  // Not even validated: a work-in-progress branch may hold a broken manifest.
  auto c = f.commit_manifest("bad\n");
  BOOST_TEST(f.push("refs/heads/feature", c).has_value());
  BOOST_TEST(f.push("refs/tags/v1", c).has_value());
  BOOST_TEST(f.runner.requests.empty());
  BOOST_TEST(f.said_line("refs/heads/feature: stored, not deployed (blog deploys from main)"));
  BOOST_TEST(f.push("refs/heads/feature", kZeroId, c).has_value());
  BOOST_TEST(f.said_line("refs/heads/feature: deleted (blog deploys from main)"));
}

BOOST_AUTO_TEST_CASE(deploy_branch_comes_from_stack_settings) {
  PushFixture f;
  BOOST_REQUIRE(put_json(f.store, "stacks/blog/settings.json", {{"branch", "production"}}).has_value());
  auto c = f.commit_manifest("name: blog\n");
  BOOST_TEST(f.push("refs/heads/main", c).has_value());
  BOOST_TEST(f.runner.requests.empty());
  BOOST_TEST(f.push("refs/heads/production", c).has_value());
  BOOST_REQUIRE(f.runner.requests.size() == 1u);
  BOOST_TEST(f.runner.requests[0].branch == "production");
  BOOST_REQUIRE(put_json(f.store, "stacks/blog/settings.json", {{"branch", "../x"}}).has_value());
  BOOST_TEST(!f.push("refs/heads/main", c).has_value());
}

BOOST_AUTO_TEST_CASE(deleting_the_deploy_branch_is_refused) {
  PushFixture f;
  auto c = f.commit_manifest("name: blog\n");
  auto s = f.push("refs/heads/main", kZeroId, c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "push rejected: the deploy branch main cannot be deleted");
  BOOST_TEST(f.said_line("refs/heads/main: deleting the deploy branch of blog is refused"));
}

BOOST_AUTO_TEST_CASE(failed_deploy_rejects_the_push) {
  PushFixture f;
  auto c = f.commit_manifest("name: blog\n");
  f.runner.fail = true;
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "push rejected: deploy of blog failed; the branch still names nothing: server s1: docker: no space left");
}

// A second push waits for the first one's lock, says so, and goes on once
// it is released. The first "push" here is a lock the test holds and lets
// go of when the waiting message arrives: no sleeping, no threads.
BOOST_AUTO_TEST_CASE(waits_for_the_stack_lock_and_says_so) {
  PushFixture f;
  auto c = f.commit_manifest("name: blog\n");
  auto held = f.store.lock(push_lock_name("blog"), "push of blog 0123 by bob");
  BOOST_REQUIRE(held.has_value());
  std::string waited;
  ReceiveDeps deps{f.store, fake_validate, f.runner, [&](const std::string& line) {
                     if (line.starts_with("waiting for")) {
                       waited = line;
                       held->unlock();
                     }
                   }};
  auto s = pre_receive({{kZeroId, c, "refs/heads/main"}}, f.options, deps);
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(waited.starts_with("waiting for the deploy of blog (held by push of blog 0123 by bob (pid "), waited);
  BOOST_TEST(f.runner.requests.size() == 1u);
}

// Under `quarry hq shell` the lock is held for the whole push already.
BOOST_AUTO_TEST_CASE(does_not_retake_a_lock_its_caller_holds) {
  PushFixture f;
  auto c = f.commit_manifest("name: blog\n");
  auto held = f.store.lock(push_lock_name("blog"), "push to blog by alice");
  BOOST_REQUIRE(held.has_value());
  f.options.lock_held = true;
  f.options.lock_timeout = std::chrono::milliseconds(0);
  BOOST_TEST(f.push("refs/heads/main", c).has_value());
  BOOST_TEST(f.runner.requests.size() == 1u);
  f.options.lock_held = false;
  auto busy = f.push("refs/heads/main", c);
  BOOST_REQUIRE(!busy.has_value());
  BOOST_TEST(busy.error().message.find("timed out") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(peers_are_checked_before_the_deploy_and_take_the_ref_after_it) {
  PushFixture f;
  f.with_peers = true;
  auto c = f.commit_manifest("name: blog\n");
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_REQUIRE(f.replicator.calls.size() == 2u);
  BOOST_TEST(f.replicator.calls[0] == "check blog refs/heads/main " + c + " after 0");
  BOOST_TEST(f.replicator.calls[1] == "push blog refs/heads/main " + c + " after 1");
  BOOST_TEST(f.said_line("deployed blog at " + c.substr(0, 12) + " (pushed by alice)"));
}

BOOST_AUTO_TEST_CASE(an_unreachable_peer_rejects_the_push_before_anything_changes) {
  PushFixture f;
  f.with_peers = true;
  f.replicator.fail_check = "HQ b cannot be reached";
  auto c = f.commit_manifest("name: blog\n");
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "HQ b cannot be reached");
  BOOST_TEST(f.runner.requests.empty());
  BOOST_TEST(!path_exists(f.options.src_dir));
  BOOST_TEST(f.replicator.calls.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_peer_that_does_not_take_the_ref_rejects_the_push) {
  PushFixture f;
  f.with_peers = true;
  f.replicator.fail_push = "HQ b did not take main";
  auto c = f.commit_manifest("name: blog\n");
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "push rejected: blog deployed at " + c.substr(0, 12) +
                                      " but not every HQ holds it; the branch still names nothing; push again once "
                                      "every HQ is reachable (it deploys again): HQ b did not take main");
  BOOST_TEST(f.runner.requests.size() == 1u);
}

BOOST_AUTO_TEST_CASE(other_branches_are_not_replicated_by_the_hook) {
  PushFixture f;
  f.with_peers = true;
  auto c = f.commit_manifest("name: blog\n");
  BOOST_REQUIRE(f.push("refs/heads/topic", c).has_value());
  BOOST_TEST(f.replicator.calls.empty());
}

// A peer HQ's copy of a push it accepted and deployed: stored as it comes,
// never validated or deployed again, and never a lock.
BOOST_AUTO_TEST_CASE(a_mirror_push_is_stored_without_deploying) {
  PushFixture f;
  f.options.mirror = true;
  auto c = f.commit_manifest("bad manifest\n");
  auto held = f.store.lock(push_lock_name("blog"), "the peer's push");
  BOOST_REQUIRE(held.has_value());
  auto s = f.push("refs/heads/main", c);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(f.runner.requests.empty());
  BOOST_TEST(f.said_line("refs/heads/main: " + c.substr(0, 12) + " mirrored (deployed by the HQ that accepted it)"));
  auto deleted = f.push("refs/heads/main", kZeroId, c);
  BOOST_REQUIRE(!deleted.has_value());
  BOOST_TEST(deleted.error().message == "mirror rejected: the deploy branch main of blog cannot be deleted");
}

BOOST_AUTO_TEST_SUITE_END()
