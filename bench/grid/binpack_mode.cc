// grid_bench --binpack DIR: packing quality on the OR-Library instances.
#include "bench/grid/binpack_mode.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench/common/bench_report.h"
#include "bench/grid/binpack.h"

namespace quarry::bench {

namespace {

struct ClassFigures {
  std::size_t instances = 0, items = 0, optimum = 0, ffd = 0;
  std::size_t online[2] = {0, 0}, repacked[2] = {0, 0}, moves[2] = {0, 0};
  std::size_t worst_over[2] = {0, 0};  // the most bins over the optimum in one instance, after repack
  std::size_t worst_movable[2] = {0, 0};  // the same among instances where some move is possible
  std::size_t locked[2] = {0, 0};      // instances where no move is possible at all (Outcome::locked)
  double repack_seconds[2] = {0, 0};
};

double pct(std::size_t bins, std::size_t optimum) { return 100.0 * (double(bins) - double(optimum)) / double(optimum); }

// Classes in the order of the files: u120 .. u1000, then t60 .. t501.
std::vector<std::string> class_order(const std::vector<binpack::Instance>& all) {
  std::vector<std::string> order;
  for (const auto& inst : all)
    if (order.empty() || order.back() != binpack::class_of(inst)) order.push_back(binpack::class_of(inst));
  return order;
}

}  // namespace

int run_binpack(const std::string& dir, bool json) {
  auto all = binpack::load(dir);
  if (!all) {
    std::fprintf(stderr, "grid_bench: %s\n", all.error().message.c_str());
    return 1;
  }
  std::map<std::string, ClassFigures> figures;
  for (const auto& inst : *all) {
    auto& f = figures[binpack::class_of(inst)];
    ++f.instances;
    f.items += inst.sizes.size();
    f.optimum += inst.optimum;
    f.ffd += binpack::ffd(inst);
    for (int shuffled = 0; shuffled < 2; ++shuffled) {
      auto order = shuffled ? binpack::shuffled_order(inst, 1) : binpack::file_order(inst);
      auto out = binpack::grid_pack(inst, order);
      if (!out) {
        std::fprintf(stderr, "grid_bench: %s\n", out.error().message.c_str());
        return 1;
      }
      if (out->onto_empty) {
        std::fprintf(stderr, "grid_bench: %s: repack moved onto an empty block\n", inst.name.c_str());
        return 1;
      }
      f.online[shuffled] += out->online;
      f.repacked[shuffled] += out->repacked;
      f.moves[shuffled] += out->moves;
      f.worst_over[shuffled] = std::max(f.worst_over[shuffled], out->repacked - inst.optimum);
      // Locked runs that start at the optimum or within the aim need no move.
      if (out->locked && out->online > inst.optimum + 1) ++f.locked[shuffled];
      else f.worst_movable[shuffled] = std::max(f.worst_movable[shuffled], out->repacked - inst.optimum);
      f.repack_seconds[shuffled] += out->repack_seconds;
    }
  }
  auto order = class_order(*all);
  // Totals over each family, both orders together.
  std::size_t u_opt = 0, u_repacked = 0, u_online = 0, u_ffd = 0, t_worst = 0, moves = 0;
  std::size_t t_worst_movable = 0, t_locked = 0, t_instances = 0;
  for (const auto& c : order) {
    const auto& f = figures[c];
    if (c[0] == 'u') {
      u_opt += 2 * f.optimum, u_repacked += f.repacked[0] + f.repacked[1];
      u_online += f.online[0] + f.online[1], u_ffd += 2 * f.ffd;
    } else {
      t_worst = std::max({t_worst, f.worst_over[0], f.worst_over[1]});
      t_worst_movable = std::max({t_worst_movable, f.worst_movable[0], f.worst_movable[1]});
      t_locked += f.locked[0] + f.locked[1];
      t_instances += 2 * f.instances;
    }
    moves += f.moves[0] + f.moves[1];
  }
  if (json) {
    // Against the proven optimum (the floor) and first-fit decreasing (the
    // offline peer), both from this run's instances.
    Report report("grid_bench");
    report.extra("mode") = "binpack";
    report.ratio("u repack/optimum", double(u_repacked) / double(u_opt), "<= 1.01");
    report.ratio("u repack/ffd", double(u_repacked) / double(u_ffd), "<= 1");
    report.ratio("t repack worst bins over optimum", double(t_worst), "<= 1");
    report.figure("u online/optimum", double(u_online) / double(u_opt));
    report.figure("u ffd/optimum", double(u_ffd) / double(u_opt));
    report.figure("moves", double(moves));
    report.figure("t repack worst bins over optimum where a move is possible", double(t_worst_movable));
    report.figure("t runs with no possible move", double(t_locked));
    for (const auto& c : order) {
      const auto& f = figures[c];
      report.extra("classes")[c] = {{"optimum", f.optimum}, {"ffd", f.ffd}, {"online_file", f.online[0]},
                                    {"repack_file", f.repacked[0]}, {"moves_file", f.moves[0]},
                                    {"online_shuffled", f.online[1]}, {"repack_shuffled", f.repacked[1]},
                                    {"moves_shuffled", f.moves[1]},
                                    {"repack_seconds", f.repack_seconds[0] + f.repack_seconds[1]}};
    }
    report.print();
    return 0;
  }
  std::printf("grid_bench --binpack: OR-Library instances (%s), bins over the proven optimum summed per class;\n"
              "items placed online by best-fit in file order and shuffled (seed 1), then one repack with the grid's defaults\n",
              dir.c_str());
  std::printf("%-6s %4s %6s %6s | %-22s %-22s %-10s | %-22s %-22s %-10s | %s\n", "class", "n", "items", "opt",
              "online file", "+ repack", "moves", "online shuffled", "+ repack", "moves", "FFD");
  for (const auto& c : order) {
    const auto& f = figures[c];
    auto cell = [&](std::size_t bins) {
      static char buf[8][32];
      static int k = 0;
      k = (k + 1) % 8;
      std::snprintf(buf[k], sizeof buf[k], "%+5zd (%5.2f%%)", std::ptrdiff_t(bins - f.optimum), pct(bins, f.optimum));
      return buf[k];
    };
    std::printf("%-6s %4zu %6zu %6zu | %-22s %-22s %-10zu | %-22s %-22s %-10zu | %s   repack %.2fs\n", c.c_str(),
                f.instances, f.items, f.optimum, cell(f.online[0]), cell(f.repacked[0]), f.moves[0], cell(f.online[1]),
                cell(f.repacked[1]), f.moves[1], cell(f.ffd), f.repack_seconds[0] + f.repack_seconds[1]);
  }
  std::printf("u-class, both orders: online %.2f%%, online + repack %.2f%% (aim 1%%), FFD %.2f%% over the optimum; "
              "t-class worst instance after repack: %zu bins over (aim 1); %zu moves in all\n",
              pct(u_online, u_opt), pct(u_repacked, u_opt), pct(u_ffd, u_opt), t_worst, moves);
  std::printf("t-class: %zu of %zu runs end online placement over the aim with no block holding room for the smallest "
              "item, so no move is possible at all; among the others the worst is %zu bins over\n",
              t_locked, t_instances, t_worst_movable);
  return 0;
}

}  // namespace quarry::bench
