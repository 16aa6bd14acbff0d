// Which instructions a launch carries out at once (concurrent_run_end):
// independent services and nodes together, never one before what it
// depends on or links to, a KILL alone.
#include <boost/test/unit_test.hpp>

#include "launcher/launcher.h"

using namespace quarry;

namespace {

Instruction op(Op o, const std::string& target, std::vector<std::string> depends = {},
               std::vector<std::string> links = {}) {
  Instruction in;
  in.op = o;
  in.stack = "blog";
  in.target = target;
  in.process.name = target;
  in.process.depends_on = std::move(depends);
  in.links = std::move(links);
  return in;
}

// The runs of `list` as "first..last" index ranges.
std::vector<std::string> runs(const std::vector<Instruction>& list) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size();) {
    auto end = concurrent_run_end(list, i);
    out.push_back(std::to_string(i) + ".." + std::to_string(end - 1));
    i = end;
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(launch_order)

BOOST_AUTO_TEST_CASE(sibling_nodes_of_one_service_start_together) {
  // The run_bench stack: counter, then web and worker (both on counter).
  std::vector<Instruction> list = {
      op(Op::Ensure, "counter"),
      op(Op::Deploy, "web", {"counter"}, {"counter"}), op(Op::Scale, "web"),
      op(Op::Deploy, "worker", {"counter"}, {"counter"}), op(Op::Scale, "worker")};
  std::vector<std::string> want{"0..0", "1..4"};
  BOOST_TEST(runs(list) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_link_alone_orders_like_a_dependency) {
  std::vector<Instruction> list = {op(Op::Ensure, "db"), op(Op::Ensure, "cache"),
                                   op(Op::Deploy, "web", {}, {"cache", "db"}), op(Op::Route, "web")};
  std::vector<std::string> want{"0..1", "2..3"};
  BOOST_TEST(runs(list) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_node_on_a_node_waits_and_kills_stand_alone) {
  std::vector<Instruction> list = {op(Op::Kill, "old"), op(Op::Deploy, "api"), op(Op::Deploy, "web", {"api"}),
                                   op(Op::Route, "web"), op(Op::Kill, "gone"), op(Op::Kill, "gone-too")};
  std::vector<std::string> want{"0..0", "1..1", "2..3", "4..4", "5..5"};
  BOOST_TEST(runs(list) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_empty_tail_ends_where_it_starts_plus_one) {
  std::vector<Instruction> list = {op(Op::Route, "web")};
  BOOST_TEST(concurrent_run_end(list, 0) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
