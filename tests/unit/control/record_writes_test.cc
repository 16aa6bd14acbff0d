// The books written once per phase of a pass, not once per action: a
// batched StackRecords holds its changes until flush(), and a pass's
// executor writes a stack's books once after forgetting what lost servers
// ran (before the router reads them) and once at the end.
#include <boost/test/unit_test.hpp>

#include "launcher/stack_records.h"
#include "tests/fakes/memory_store.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

const std::string kBooks = "stacks/blog/containers.json";

// The writes of `key` since `cursor` (MemoryStore journals every one).
int writes_of(Store& store, const std::string& key, WatchCursor& cursor) {
  auto events = store.watch(key, cursor, std::chrono::milliseconds(0));
  BOOST_TEST_REQUIRE(events.has_value());
  return static_cast<int>(events->size());
}

WatchCursor cursor_now(Store& store, const std::string& key) {
  WatchCursor c;
  (void)store.watch(key, c, std::chrono::milliseconds(0));
  return c;
}

// Five changes to the books of one stack in either mode: the writes each
// mode makes, and the books the store holds after.
struct Changes {
  int writes = 0;
  std::vector<ContainerRecord> stored;
  std::vector<ContainerRecord> held;
};
Changes five_changes(RecordWrites mode, bool flush) {
  MemoryStore store;
  BOOST_TEST_REQUIRE(save_containers(store, "blog", {test::blog_record("web", 1, 1, "s1")}).has_value());
  auto cursor = cursor_now(store, kBooks);
  auto recs = StackRecords::load(store, "blog", mode);
  BOOST_TEST_REQUIRE(recs.has_value());
  BOOST_TEST(recs->add(test::blog_record("web", 2, 1, "s2")).has_value());
  BOOST_TEST(recs->add(test::blog_record("web", 3, 1, "s3")).has_value());
  BOOST_TEST(recs->add(test::blog_record("db", 1, 1, "s1", true)).has_value());
  BOOST_TEST(recs->remove("blog-web-r1-1").has_value());
  BOOST_TEST(recs->update([](const ContainerRecord& r) { return r.node == "web"; },
                          [](ContainerRecord& r) { r.state = "running"; })
                 .has_value());
  if (flush) BOOST_TEST(recs->flush().has_value());
  Changes out;
  out.writes = writes_of(store, kBooks, cursor);
  out.stored = load_containers(store, "blog").value();
  out.held = recs->all();
  return out;
}

std::vector<std::string> names(const std::vector<ContainerRecord>& list) {
  std::vector<std::string> out;
  for (const auto& r : list) out.push_back(r.name + (r.state.empty() ? "" : ":" + r.state));
  return out;
}

BOOST_AUTO_TEST_SUITE(record_writes)

BOOST_AUTO_TEST_CASE(batched_books_hold_n_changes_for_one_write) {
  auto each = five_changes(RecordWrites::Each, false);
  BOOST_TEST(each.writes == 5);
  auto held = five_changes(RecordWrites::Batched, false);
  BOOST_TEST(held.writes == 0);
  BOOST_TEST(names(held.stored) == std::vector<std::string>{"blog-web-r1-1"});  // the store has none of them yet
  auto batched = five_changes(RecordWrites::Batched, true);
  BOOST_TEST(batched.writes == 1);
  // The one write holds what the five writes did.
  BOOST_TEST(names(batched.stored) == names(each.stored));
  BOOST_TEST(names(batched.stored) == names(batched.held));
  BOOST_TEST(names(batched.stored) ==
             (std::vector<std::string>{"blog-db", "blog-web-r1-2:running", "blog-web-r1-3:running"}));
}

