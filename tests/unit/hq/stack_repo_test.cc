#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "git_fixture.h"
#include "hq/stack_repo.h"

using namespace quarry;
using namespace quarry::test;

BOOST_AUTO_TEST_SUITE(stack_repo)

BOOST_AUTO_TEST_CASE(hook_script) {
  BOOST_TEST(render_pre_receive_hook("/usr/local/bin/quarry", "/srv/quarry home", "blog") ==
             "#!/bin/sh\n"
             "# Installed by quarry: validate quarry.yml and deploy before the refs are accepted.\n"
             "exec /usr/local/bin/quarry --home '/srv/quarry home' hq receive pre blog\n");
}

BOOST_AUTO_TEST_CASE(creates_repo_and_hook_idempotently) {
  TempDir t;
  BOOST_REQUIRE(ensure_stack_repo(t.path, "blog", "/bin/quarry-a", "main").has_value());
  std::string repo = stack_repo_path(t.path, "blog");
  BOOST_TEST(repo == t.path + "/stacks/blog/repo.git");
  BOOST_TEST(*read_file(repo + "/HEAD") == "ref: refs/heads/main\n");
  std::string hook = repo + "/hooks/pre-receive";
  BOOST_TEST(*read_file(hook) == render_pre_receive_hook("/bin/quarry-a", t.path, "blog"));
  struct stat st {};
  BOOST_REQUIRE(stat(hook.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0755u);
  BOOST_REQUIRE(ensure_stack_repo(t.path, "blog", "/bin/quarry-a", "main").has_value());
  // A new binary path reaches the existing repository.
  BOOST_REQUIRE(ensure_stack_repo(t.path, "blog", "/bin/quarry-b", "main").has_value());
  BOOST_TEST(*read_file(hook) == render_pre_receive_hook("/bin/quarry-b", t.path, "blog"));
}

BOOST_AUTO_TEST_SUITE_END()
