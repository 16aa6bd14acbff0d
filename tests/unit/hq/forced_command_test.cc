#include <boost/test/unit_test.hpp>

#include "hq/forced_command.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(forced_command)

struct Allowed {
  const char* command;
  GitService service;
  const char* stack;
};

BOOST_AUTO_TEST_CASE(allowed_requests) {
  const Allowed cases[] = {
      {"git-receive-pack 'blog'", GitService::ReceivePack, "blog"},
      {"git-receive-pack '/blog.git'", GitService::ReceivePack, "blog"},
      {"git-receive-pack 'blog.git'", GitService::ReceivePack, "blog"},
      {"git-receive-pack blog", GitService::ReceivePack, "blog"},
      {"git-upload-pack '/my-app'", GitService::UploadPack, "my-app"},
      {"git-upload-pack 'app2.git'", GitService::UploadPack, "app2"},
  };
  for (const auto& c : cases) {
    auto r = parse_git_request(c.command);
    BOOST_REQUIRE_MESSAGE(r.has_value(), c.command);
    BOOST_TEST((r->service == c.service), c.command);
    BOOST_TEST(r->stack == c.stack, c.command);
  }
}

BOOST_AUTO_TEST_CASE(refused_requests) {
  const char* cases[] = {
      "",                                    // interactive login
      "   ",
      "bash",
      "sh -c 'id'",
      "git-upload-archive 'blog'",
      "git-receive-pack",
      "git-receive-pack '../etc'",
      "git-receive-pack '/../../etc/passwd'",
      "git-receive-pack 'a/b'",
      "git-receive-pack '.git'",
      "git-receive-pack 'Blog'",
      "git-receive-pack 'blog' 'other'",
      "git-receive-pack 'blog'; rm -rf /",
      "git-receive-pack 'blog",
      "git-receive-pack $(id)",
      "git-receive-pack '-blog'",
      "git-receive-pack 'bl'\\''og'",
      "git receive-pack 'blog'",
  };
  for (const char* c : cases) {
    auto r = parse_git_request(c);
    BOOST_TEST(!r.has_value(), "accepted: " << c);
    if (!r) BOOST_TEST((r.error().kind == ErrorKind::User), c);
  }
}

BOOST_AUTO_TEST_CASE(interactive_login_says_what_is_allowed) {
  auto r = parse_git_request("");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message ==
             "interactive logins are refused: this account only serves `git push` and `git fetch` of quarry stacks");
}

BOOST_AUTO_TEST_CASE(program_names) {
  BOOST_TEST(std::string(service_program(GitService::ReceivePack)) == "git-receive-pack");
  BOOST_TEST(std::string(service_program(GitService::UploadPack)) == "git-upload-pack");
}

BOOST_AUTO_TEST_SUITE_END()