BOOST_AUTO_TEST_CASE(a_flush_with_nothing_held_writes_nothing) {
  MemoryStore store;
  auto cursor = cursor_now(store, kBooks);
  auto recs = StackRecords::load(store, "blog", RecordWrites::Batched);
  BOOST_TEST_REQUIRE(recs.has_value());
  BOOST_TEST(recs->flush().has_value());
  BOOST_TEST(recs->add(test::blog_record("web", 1, 1, "s1")).has_value());
  BOOST_TEST(recs->flush().has_value());
  BOOST_TEST(recs->flush().has_value());
  BOOST_TEST(writes_of(store, kBooks, cursor) == 1);
  auto each = StackRecords::load(store, "blog");
  BOOST_TEST(each->flush().has_value());
  BOOST_TEST(writes_of(store, kBooks, cursor) == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_flush_keeps_the_changes_for_the_next) {
  MemoryStore store;
  auto recs = StackRecords::load(store, "blog", RecordWrites::Batched);
  BOOST_TEST_REQUIRE(recs.has_value());
  BOOST_TEST(recs->add(test::blog_record("web", 1, 1, "s1")).has_value());
  store.fail_with("disk full");
  BOOST_TEST(!recs->flush().has_value());
  store.fail_with("");
  BOOST_TEST(recs->flush().has_value());
  BOOST_TEST(load_containers(store, "blog").value().size() == 1u);
}

// Counts each sync and the web records the store holds when it runs.
class BooksRouter : public RouterHook {
 public:
  explicit BooksRouter(Store& store) : store_(store) {}
  Status sync() override {
    int n = 0;
    auto books = load_containers(store_, "blog");
    if (!books) return std::unexpected(books.error());
    for (const auto& r : *books) n += r.node == "web";
    std::lock_guard lock(mu_);
    web_records.push_back(n);
    return {};
  }
  std::mutex mu_;
  std::vector<int> web_records;

 private:
  Store& store_;
};

BOOST_AUTO_TEST_CASE(a_pass_writes_a_stacks_books_once_per_phase_not_per_action) {
  test::ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  // Both replicas and the service exit: three restarts.
  for (const auto& r : f.books()) f.docker.kill(r.server, r.name);
  auto loop = f.loop();
  f.clock.advance_ms(1000);
  auto cursor = cursor_now(f.store, kBooks);
  auto report = loop.pass();
  BOOST_TEST_REQUIRE(report.has_value());
  BOOST_TEST(report->plans.at("blog").count(ActionKind::Restart) == 3);
  BOOST_TEST(report->errors.empty());
  // Nothing forgotten: one write, at the end.
  BOOST_TEST(writes_of(f.store, kBooks, cursor) == 1);
  for (const auto& r : f.books()) BOOST_TEST(f.docker.running(r.server, r.name));
  BOOST_TEST(f.books().size() == 3u);
  // A replica gone is forgotten first (its record out of the router), then
  // replaced: two writes.
  auto web = f.books_of("web").front();
  f.docker.kill(web.server, web.name, true);
  f.clock.advance_ms(1000);
  report = loop.pass();
  BOOST_TEST_REQUIRE(report.has_value());
  BOOST_TEST(report->plans.at("blog").count(ActionKind::Replace) == 1);
  BOOST_TEST(writes_of(f.store, kBooks, cursor) == 2);
  BOOST_TEST(f.books_of("web").size() == 2u);
  for (const auto& r : f.books_of("web")) BOOST_TEST(r.weight == 1);
}

BOOST_AUTO_TEST_CASE(what_a_down_server_ran_is_written_before_the_router_reads_the_books) {
  test::ControlFixture f;
  BooksRouter router(f.store);
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto web = f.books_of("web");
  BOOST_TEST_REQUIRE(web.size() == 2u);
  const auto lost = web[0].server;
  f.docker.cut(lost);
  auto env = f.env();
  env.router = &router;
  ControlLoop loop(env, f.settings, f.options);
  f.clock.advance_ms(1000);
  BOOST_TEST_REQUIRE(loop.pass().has_value());  // suspect
  f.clock.advance_ms(f.settings.health.down_after_ms + 1000);
  auto cursor = cursor_now(f.store, kBooks);
  router.web_records.clear();
  auto report = loop.pass();
  BOOST_TEST_REQUIRE(report.has_value());
  BOOST_TEST(report->plans.at("blog").count(ActionKind::Move) >= 1);
  // The record forgotten (one write) before the router's first update, the
  // replacement recorded (one more) before its second.
  BOOST_TEST(writes_of(f.store, kBooks, cursor) == 2);
  BOOST_TEST_REQUIRE(router.web_records.size() == 2u);
  int kept = 0;
  for (const auto& r : web) kept += r.server != lost;
  BOOST_TEST(router.web_records[0] == kept);
  BOOST_TEST(router.web_records[1] == 2);
  for (const auto& r : f.books_of("web")) BOOST_TEST(r.server != lost);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
