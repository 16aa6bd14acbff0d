// The grid's document in the state store: the golden bytes written at
// grid/grid.json, the round trip, the sink a Grid saves itself through, and
// errors that name where the grid lives.
#include <boost/test/unit_test.hpp>

#include "grid/best_fit_policy.h"
#include "grid/grid.h"
#include "tests/fakes/memory_store.h"
#include "store/grid_store.h"

using namespace quarry;

namespace {

GridState sample() {
  GridState state;
  BlockState bs{Block{"s1", {2048, 1000}, {}, {}, 100, {}}, {}};
  bs.slices.push_back(Slice{"blog/web/0", {512, 250}, false, {}});
  bs.block.used = bs.slices[0].size;
  state.blocks.push_back(bs);
  state.next_request = 1;
  return state;
}

const char* kSampleJson = R"({
  "version": 1,
  "next_request": 1,
  "blocks": [
    {
      "id": "s1",
      "memory_mb": 2048,
      "cpu_millis": 1000,
      "used_memory_mb": 512,
      "used_cpu_millis": 250,
      "tags": {},
      "created_ms": 100,
      "low_since_ms": null,
      "slices": [
        {
          "id": "blog/web/0",
          "memory_mb": 512,
          "cpu_millis": 250,
          "service": false,
          "requires": {}
        }
      ]
    }
  ],
  "pending": [],
  "creating": [],
  "errors": []
}
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(grid_store)

BOOST_AUTO_TEST_CASE(a_missing_grid_is_an_empty_one) {
  MemoryStore store;
  auto empty = load_grid(store, kGridKey);
  BOOST_REQUIRE(empty.has_value());
  BOOST_TEST(empty->blocks.empty());
  BOOST_TEST(empty->pending.empty());
}

BOOST_AUTO_TEST_CASE(writes_the_golden_document_and_reads_it_back) {
  MemoryStore store;
  BOOST_REQUIRE(save_grid(store, kGridKey, sample()).has_value());
  BOOST_TEST(store.get("grid/grid.json").value().value() == kSampleJson);
  auto loaded = load_grid(store, kGridKey);
  BOOST_REQUIRE(loaded.has_value());
  BOOST_TEST((*loaded == sample()));
}

BOOST_AUTO_TEST_CASE(errors_name_where_the_grid_lives) {
  MemoryStore store;
  BOOST_REQUIRE(store.put("grid/grid.json", "[]").has_value());
  BOOST_TEST(load_grid(store, kGridKey).error().message ==
             "memory:grid/grid.json: grid document: top level: expected an object");
  store.fail_with("disk full");
  BOOST_TEST(load_grid(store, kGridKey).error().message == "load grid from memory:grid/grid.json: disk full");
  BOOST_TEST(save_grid(store, kGridKey, sample()).error().message == "save grid to memory:grid/grid.json: disk full");
}

BOOST_AUTO_TEST_CASE(a_grid_saves_itself_through_the_store_sink_after_each_change) {
  MemoryStore store;
  StoreGridSink sink(store);
  ManualClock clock(100);
  Grid grid(GridOptions{}, std::make_unique<BestFitPolicy>(), GridDeps{nullptr, &clock, &sink});
  BOOST_REQUIRE(grid.add_block(BlockSpec{"s1", {2048, 1000}, {}}).has_value());
  BOOST_REQUIRE(grid.add_slice(Slice{"blog/web/0", {512, 250}, false, {}}).has_value());
  BOOST_TEST(store.get("grid/grid.json").value().value() == kSampleJson);
  store.fail_with("disk full");
  auto r = grid.remove_slice("blog/web/0");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "save grid to memory:grid/grid.json: disk full");
  BOOST_TEST(grid.slice_count() == 0u);  // the change stays made in memory
}

BOOST_AUTO_TEST_CASE(the_sink_writes_at_its_own_key) {
  MemoryStore store;
  StoreGridSink sink(store, "elsewhere/grid.json");
  BOOST_REQUIRE(sink.save(sample()).has_value());
  BOOST_TEST(store.get("elsewhere/grid.json").value().value() == kSampleJson);
  BOOST_TEST(!store.get("grid/grid.json").value().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
