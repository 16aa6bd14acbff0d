#include <boost/test/unit_test.hpp>

#include "grid/best_fit_policy.h"
#include "grid/grid.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;
using Log = std::vector<std::string>;

namespace {

struct Fixture {
  ManualClock clock{1000};
  RecordingEvents events;
  GridOptions options;
  Grid make() { return Grid(options, std::make_unique<BestFitPolicy>(), GridDeps{&events, &clock, nullptr}); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(grid, Fixture)

BOOST_AUTO_TEST_CASE(places_and_removes_slices) {
  auto g = make();
  BOOST_REQUIRE(g.add_block(block("s1", 4096, 2000)).has_value());
  auto p = g.add_slice(node("blog/web/0", 1024, 500));
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->block.value_or("") == "s1");
  BOOST_TEST(g.block("s1")->used == (Resources{1024, 500}));
  BOOST_REQUIRE(g.remove_slice("blog/web/0").has_value());
  BOOST_TEST(g.block("s1")->used.is_zero());
  BOOST_TEST(events.take() == (Log{"added blog/web/0 s1", "removed blog/web/0 s1"}));
}

BOOST_AUTO_TEST_CASE(rejects_bad_input_and_changes_nothing) {
  auto g = make();
  BOOST_REQUIRE(g.add_block(block("s1", 4096, 2000)).has_value());
  BOOST_REQUIRE(g.add_slice(node("blog/web/0", 1024, 500)).has_value());
  struct {
    Slice slice;
    const char* message;
  } cases[] = {
      {node("blog/web/0", 1, 1), "slice 'blog/web/0' is already in the grid"},
      {node("blog/web", 1, 1), "slice 'blog/web': id must be stack/node/index"},
      {node("blog/web/x", 1, 1), "slice 'blog/web/x': index 'x' is not a number"},
      {node("blog//1", 1, 1), "slice 'blog//1': id must be stack/node/index"},
      {node("blog/web/1", 0, 1), "slice 'blog/web/1': memory must be positive"},
  };
  for (const auto& c : cases) {
    auto r = g.add_slice(c.slice);
    BOOST_REQUIRE_MESSAGE(!r.has_value(), c.message);
    BOOST_TEST(r.error().message == c.message);
  }
  BOOST_TEST(g.add_block(block("s1", 1, 1)).error().message == "block 's1' is already in the grid");
  BOOST_TEST(g.remove_slice("x/y/1").error().message == "no slice 'x/y/1' in the grid");
  BOOST_TEST(g.slice_count() == 1u);
}

BOOST_AUTO_TEST_CASE(pending_without_autosize_then_placed_when_room_appears) {
  auto g = make();
  BOOST_REQUIRE(g.add_block(block("s1", 2048, 2000)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/web/0", 1536, 100)).has_value());
  auto p = g.add_slice(node("a/web/1", 1024, 100));
  BOOST_TEST(p->pending());
  BOOST_TEST(g.pending_count() == 1u);
  BOOST_TEST(events.requests.empty());
  BOOST_REQUIRE(g.remove_slice("a/web/0").has_value());
  BOOST_TEST(g.placement("a/web/1")->block.value_or("") == "s1");
  BOOST_TEST(events.take() == (Log{"added a/web/0 s1", "removed a/web/0 s1", "added a/web/1 s1"}));
}

BOOST_AUTO_TEST_CASE(autosize_asks_once_for_slices_that_share_a_request) {
  options.autosize = true;
  options.block_size = {4096, 2000};
  auto g = make();
  BOOST_TEST(g.add_slice(node("a/web/0", 1024, 500))->pending());
  BOOST_TEST(g.add_slice(node("a/web/1", 1024, 500))->pending());
  BOOST_TEST(g.add_slice(node("a/db/0", 3072, 500))->pending());
  BOOST_TEST(events.take() == (Log{"create #1 4096MB/2000m", "create #2 4096MB/2000m"}));
  BOOST_REQUIRE(g.add_block(block("s1", 4096, 2000), 1).has_value());
  BOOST_TEST(g.pending_count() == 1u);
  BOOST_REQUIRE(g.add_block(block("s2", 4096, 2000), 2).has_value());
  BOOST_TEST(g.pending_count() == 0u);
  BOOST_TEST(events.take() == (Log{"added a/web/0 s1", "added a/web/1 s1", "added a/db/0 s2"}));
  BOOST_TEST(g.add_block(block("s3", 1, 1), 7).error().message == "no create request 7 in flight");
}

BOOST_AUTO_TEST_CASE(a_failed_create_loses_nothing_and_tick_asks_again) {
  options.autosize = true;
  options.block_size = {4096, 2000};
  auto g = make();
  BOOST_REQUIRE(g.add_slice(node("a/web/0", 1024, 500)).has_value());
  BOOST_REQUIRE(g.create_failed(1, Error{"quota exceeded", ErrorKind::Remote}).has_value());
  BOOST_TEST(g.pending_count() == 1u);
  BOOST_TEST(g.creating_count() == 0u);
  BOOST_TEST(g.errors() == (Log{"create request 1 failed: quota exceeded; 1 slice(s) stay pending"}));
  BOOST_REQUIRE(g.tick().has_value());
  BOOST_TEST(events.take() == (Log{"create #1 4096MB/2000m", "create #2 4096MB/2000m"}));
  BOOST_TEST(g.create_failed(1, Error{}).error().message == "no create request 1 in flight");
}

BOOST_AUTO_TEST_CASE(max_is_never_exceeded_with_requests_in_flight) {
  options.autosize = true;
  options.max_blocks = 2;
  options.block_size = {1024, 1000};
  auto g = make();
  for (int i = 0; i < 4; ++i) BOOST_REQUIRE(g.add_slice(node("a/w/" + std::to_string(i), 1024, 100)).has_value());
  BOOST_TEST(g.creating_count() == 2u);
  BOOST_TEST(events.requests.size() == 2u);
  BOOST_TEST(g.errors().back() == "grid is at its max of 2 blocks; slice 'a/w/3' stays pending");
  BOOST_TEST(g.add_block(block("extra", 1024, 1000)).error().message == "grid is at its max of 2 blocks");
  BOOST_REQUIRE(g.add_block(block("s1", 1024, 1000), 1).has_value());
  BOOST_REQUIRE(g.add_block(block("s2", 1024, 1000), 2).has_value());
  BOOST_TEST(g.pending_count() == 2u);
  BOOST_TEST(g.creating_count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_slice_larger_than_a_new_block_is_reported_not_requested) {
  options.autosize = true;
  options.block_size = {1024, 1000};
  auto g = make();
  BOOST_TEST(g.add_slice(node("a/db/0", 2048, 100))->pending());
  BOOST_TEST(events.requests.empty());
  BOOST_TEST(g.errors().back() == "slice 'a/db/0' needs more than a whole new block (1024MB, 1000m); it stays pending");
}

BOOST_AUTO_TEST_CASE(a_handler_may_answer_at_once) {
  options.autosize = true;
  options.block_size = {2048, 1000};
  auto g = make();
  events.grid = &g;
  events.answer_with_block = true;
  auto p = g.add_slice(node("a/web/0", 1024, 100));
  BOOST_TEST(p->block.value_or("") == "auto1");
  BOOST_TEST(events.take() == (Log{"create #1 2048MB/1000m", "added a/web/0 auto1"}));
  events.answer_with_block = false;
  events.answer_with_failure = true;
  BOOST_TEST(g.add_slice(node("a/web/1", 2048, 100))->pending());
  BOOST_TEST(events.take() == (Log{"create #2 2048MB/1000m"}));
  BOOST_TEST(g.errors().size() == 1u);
}

BOOST_AUTO_TEST_CASE(remove_block_moves_nodes_and_services_only_on_request) {
  auto g = make();
  BOOST_REQUIRE(g.add_block(block("s1", 4096, 4000)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/web/0", 1024, 100)).has_value());
  BOOST_REQUIRE(g.add_slice(service("a/db/0", 1024, 100)).has_value());
  BOOST_REQUIRE(g.add_block(block("s2", 4096, 4000)).has_value());
  events.take();
  auto refused = g.remove_block("s1");
  BOOST_REQUIRE(!refused.has_value());
  BOOST_TEST(refused.error().message == "block 's1' holds services (a/db/0); drain it with services moved to take it out");
  BOOST_TEST(g.placement("a/web/0")->block.value_or("") == "s1");
  auto drained = g.remove_block("s1", true);
  BOOST_REQUIRE(drained.has_value());
  BOOST_TEST(drained->moved == (std::vector<Move>{{"a/web/0", "s1", "s2"}, {"a/db/0", "s1", "s2"}}));
  BOOST_TEST(events.take() == (Log{"added a/web/0 s2", "removed a/web/0 s1", "added a/db/0 s2", "removed a/db/0 s1"}));
  BOOST_TEST(g.block_count() == 1u);
  auto last = g.remove_block("s2", true);
  BOOST_TEST(last->pending == (Log{"a/web/0", "a/db/0"}));
  BOOST_TEST(g.pending_count() == 2u);
}

BOOST_AUTO_TEST_CASE(resize_grows_and_refuses_to_cut_below_use) {
  auto g = make();
  BOOST_REQUIRE(g.add_block(block("s1", 1024, 1000)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/web/0", 1024, 100)).has_value());
  BOOST_TEST(g.add_slice(node("a/web/1", 1024, 100))->pending());
  BOOST_TEST(g.resize_block("s1", {512, 1000}).error().message ==
             "block 's1' cannot shrink to 512MB/1000m: its slices use 1024MB/100m");
  BOOST_REQUIRE(g.resize_block("s1", {2048, 1000}).has_value());
  BOOST_TEST(g.placement("a/web/1")->block.value_or("") == "s1");
}

BOOST_AUTO_TEST_CASE(anti_affinity_spreads_replicas_while_it_can) {
  auto g = make();
  BOOST_REQUIRE(g.add_block(block("s1", 8192, 4000)).has_value());
  BOOST_REQUIRE(g.add_block(block("s2", 8192, 4000)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/web/0", 1024, 100)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/web/1", 1024, 100)).has_value());
  BOOST_TEST(*g.placement("a/web/0")->block != *g.placement("a/web/1")->block);
  BOOST_REQUIRE(g.add_slice(node("a/web/2", 1024, 100)).has_value());  // two blocks, three replicas: shares
  BOOST_TEST(g.pending_count() == 0u);
}

BOOST_AUTO_TEST_CASE(required_tags_route_slices) {
  auto g = make();
  BOOST_REQUIRE(g.add_block(block("s1", 8192, 4000)).has_value());
  BOOST_REQUIRE(g.add_block(block("r1", 1024, 1000, {{"role", "router"}})).has_value());
  BOOST_TEST(g.add_slice(node("q/router/0", 512, 100, {{"role", "router"}}))->block.value_or("") == "r1");
  BOOST_TEST(g.add_slice(node("q/router/1", 1024, 100, {{"role", "router"}}))->pending());
}

BOOST_AUTO_TEST_CASE(hysteresis_keeps_new_and_recently_emptied_blocks) {
  options.autosize = true;
  options.block_size = {1024, 1000};
  options.min_age_ms = 60'000;
  options.low_for_ms = 30'000;
  auto g = make();
  BOOST_REQUIRE(g.add_slice(node("a/w/0", 1024, 100)).has_value());
  BOOST_REQUIRE(g.add_block(block("s1", 1024, 1000), 1).has_value());
  clock.advance_ms(50'000);
  BOOST_REQUIRE(g.remove_slice("a/w/0").has_value());
  BOOST_REQUIRE(g.tick().has_value());
  BOOST_TEST(g.block_count() == 1u);  // too young
  clock.advance_ms(20'000);
  BOOST_REQUIRE(g.tick().has_value());
  BOOST_TEST(g.block_count() == 1u);  // old enough, but empty for only 20 s
  clock.advance_ms(10'000);
  BOOST_REQUIRE(g.tick().has_value());
  BOOST_TEST(g.block_count() == 0u);
  BOOST_TEST(events.take().back() == "destroy s1");
}

// The whole life of an autosized grid: empty, grown to max, shrunk to min.
BOOST_AUTO_TEST_CASE(event_sequence_from_empty_to_max_and_back_to_min) {
  options.autosize = true;
  options.min_blocks = 1;
  options.max_blocks = 3;
  options.block_size = {2048, 2000};
  options.min_age_ms = 1000;
  options.low_for_ms = 1000;
  auto g = make();
  for (int i = 0; i < 4; ++i) BOOST_REQUIRE(g.add_slice(node("a/w/" + std::to_string(i), 1024, 100)).has_value());
  for (std::uint64_t r = 1; r <= 2; ++r)
    BOOST_REQUIRE(g.add_block(block("s" + std::to_string(r), 2048, 2000), r).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/w/4", 2048, 100)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/w/5", 1024, 100)).has_value());
  BOOST_REQUIRE(g.add_block(block("s3", 2048, 2000), 3).has_value());
  BOOST_TEST(events.take() == (Log{"create #1 2048MB/2000m", "create #2 2048MB/2000m", "added a/w/0 s1",
                                   "added a/w/1 s1", "added a/w/2 s2", "added a/w/3 s2", "create #3 2048MB/2000m",
                                   "added a/w/4 s3"}));
  BOOST_TEST(g.pending_count() == 1u);  // a/w/5: the grid is at max
  for (auto id : {"a/w/0", "a/w/1", "a/w/2", "a/w/3", "a/w/4", "a/w/5"}) BOOST_REQUIRE(g.remove_slice(id).has_value());
  clock.advance_ms(5000);
  BOOST_REQUIRE(g.tick().has_value());
  BOOST_TEST(events.take() == (Log{"removed a/w/0 s1", "added a/w/5 s1", "removed a/w/1 s1", "removed a/w/2 s2",
                                   "removed a/w/3 s2", "removed a/w/4 s3", "removed a/w/5 s1", "destroy s1",
                                   "destroy s2"}));
  BOOST_TEST(g.block_count() == 1u);
}

// Keeps what the grid hands over, or fails when told to.
struct RecordingSink final : GridSink {
  Status save(const GridState& state) override {
    if (fail) return fail_remote("disk full");
    saved.push_back(state);
    return {};
  }
  std::vector<GridState> saved;
  bool fail = false;
};

BOOST_AUTO_TEST_CASE(hands_its_state_to_the_sink_after_each_change_and_reports_a_failed_save) {
  RecordingSink sink;
  Grid g(options, std::make_unique<BestFitPolicy>(), GridDeps{nullptr, &clock, &sink});
  BOOST_REQUIRE(g.add_block(block("s1", 1024, 1000)).has_value());
  BOOST_REQUIRE(sink.saved.size() == 1u);
  BOOST_TEST((sink.saved.back() == g.snapshot()));
  BOOST_REQUIRE(g.add_slice(node("a/w/0", 512, 100)).has_value());
  BOOST_REQUIRE(sink.saved.size() == 2u);
  BOOST_TEST(sink.saved.back().blocks.at(0).slices.at(0).id == "a/w/0");
  sink.fail = true;
  auto r = g.add_slice(node("a/w/1", 256, 100));
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "disk full");
  BOOST_TEST(g.placement("a/w/1").has_value());  // the change stays in memory
  sink.fail = false;
  BOOST_REQUIRE(g.remove_slice("a/w/0").has_value());
  BOOST_REQUIRE(sink.saved.size() == 3u);  // the next save carries the change the failed one lost
  BOOST_TEST(sink.saved.back().blocks.at(0).slices.at(0).id == "a/w/1");
}

BOOST_AUTO_TEST_CASE(without_a_sink_nothing_is_saved_and_nothing_fails) {
  Grid g = make();
  BOOST_TEST(g.add_block(block("s1", 1024, 1000)).has_value());
  BOOST_TEST(g.add_slice(node("a/w/0", 512, 100)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
