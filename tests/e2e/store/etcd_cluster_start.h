// A 3-member etcd on loopback and a local cluster whose every quarry goes
// through it ($QUARRY_STORE), for the e2e suites that run the whole story
// on etcd. Fails the case, saying why, when this machine cannot run them
// (`why` may already name a missing prerequisite of the caller's own).
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

#include "tests/e2e/deploy/e2e_cluster.h"
#include "tests/e2e/store/etcd_lab.h"

namespace quarry::e2e {

inline void start_on_etcd(EtcdLab& etcd, TestCluster& cluster, int servers, const std::string& grid,
                          std::string why = "") {
  if (why.empty()) why = EtcdLab::missing_prerequisite();
  if (why.empty()) why = TestCluster::missing_prerequisite();
  BOOST_REQUIRE_MESSAGE(why.empty(), "cannot run: " + why);
  auto started = etcd.start(3);
  BOOST_REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error().message));
  BOOST_REQUIRE(setenv("QUARRY_STORE", etcd.url().c_str(), 1) == 0);
  auto up = cluster.start(servers, 1024, grid);
  BOOST_REQUIRE_MESSAGE(up.has_value(), (up ? std::string() : up.error().message));
}

}  // namespace quarry::e2e
