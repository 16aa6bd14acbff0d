// scripts/bench-table: the end of `make bench`. Reads benches' --json
// lines (among other output) and prints one table of ratios against aims.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "core/file_io.h"
#include "core/subprocess.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(bench_table)

BOOST_AUTO_TEST_CASE(every_ratio_against_its_aim_from_any_bench) {
  const char* s = std::getenv("QUARRY_SOURCE_DIR");
  std::string src = s ? s : ".";
  auto dir = make_temp_dir("quarry-bench-table").value();
  // A bench of this tree, one another branch might add (bare-number aim),
  // and noise that is not a report.
  BOOST_REQUIRE(write_file_atomic(dir + "/run.json",
                                  "round 1: ...\n"
                                  "{\"name\": \"run_bench\", \"ratios\": {\"quarry/compose\": 0.5512}, \"aims\": "
                                  "{\"quarry/compose\": \"<= 0.6\"}, \"figures\": {\"quarry_up_s\": {\"median\": 1.5, "
                                  "\"min\": 1.25, \"max\": 2, \"n\": 3}}}\n")
                    .has_value());
  BOOST_REQUIRE(write_file_atomic(dir + "/heal.json",
                                  "{\"name\": \"heal_bench\", \"ratios\": {\"heal/floor\": 1.42, \"peer/quarry\": 2.5}, "
                                  "\"aims\": {\"heal/floor\": 1.3, \"peer/quarry\": \">= 3\"}}\n{\"not\": \"a report\"}\n")
                    .has_value());
  auto r = run_process({"python3", src + "/scripts/bench-table", dir + "/run.json", dir + "/heal.json"});
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->exit_code == 0, r->err);
  BOOST_TEST(r->out ==
             "== every ratio against its aim\n"
             "bench       ratio           value  aim     result\n"
             "----------  --------------  -----  ------  ------\n"
             "run_bench   quarry/compose  0.551  <= 0.6  met\n"
             "heal_bench  heal/floor      1.420  1.3     MISSED\n"
             "heal_bench  peer/quarry     2.500  >= 3    MISSED\n"
             "-- run_bench: quarry_up_s 1.5 [1.25 .. 2] n=3\n",
             boost::test_tools::per_element());
  (void)remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_failed_bench_is_a_row_not_a_gap) {
  const char* s = std::getenv("QUARRY_SOURCE_DIR");
  std::string src = s ? s : ".";
  auto dir = make_temp_dir("quarry-bench-table").value();
  // What scripts/bench appends for a bench that exited 1 before its report.
  BOOST_REQUIRE(write_file_atomic(dir + "/deploy.json", "{\"name\": \"deploy_bench\", \"failed\": \"exit 1\"}\n")
                    .has_value());
  auto r = run_process({"python3", src + "/scripts/bench-table", dir + "/deploy.json"});
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->exit_code == 0, r->err);
  BOOST_TEST(r->out ==
             "== every ratio against its aim\n"
             "bench         ratio                     value  aim  result\n"
             "------------  ------------------------  -----  ---  -------------\n"
             "deploy_bench  (none: the bench failed)  -      -    FAILED exit 1\n",
             boost::test_tools::per_element());
  (void)remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
