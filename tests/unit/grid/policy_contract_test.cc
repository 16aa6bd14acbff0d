// One contract, every policy: the cases below run against each entry of
// all_policies(), and a failure names the policy.
#include <boost/test/unit_test.hpp>

#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

struct Case {
  const char* name;
  void (*run)(PlacementPolicy& p);
};

std::optional<BlockSlot> pick(PlacementPolicy& p, Resources need, const Tags* tags = nullptr,
                              std::vector<BlockSlot> avoid = {}) {
  return p.choose(PlacementRequest{need, tags, avoid});
}

const Case kCases[] = {
    {"empty policy chooses nothing", [](PlacementPolicy& p) { BOOST_TEST(!pick(p, {1, 0})); }},
    {"never a block short of memory",
     [](PlacementPolicy& p) {
       p.insert(0, {512, 4000}, {});
       p.insert(1, {1024, 4000}, {});
       BOOST_TEST((pick(p, {1024, 100}) == std::optional<BlockSlot>(1)));
       BOOST_TEST(!pick(p, {2048, 100}));
     }},
    {"never a block short of cpu",
     [](PlacementPolicy& p) {
       p.insert(0, {8192, 100}, {});
       p.insert(1, {4096, 2000}, {});
       p.insert(2, {100000, 500}, {});
       BOOST_TEST((pick(p, {1024, 1000}) == std::optional<BlockSlot>(1)));
       BOOST_TEST(!pick(p, {1024, 3000}));
     }},
    {"required tags are honored",
     [](PlacementPolicy& p) {
       p.insert(0, {8192, 4000}, {{"role", "worker"}});
       p.insert(1, {1024, 1000}, {{"role", "router"}, {"zone", "a"}});
       Tags router{{"role", "router"}}, db{{"role", "db"}};
       BOOST_TEST((pick(p, {512, 100}, &router) == std::optional<BlockSlot>(1)));
       BOOST_TEST(!pick(p, {2048, 100}, &router));
       BOOST_TEST(!pick(p, {512, 100}, &db));
     }},
    {"anti-affinity: an avoided block only as the last resort",
     [](PlacementPolicy& p) {
       p.insert(0, {4096, 4000}, {});
       p.insert(1, {4096, 4000}, {});
       p.insert(2, {1024, 4000}, {});
       BOOST_TEST((pick(p, {2048, 100}, nullptr, {0}) == std::optional<BlockSlot>(1)));
       BOOST_TEST((pick(p, {2048, 100}, nullptr, {1}) == std::optional<BlockSlot>(0)));
       BOOST_TEST(pick(p, {2048, 100}, nullptr, {0, 1}).has_value());
       BOOST_TEST((pick(p, {512, 100}, nullptr, {0, 1}) == std::optional<BlockSlot>(2)));
     }},
    {"anti-affinity across tag groups",
     [](PlacementPolicy& p) {
       p.insert(0, {4096, 4000}, {});
       p.insert(1, {4096, 4000}, {{"zone", "b"}});
       BOOST_TEST((pick(p, {1024, 100}, nullptr, {0}) == std::optional<BlockSlot>(1)));
       BOOST_TEST((pick(p, {1024, 100}, nullptr, {1}) == std::optional<BlockSlot>(0)));
     }},
    {"erased blocks are forgotten",
     [](PlacementPolicy& p) {
       p.insert(0, {4096, 4000}, {});
       p.erase(0, {4096, 4000});
       BOOST_TEST(!pick(p, {1, 0}));
       p.insert(0, {2048, 1000}, {});
       BOOST_TEST(!pick(p, {4096, 0}));
       BOOST_TEST((pick(p, {2048, 1000}) == std::optional<BlockSlot>(0)));
     }},
    {"fresh gives an empty policy of the same kind",
     [](PlacementPolicy& p) {
       p.insert(0, {4096, 4000}, {});
       auto q = p.fresh();
       BOOST_TEST(q->name() == p.name());
       BOOST_TEST(!q->choose(PlacementRequest{{1, 0}, nullptr, {}}));
     }},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(placement_policy_contract)

BOOST_AUTO_TEST_CASE(every_policy_keeps_the_contract) {
  for (const auto& factory : all_policies()) {
    for (const auto& c : kCases) {
      BOOST_TEST_CONTEXT(factory.name << ": " << c.name) {
        auto policy = factory.make();
        c.run(*policy);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(best_fit_takes_the_tightest_and_spread_the_loosest) {
  for (const auto& factory : all_policies()) {
    auto p = factory.make();
    p->insert(0, {4096, 4000}, {});
    p->insert(1, {1536, 4000}, {});
    p->insert(2, {16384, 4000}, {});
    auto chosen = pick(*p, {1024, 100});
    BOOST_TEST_CONTEXT(factory.name) {
      if (factory.name == "best-fit") BOOST_TEST((chosen == std::optional<BlockSlot>(1)));
      if (factory.name == "spread") BOOST_TEST((chosen == std::optional<BlockSlot>(2)));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
