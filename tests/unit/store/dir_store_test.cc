#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "core/file_io.h"
#include "store/dir_store.h"

using namespace quarry;

namespace {
struct TempStore {
  std::string root = make_temp_dir("quarry-store").value();
  DirStore store{root};
  ~TempStore() { (void)remove_all(root); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(dir_store)

BOOST_AUTO_TEST_CASE(put_get_list_remove) {
  TempStore t;
  BOOST_TEST(!t.store.get("stacks/blog/releases/1.json").value().has_value());
  BOOST_REQUIRE(t.store.put("stacks/blog/releases/1.json", "{}").has_value());
  BOOST_REQUIRE(t.store.put("stacks/blog/releases/2.json", "{}").has_value());
  BOOST_TEST(t.store.get("stacks/blog/releases/1.json").value().value() == "{}");
  auto names = t.store.list("stacks/blog/releases").value();
  BOOST_TEST(names == (std::vector<std::string>{"1.json", "2.json"}));
  BOOST_TEST(t.store.list("stacks/none").value().empty());
  BOOST_REQUIRE(t.store.remove("stacks/blog").has_value());
  BOOST_TEST(t.store.list("stacks").value().empty());
  BOOST_TEST(t.store.remove("stacks/blog").has_value());  // already gone
}

BOOST_AUTO_TEST_CASE(keys_cannot_escape_root) {
  TempStore t;
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a//b", "a/./b", "a/..", ""}) {
    BOOST_TEST_CONTEXT("key " << bad) {
      auto r = t.store.put(bad, "x");
      BOOST_TEST(!r.has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(locate_names_the_file) {
  DirStore s("/home/quarry/");
  BOOST_TEST(s.locate("grid/grid.json") == "/home/quarry/grid/grid.json");
}

// A writer killed mid-write leaves the previous value whole, and the next
// reader still gets it.
BOOST_AUTO_TEST_CASE(interrupted_write_keeps_previous_state) {
  TempStore t;
  const std::string key = "grid/grid.json";
  const std::string before = R"({"blocks":[]})";
  BOOST_REQUIRE(t.store.put(key, before).has_value());
  for (int round = 0; round < 10; ++round) {
    pid_t pid = fork();
    if (pid == 0) {
      DirStore child(t.root);
      std::string big(4 << 20, 'x');
      for (;;) (void)child.put(key, big);
    }
    usleep(2000 + round * 700);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    auto now = t.store.get(key).value().value();
    BOOST_TEST((now == before || now == std::string(4 << 20, 'x')));
  }
  auto names = t.store.list("grid").value();
  for (const auto& name : names) BOOST_TEST(name == "grid.json");
}

BOOST_AUTO_TEST_CASE(lock_serializes_and_names_holder) {
  TempStore t;
  auto first = t.store.lock("stacks/blog/deploy", "push of blog by alice");
  BOOST_REQUIRE(first.has_value());
  pid_t pid = fork();
  if (pid == 0) {
    DirStore child(t.root);
    std::string who;
    auto got = child.lock("stacks/blog/deploy", "second", std::chrono::seconds(5),
                          [&](const std::string& h) { who = h; });
    _exit(got.has_value() && who.find("push of blog by alice") == 0 ? 0 : 1);
  }
  usleep(200000);
  first->unlock();
  int status = 0;
  waitpid(pid, &status, 0);
  BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
