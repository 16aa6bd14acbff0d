// grid_bench: placement speed and packing quality of the grid's policies.
//
// Places --slices slices (default 1,000,000) onto a fixed fleet of --blocks
// blocks (default 10,000, each 128 GB and 32 cores), removes 30% of them at
// random and places those again. Every policy runs through the same Grid
// with the same slices, side by side: the built-in best-fit and spread, and
// two baselines implemented here only, first-fit and Nomad's BestFit-v3
// scoring.
//
// Slice sizes, a mix of many small web containers and fewer large services:
//   75%  web nodes      128..1024 MB (steps of 128),  25..150 millicores
//   18%  worker nodes   512..2048 MB (steps of 256), 250..500 millicores
//    6%  services      1024..8192 MB (steps of 1024), 500..1000 millicores
//    1%  databases     8192..32768 MB (steps of 4096), 1000..3000 millicores
// Replicas: nodes of 5 (web) and 3 (worker) replicas on average, services
// and databases single; the grid keeps replicas of a node apart.
// Mean demand is about 1.14 GB and 0.2 cores a slice, so memory binds: the
// default run needs about 8,730 blocks' worth of memory.
//
// Before the measured runs, one untimed warm-up run grows the heap, so that
// every policy is measured on the same warm process.
//
// Reported per policy: placements per second on one thread (both placing
// phases, the grid's bookkeeping included; by the thread's CPU time, with
// wall-clock time alongside in the table), blocks used (holding at least
// one slice) and the lower bound max over both dimensions of
// ceil(total size / block size). Options: --json, --blocks N, --slices N,
// --seed N, --rounds N, --policy NAME (best-fit and that peer only).
//
// The floor, measured in the same run: the same Grid placing the same
// slices onto the blocks best-fit chose, replayed with no search at all
// (bench/grid/baselines.h), so that best-fit's time over the floor's is the
// cost of the search alone. Best-fit and the floor alternate for --rounds
// rounds (default 3); their medians make the ratios, min and max shown.
//
// Repack at fleet scale, in the same run: the same slices placed by
// best-fit, a third removed at random, then one plan_repack() with the
// grid's defaults (bench/grid/repack_scale.h); its CPU time against the time
// best-fit took to place those slices ("repack plan/best-fit placement").
// --repack runs that figure alone.
//
// --binpack DIR measures packing quality instead, on the OR-Library
// instances in DIR (shared/binpack): see binpack_mode.h.
//
// --json prints one object (bench/common/bench_report.h) with the ratios
// "best-fit/floor" (time per placement), "best-fit/nomad" (time per
// placement against Nomad's scoring, the peer) and "best-fit/lower bound"
// (blocks used), each with its aim; the absolute rate sits among the
// figures next to the aim of 1,000,000 placements per second.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/common/bench_report.h"
#include "bench/grid/baselines.h"
#include "bench/grid/binpack_mode.h"
#include "bench/grid/repack_scale.h"
#include "grid/best_fit_policy.h"
#include "grid/grid.h"
#include "grid/spread_policy.h"

using namespace quarry;

