#include "bench/grid/binpack.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "grid/best_fit_policy.h"
#include "grid/clock.h"
#include "grid/grid.h"

namespace quarry::binpack {

namespace {

// "36.6" -> 366, "150" -> 1500: one decimal at most.
bool tenths(const std::string& text, std::int64_t& out) {
  auto dot = text.find('.');
  std::string whole = text.substr(0, dot), frac = dot == std::string::npos ? "0" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 9 || frac.size() != 1) return false;
  if (!std::all_of(whole.begin(), whole.end(), ::isdigit) || !::isdigit(frac[0])) return false;
  out = std::stoll(whole) * 10 + (frac[0] - '0');
  return true;
}

Status read_file(const std::string& path, std::vector<Instance>& out) {
  std::ifstream in(path);
  if (!in) return fail(path + ": cannot open (the OR-Library instances live in shared/binpack)");
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  std::size_t at = 0;
  auto bad = [&](const std::string& what) { return fail(path + ": word " + std::to_string(at + 1) + ": " + what); };
  auto next = [&]() -> std::optional<std::string> {
    if (at >= words.size()) return std::nullopt;
    return words[at++];
  };
  auto count = next();
  if (!count || count->size() > 4) return bad("expected the number of instances");
  for (int n = std::stoi(*count); n > 0; --n) {
    Instance inst;
    auto name = next(), cap = next(), items = next(), best = next();
    if (!name || !cap || !items || !best || !tenths(*cap, inst.capacity) || items->size() > 6)
      return bad("expected an instance header: name, capacity, count, best known");
    inst.name = *name;
    for (int i = std::stoi(*items); i > 0; --i) {
      auto size = next();
      std::int64_t v = 0;
      if (!size || !tenths(*size, v) || v <= 0 || v > inst.capacity) return bad("expected a size within the capacity");
      inst.sizes.push_back(v);
    }
    out.push_back(std::move(inst));
  }
  return {};
}

}  // namespace

Result<std::vector<Instance>> load(const std::string& dir) {
  std::vector<Instance> all;
  for (int f = 1; f <= 8; ++f)
    if (auto s = read_file(dir + "/binpack" + std::to_string(f) + ".txt", all); !s) return fail(s.error());
  std::ifstream in(dir + "/optima.txt");
  if (!in) return fail(dir + "/optima.txt: cannot open");
  std::map<std::string, std::size_t> optima;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    std::string name;
    std::size_t opt = 0;
    if (!(row >> name >> opt)) return fail(dir + "/optima.txt: bad line '" + line + "'");
    optima[name] = opt;
  }
  for (auto& inst : all) {
    auto it = optima.find(inst.name);
    if (it == optima.end()) return fail(dir + "/optima.txt: no optimum for " + inst.name);
    inst.optimum = it->second;
  }
  return all;
}

std::string class_of(const Instance& instance) { return instance.name.substr(0, instance.name.find('_')); }

Result<Outcome> grid_pack(const Instance& instance, const std::vector<std::size_t>& order) {
  using Clock = std::chrono::steady_clock;
  Outcome out;
  ManualClock clock(0);
  GridOptions options;  // the defaults a live cluster runs with
  Grid grid(options, std::make_unique<BestFitPolicy>(), GridDeps{nullptr, &clock, nullptr});
  for (std::size_t b = 0; b < instance.sizes.size(); ++b)
    if (auto s = grid.add_block(BlockSpec{"b" + std::to_string(b), {instance.capacity, 1000}, {}}); !s)
      return fail(s.error());
  auto used = [&] {
    std::size_t n = 0;
    for (const auto& bs : grid.snapshot().blocks) n += !bs.slices.empty();
    return n;
  };
  auto t0 = Clock::now();
  for (auto i : order) {
    auto placed = grid.add_slice(Slice{slice_id("bp", "i" + std::to_string(i), 0), {instance.sizes[i], 0}, false, {}});
    if (!placed) return fail(placed.error());
    if (placed->pending()) return fail(instance.name + ": item " + std::to_string(i) + " found no block");
  }
  out.place_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  out.online = used();
  auto smallest = *std::min_element(instance.sizes.begin(), instance.sizes.end());
  out.locked = true;
  for (const auto& bs : grid.snapshot().blocks)
    if (!bs.slices.empty() && bs.block.free().memory_mb >= smallest) out.locked = false;
  clock.advance_ms(options.min_age_ms);  // a live cluster repacks blocks that have settled
  auto t1 = Clock::now();
  auto plan = grid.plan_repack();
  out.repack_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  for (const auto& move : plan.moves) {
    if (grid.block(move.to)->used.is_zero()) ++out.onto_empty;
    if (auto s = grid.apply_move(move); !s) return fail(s.error().context(instance.name));
  }
  out.moves = plan.moves.size();
  out.repacked = used();
  return out;
}

std::size_t ffd(const Instance& instance) {
  auto sizes = instance.sizes;
  std::sort(sizes.rbegin(), sizes.rend());
  std::vector<std::int64_t> free;
  for (auto s : sizes) {
    auto it = std::find_if(free.begin(), free.end(), [&](std::int64_t f) { return f >= s; });
    if (it == free.end()) free.push_back(instance.capacity - s);
    else *it -= s;
  }
  return free.size();
}

std::vector<std::size_t> file_order(const Instance& instance) {
  std::vector<std::size_t> order(instance.sizes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  return order;
}

std::vector<std::size_t> shuffled_order(const Instance& instance, std::uint32_t seed) {
  auto order = file_order(instance);
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

}  // namespace quarry::binpack
