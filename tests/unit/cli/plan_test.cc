#include <boost/test/unit_test.hpp>

#include "launcher/plan.h"

using namespace quarry;

namespace {
Instruction op(Op o, const std::string& target, int scale = 0, std::vector<std::string> domains = {}) {
  Instruction in;
  in.op = o;
  in.stack = "blog";
  in.target = target;
  in.scale = scale;
  in.domains = std::move(domains);
  in.process.name = target;
  in.process.scale = scale;
  return in;
}
ContainerRecord rec(const std::string& node, int index, int release, bool service = false) {
  ContainerRecord r;
  r.stack = "blog";
  r.node = node;
  r.index = index;
  r.release = release;
  r.service = service;
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(plan)

BOOST_AUTO_TEST_CASE(replace_scale_down_keep_kill_and_routes) {
  InstructionList list;
  list.stack = "blog";
  list.instructions = {op(Op::Ensure, "db"), op(Op::Deploy, "web", 2), op(Op::Scale, "web", 2),
                       op(Op::Route, "web", 0, {"blog.example.com"}), op(Op::Kill, "old")};
  std::vector<ContainerRecord> current = {rec("db", 1, 1, true), rec("web", 1, 4), rec("web", 2, 4), rec("web", 3, 4),
                                          rec("old", 1, 4)};
  RouteList routed = {{"old.example.com", "web"}};
  auto p = make_plan(list, current, routed);
  BOOST_TEST(render_plan(p) ==
             "plan for stack blog:\n"
             "  = db#1  kept (services are not restarted on deploy)\n"
             "  ~ web#1  release 4 -> next\n"
             "  ~ web#2  release 4 -> next\n"
             "  - web#3  scaled down\n"
             "  - old#1  no longer in the manifest\n"
             "  + route blog.example.com -> web\n"
             "  - route old.example.com -> web\n"
             "0 to start, 2 to replace, 2 to kill, 1 kept; 2 route change(s)\n");
  BOOST_TEST(plan_to_json(p)["summary"]["kill"] == 2);
}

BOOST_AUTO_TEST_SUITE_END()