namespace {

const Resources kBlock{131072, 32000};

struct Args {
  bool json = false;
  std::size_t blocks = 10000;
  std::size_t slices = 1000000;
  std::uint32_t seed = 1;
  std::size_t rounds = 3;
  std::string only;  // --policy NAME: run just that one
  std::string binpack;  // --binpack DIR: the packing-quality mode
  bool repack_only = false;  // --repack: the fleet-scale repack figure alone
};

constexpr double kAimPerSecond = 1e6;

struct Kind {
  const char* name;
  double share;
  std::int64_t mem_lo, mem_hi, mem_step, cpu_lo, cpu_hi, cpu_step;
  std::size_t mean_replicas;
  bool service;
};

const Kind kKinds[] = {
    {"web", 0.75, 128, 1024, 128, 25, 150, 25, 5, false},
    {"worker", 0.18, 512, 2048, 256, 250, 500, 50, 3, false},
    {"service", 0.06, 1024, 8192, 1024, 500, 1000, 100, 1, true},
    {"db", 0.01, 8192, 32768, 4096, 1000, 3000, 500, 1, true},
};

std::int64_t stepped(std::mt19937& rng, std::int64_t lo, std::int64_t hi, std::int64_t step) {
  return lo + step * std::int64_t(rng() % std::uint32_t((hi - lo) / step + 1));
}

std::vector<Slice> make_slices(const Args& args) {
  std::mt19937 rng(args.seed);
  std::vector<Slice> out;
  out.reserve(args.slices);
  std::vector<std::vector<int>> replicas(std::size(kKinds));
  for (std::size_t k = 0; k < std::size(kKinds); ++k)
    replicas[k].resize(std::max<std::size_t>(1, std::size_t(kKinds[k].share * double(args.slices)) /
                                                    kKinds[k].mean_replicas));
  std::uniform_real_distribution<double> unit(0, 1);
  for (std::size_t i = 0; i < args.slices; ++i) {
    double u = unit(rng);
    std::size_t k = 0;
    while (k + 1 < std::size(kKinds) && u >= kKinds[k].share) u -= kKinds[k++].share;
    const auto& kind = kKinds[k];
    auto n = rng() % replicas[k].size();
    Slice s;
    s.id = slice_id("app" + std::to_string(n / 4), std::string(kind.name) + std::to_string(n % 4), replicas[k][n]++);
    s.size = {stepped(rng, kind.mem_lo, kind.mem_hi, kind.mem_step),
              stepped(rng, kind.cpu_lo, kind.cpu_hi, kind.cpu_step)};
    s.is_service = kind.service;
    out.push_back(std::move(s));
  }
  return out;
}

// Both clocks: the machine may be shared, and CPU time is what the thread
// itself spent, free of waits for other processes.
struct Timer {
  double cpu_seconds = 0, wall_seconds = 0;
  timespec cpu0{}, wall0{};
  Timer() { resume(); }
  static double since(clockid_t id, const timespec& t0) {
    timespec t;
    clock_gettime(id, &t);
    return double(t.tv_sec - t0.tv_sec) + double(t.tv_nsec - t0.tv_nsec) / 1e9;
  }
  void resume() {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
    clock_gettime(CLOCK_MONOTONIC, &wall0);
  }
  void pause() {
    cpu_seconds += since(CLOCK_THREAD_CPUTIME_ID, cpu0);
    wall_seconds += since(CLOCK_MONOTONIC, wall0);
  }
};

struct Outcome {
  std::string name;
  double per_second = 0;       // by CPU time of the placing thread
  double per_wall_second = 0;
  std::size_t blocks_used = 0;
  std::size_t lower_bound = 0;
  std::size_t lower_memory = 0, lower_cpu = 0;
  std::size_t pending = 0;
};

std::size_t ceil_div(std::int64_t a, std::int64_t b) { return std::size_t((a + b - 1) / b); }

Outcome run(std::unique_ptr<PlacementPolicy> policy, const std::vector<Slice>& slices, const Args& args) {
  Outcome out;
  out.name = std::string(policy->name());
  Grid grid(GridOptions{}, std::move(policy));
  for (std::size_t b = 0; b < args.blocks; ++b)
    if (!grid.add_block(BlockSpec{"b" + std::to_string(b), kBlock, {}})) std::abort();

  std::vector<std::size_t> order(slices.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 rng(args.seed + 1);
  std::shuffle(order.begin(), order.end(), rng);
  order.resize(slices.size() * 3 / 10);

  Timer timer;
  for (const auto& s : slices)
    if (!grid.add_slice(s)) std::abort();
  timer.pause();
  for (auto i : order)
    if (!grid.remove_slice(slices[i].id)) std::abort();
  timer.resume();
  for (auto i : order)
    if (!grid.add_slice(slices[i])) std::abort();
  timer.pause();

  auto placements = double(slices.size() + order.size());
  out.per_second = placements / timer.cpu_seconds;
  out.per_wall_second = placements / timer.wall_seconds;
  Resources total;
  for (std::size_t b = 0; b < args.blocks; ++b) {
    auto block = grid.block("b" + std::to_string(b));
    if (!block->used.is_zero()) ++out.blocks_used;
    total += block->used;
  }
  out.pending = grid.pending_count();
  out.lower_memory = ceil_div(total.memory_mb, kBlock.memory_mb);
  out.lower_cpu = ceil_div(total.cpu_millis, kBlock.cpu_millis);
  out.lower_bound = std::max(out.lower_memory, out.lower_cpu);
  return out;
}

// One repack plan at most as long as placing the whole fleet's slices once.
constexpr double kAimRepackOverPlacement = 1.0;

void print_repack(const bench::RepackScale& r) {
  std::printf("repack at scale: %zu slices left on %zu used blocks; plan %.3f s CPU (%.3f s wall), %zu moves, "
              "%zu blocks emptied (%zu used after); best-fit placed all the slices in %.3f s: "
              "repack plan/best-fit placement %.2f (aim <= %.1f); bad moves %zu, moves that empty nothing %zu\n",
              r.slices_left, r.used_before, r.plan_seconds, r.plan_wall_seconds, r.moves, r.emptied, r.used_after,
              r.place_seconds, r.plan_seconds / r.place_seconds, kAimRepackOverPlacement, r.bad_moves,
              r.useless_moves);
}

void report_repack(bench::Report& report, const bench::RepackScale& r) {
  report.ratio("repack plan/best-fit placement", r.plan_seconds / r.place_seconds,
               "<= 1");
  report.figure("repack_plan_seconds", r.plan_seconds);
  report.figure("repack_plan_wall_seconds", r.plan_wall_seconds);
  report.figure("repack_place_seconds", r.place_seconds);
  report.figure("repack_moves", double(r.moves));
  report.figure("repack_emptied", double(r.emptied));
  report.figure("repack_bad_moves", double(r.bad_moves + r.useless_moves));
}

bool parse_args(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto number = [&](auto& into) {
      if (i + 1 >= argc) return false;
      into = static_cast<std::remove_reference_t<decltype(into)>>(std::stoull(argv[++i]));
      return true;
    };
    if (a == "--json") args.json = true;
    else if (a == "--blocks") { if (!number(args.blocks)) return false; }
    else if (a == "--slices") { if (!number(args.slices)) return false; }
    else if (a == "--seed") { if (!number(args.seed)) return false; }
    else if (a == "--rounds") { if (!number(args.rounds)) return false; }
    else if (a == "--policy" && i + 1 < argc) args.only = argv[++i];
    else if (a == "--binpack" && i + 1 < argc) args.binpack = argv[++i];
    else if (a == "--repack") args.repack_only = true;
    else return false;
  }
  return args.blocks > 0 && args.slices > 0 && args.rounds > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  bool ok = false;
  try {
    ok = parse_args(argc, argv, args);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) {
    std::fprintf(stderr, "usage: grid_bench [--json] [--blocks N] [--slices N] [--seed N] [--policy NAME] [--repack] [--binpack DIR]\n");
    return 2;
  }
  if (!args.binpack.empty()) return bench::run_binpack(args.binpack, args.json);
  // Keep freed memory in the process, and place everything once untimed
  // before measuring: otherwise the first policy alone pays for the
  // process's heap growing (page faults cost it several times over). That
  // run records best-fit's choices for the floor.
  mallopt(M_TRIM_THRESHOLD, INT32_MAX);
  mallopt(M_MMAP_THRESHOLD, INT32_MAX);
  auto slices = make_slices(args);
  if (args.repack_only) {
    auto r = bench::measure_repack_scale(slices, args.blocks, kBlock, args.seed);
    if (args.json) {
      bench::Report report("grid_bench");
      report.extra("mode") = "repack";
      report_repack(report, r);
      report.print();
    } else {
      print_repack(r);
    }
    return r.bad_moves + r.useless_moves ? 1 : 0;
  }
  auto choices = std::make_shared<bench::ReplayPolicy::Choices>();
  (void)run(std::make_unique<bench::ReplayPolicy>(std::make_unique<BestFitPolicy>(), choices), slices, args);
  if (!args.json) {
    std::printf("grid_bench: %zu slices onto %zu blocks of %lld MB / %lld millicores; remove 30%%, place again\n",
                args.slices, args.blocks, (long long)kBlock.memory_mb, (long long)kBlock.cpu_millis);
    std::printf("sizes:");
    for (const auto& k : kKinds)
      std::printf(" %.0f%% %s %lld-%lldMB %lld-%lldm;", k.share * 100, k.name, (long long)k.mem_lo,
                  (long long)k.mem_hi, (long long)k.cpu_lo, (long long)k.cpu_hi);
    std::printf("\n%-18s %14s %14s %12s %12s %11s %9s %8s\n", "policy", "placements/s", "(wall clock)",
                "blocks used", "lower bound", "(mem, cpu)", "over LB", "pending");
  }
  auto row = [&](const Outcome& o) {
    if (args.json) return;
    std::printf("%-18s %14.0f %14.0f %12zu %12zu %5zu,%5zu %8.2f%% %8zu\n", o.name.c_str(), o.per_second,
                o.per_wall_second, o.blocks_used, o.lower_bound, o.lower_memory, o.lower_cpu,
                100.0 * (double(o.blocks_used) - double(o.lower_bound)) / double(o.lower_bound), o.pending);
    std::fflush(stdout);
  };
  // Best-fit and its floor, alternating so that both see the same machine.
  bench::Samples best, floor;
  Outcome best_out;
  for (std::size_t r = 0; r < args.rounds; ++r) {
    best_out = run(std::make_unique<BestFitPolicy>(), slices, args);
    row(best_out);
    best.add(best_out.per_second);
    auto f = run(std::make_unique<bench::ReplayPolicy>(choices), slices, args);
    row(f);
    floor.add(f.per_second);
  }
  // The peers, once each.
  std::vector<std::function<std::unique_ptr<PlacementPolicy>()>> peers = {
      [] { return std::make_unique<SpreadPolicy>(); },
      [] { return std::make_unique<bench::FirstFitPolicy>(); },
      [&] { return std::make_unique<bench::NomadPolicy>(kBlock, args.seed); },
  };
  std::map<std::string, Outcome> others;
  for (const auto& make : peers) {
    auto policy = make();
    if (!args.only.empty() && policy->name() != args.only) continue;
    auto o = run(std::move(policy), slices, args);
    row(o);
    others[o.name] = o;
  }
  auto repack = bench::measure_repack_scale(slices, args.blocks, kBlock, args.seed);
  if (!args.json) print_repack(repack);
  bench::Report report("grid_bench");
  report.extra("mode") = "placement";
  report_repack(report, repack);
  report.ratio("best-fit/floor", floor.median() / best.median(), "<= 1.5");
  if (others.contains("nomad-bestfit-v3"))
    report.ratio("best-fit/nomad", others["nomad-bestfit-v3"].per_second / best.median(), "<= 1");
  report.ratio("best-fit/lower bound", double(best_out.blocks_used) / double(best_out.lower_bound), "<= 1.0");
  report.figure("best_fit_placements_per_second", best);
  report.figure("floor_placements_per_second", floor);
  report.figure("aim_placements_per_second", kAimPerSecond);
  report.extra("blocks") = args.blocks;
  report.extra("slices") = args.slices;
  for (const auto& [name, o] : others) report.figure(name + "_placements_per_second", o.per_second);
  if (args.json) {
    report.print();
    return 0;
  }
  std::printf("best-fit %.0f placements/s (median of %zu, min %.0f, max %.0f; aim %.0f), floor %.0f: "
              "best-fit/floor %.2f (aim <= 1.5)",
              best.median(), args.rounds, best.min(), best.max(), kAimPerSecond, floor.median(),
              floor.median() / best.median());
  if (others.contains("nomad-bestfit-v3"))
    std::printf(", best-fit/nomad %.2f (aim <= 1)", others["nomad-bestfit-v3"].per_second / best.median());
  std::printf("\n");
  return 0;
}
