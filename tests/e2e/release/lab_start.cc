#include <cstdlib>

#include "tests/e2e/deploy/e2e_cluster.h"
#include "tests/e2e/release/quarry_lab.h"

namespace quarry {

StartedLab start_lab() {
  StartedLab out;
  out.cannot_run = e2e::TestCluster::missing_prerequisite();
  if (!out.cannot_run.empty()) return out;
  out.lab = std::make_unique<QuarryLab>(LabOptions{std::getenv("QUARRY_BIN"), std::getenv("QUARRY_SOURCE_DIR"), 3, 1024, 512});
  if (auto s = out.lab->up(); !s) out.cannot_run = "cluster did not come up: " + s.error().message;
  return out;
}

}  // namespace quarry
