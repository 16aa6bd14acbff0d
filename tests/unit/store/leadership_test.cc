// DirLeadership (flock on one machine) and make_leadership's choice.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "core/file_io.h"
#include "store/dir_leadership.h"
#include "store/store_url.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {
struct TempHome {
  std::string root = make_temp_dir("quarry-lead").value();
  ~TempHome() { (void)remove_all(root); }
};
std::int64_t clock_at(std::int64_t t) { return t; }
}  // namespace

BOOST_AUTO_TEST_SUITE(dir_leadership)

BOOST_AUTO_TEST_CASE(one_leader_then_takeover_after_resign) {
  TempHome h;
  DirStore sa(h.root), sb(h.root);
  DirLeadership a(sa, [] { return clock_at(100); }), b(sb, [] { return clock_at(200); });
  auto won = a.campaign("hq-a").value();
  BOOST_REQUIRE(won.has_value());
  BOOST_TEST(won->term == 1);
  BOOST_TEST(won->since == 100);
  BOOST_TEST(a.is_leader());
  BOOST_TEST(!b.campaign("hq-b").value().has_value());
  BOOST_TEST(!b.is_leader());
  BOOST_TEST(b.leader().value()->hq_id == "hq-a");
  BOOST_TEST(a.campaign("hq-a").value()->fence == won->fence);  // campaigning again keeps the term
  Txn write;
  write.put("stacks/x/containers.json", "by a");
  BOOST_TEST(commit_fenced(sa, *won, write).value());
  BOOST_REQUIRE(a.resign().has_value());
  BOOST_TEST(!a.is_leader());
  BOOST_TEST(!b.leader().value().has_value());
  auto next = b.campaign("hq-b").value();
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST(next->term == 2);
  BOOST_TEST(next->fence != won->fence);
  Txn late;
  late.put("stacks/x/containers.json", "late");
  BOOST_TEST(!commit_fenced(sa, *won, late).value());
  BOOST_TEST(sa.get("stacks/x/containers.json").value().value() == "by a");
}

BOOST_AUTO_TEST_CASE(dead_leader_frees_the_term) {
  TempHome h;
  pid_t child = fork();
  if (child == 0) {
    DirStore s(h.root);
    DirLeadership mine(s, [] { return clock_at(1); });
    auto won = mine.campaign("hq-dies");
    _exit(won && *won ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  DirStore s(h.root);
  DirLeadership b(s, [] { return clock_at(2); });
  BOOST_TEST(!b.leader().value().has_value());  // the record remains, its holder does not
  auto won = b.campaign("hq-b").value();
  BOOST_REQUIRE(won.has_value());
  BOOST_TEST(won->term == 2);
}

BOOST_AUTO_TEST_CASE(make_leadership_needs_dir_or_etcd) {
  MemoryStore memory;
  auto got = make_leadership(memory, kDefaultLeaderTtl, [] { return clock_at(0); });
  BOOST_REQUIRE(!got.has_value());
  BOOST_TEST(got.error().exit_code() == 2);
  TempHome h;
  DirStore dir(h.root);
  BOOST_TEST(make_leadership(dir, kDefaultLeaderTtl, [] { return clock_at(0); }).has_value());
}

BOOST_AUTO_TEST_CASE(store_urls) {
  struct Case {
    const char* url;
    bool ok;
    const char* says;
  };
  const Case cases[] = {
      {"dir:/home/quarry", true, ""},
      {"dir:relative", false, "absolute path"},
      {"etcd://127.0.0.1:2379,127.0.0.1:2479", true, ""},
      {"etcd://127.0.0.1", false, "HOST:PORT"},
      {"etcd://127.0.0.1:99999", false, "valid port"},
      {"etcd://127.0.0.1:2379?cert=/c.pem", false, "go together"},
      {"etcd://127.0.0.1:2379?colour=red", false, "unknown option"},
      {"consul://x:1", false, "expected dir:PATH or etcd://"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.url) {
      auto got = open_store(c.url);
      BOOST_TEST(got.has_value() == c.ok);
      if (!got) {
        BOOST_TEST(got.error().message.find(c.says) != std::string::npos, got.error().message);
        BOOST_TEST(got.error().exit_code() == 2);
      }
    }
  }
  BOOST_TEST(open_store("etcd://127.0.0.1:2379,127.0.0.1:2479").value()->url() ==
             "etcd://127.0.0.1:2379,127.0.0.1:2479");
}

BOOST_AUTO_TEST_SUITE_END()
