#include <boost/test/unit_test.hpp>

#include "core/text.h"
#include "grid/grid_picture.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

BlockState filled(std::string id, Resources capacity, std::vector<Slice> slices, Tags tags = {}) {
  BlockState bs{Block{std::move(id), capacity, std::move(tags), {}, 0, std::nullopt}, std::move(slices)};
  for (const auto& s : bs.slices) bs.block.used += s.size;
  return bs;
}

GridState three_blocks() {
  GridState state;
  state.blocks.push_back(filled("s1", {8192, 4000},
                                {node("blog/web/0", 512, 250), service("blog/db/0", 4096, 1000),
                                 node("shop/worker/0", 1024, 500)}));
  state.blocks.push_back(filled("s2", {8192, 4000}, {node("blog/web/1", 512, 250)}));
  state.blocks.push_back(filled("r1", {2048, 1000}, {node("edge/router/0", 256, 100, {{"role", "router"}})},
                                {{"role", "router"}}));
  state.pending.push_back(node("shop/web/0", 6144, 500));
  state.pending.push_back(node("edge/router/1", 2048, 100, {{"role", "router"}}));
  state.creating.push_back(CreateRequest{4, {8192, 4000}, {}, 0});
  state.errors.push_back("grid is at its max of 4 blocks; slice 'shop/web/0' stays pending");
  return state;
}

const char* const kGolden80 = R"(grid: 3 blocks, 5 slices, 2 pending; memory 6.2G/18.0G 35%, cpu 2.1/9.0 23%

s1                        s2                        r1 role=router
mem [#########...]  69%   mem [#...........]   6%   mem [##..........]  13%
cpu [######......]  44%   cpu [#...........]   6%   cpu [##..........]  10%
5.5G/8.0G 1.8/4.0 cpu     512M/8.0G 0.2/4.0 cpu     256M/2.0G 0.1/1.0 cpu
 blog/web/0         512M   blog/web/1         512M   edge/router/0      256M
*blog/db/0          4.0G
 shop/worker/0      1.0G

* service

pending (2): shop/web/0 6.0G/0.5, edge/router/1 2.0G/0.1 role=router
creating: #4 8.0G/4.0
error: grid is at its max of 4 blocks; slice 'shop/web/0' stays pending
)";

const char* const kGolden50 = R"(grid: 3 blocks, 5 slices, 2 pending
memory 6.2G/18.0G 35%, cpu 2.1/9.0 23%

s1                        s2
mem [#########...]  69%   mem [#...........]   6%
cpu [######......]  44%   cpu [#...........]   6%
5.5G/8.0G 1.8/4.0 cpu     512M/8.0G 0.2/4.0 cpu
 blog/web/0         512M   blog/web/1         512M
*blog/db/0          4.0G
 +1 more

r1 role=router
mem [##..........]  13%
cpu [##..........]  10%
256M/2.0G 0.1/1.0 cpu
 edge/router/0      256M

* service

pending (2): shop/web/0 6.0G/0.5,
    edge/router/1 2.0G/0.1 role=router
creating: #4 8.0G/4.0
error: grid is at its max of 4 blocks; slice 's...
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(grid_picture)

BOOST_AUTO_TEST_CASE(empty_grid) {
  BOOST_TEST(render_grid_picture(GridState{}) ==
             "grid: 0 blocks, 0 slices, 0 pending; memory 0M/0M 0%, cpu 0.0/0.0 0%\n");
}

BOOST_AUTO_TEST_CASE(golden_80_columns) {
  BOOST_TEST(render_grid_picture(three_blocks()) == kGolden80);
}

BOOST_AUTO_TEST_CASE(golden_narrow_wraps_columns_and_truncates) {
  PictureOptions options;
  options.width = 50;
  options.max_slices = 2;
  BOOST_TEST(render_grid_picture(three_blocks(), options) == kGolden50);
}

BOOST_AUTO_TEST_CASE(no_line_is_wider_than_asked) {
  for (std::size_t width : {24u, 40u, 50u, 80u, 120u}) {
    PictureOptions options;
    options.width = width;
    for (const auto& line : split_lines(render_grid_picture(three_blocks(), options)))
      BOOST_TEST_CONTEXT("width " << width << ": " << line) { BOOST_TEST(line.size() <= width); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
