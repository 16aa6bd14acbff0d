// The one output format of every bench in bench/: with --json a bench prints
// one object on one line,
//   {"name": "run_bench", "ratios": {"quarry/compose": 0.55},
//    "aims": {"quarry/compose": "<= 0.6"}, "figures": {...}, ...}
// and scripts/bench gathers these into one table of every ratio against its
// aim. An aim is "<= X" (the ratio must not exceed X: time against a floor
// or a peer) or ">= X" (it must reach X: a peer's time over ours); a bare
// number means "<= X". Figures measured several times carry their median,
// min and max. Header-only so that shell-free benches need no extra library.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace quarry::bench {

// Repeated measurements of one quantity.
struct Samples {
  std::vector<double> values;
  void add(double v) { values.push_back(v); }
  double median() const {
    auto v = values;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  double min() const { return values.empty() ? 0 : *std::min_element(values.begin(), values.end()); }
  double max() const { return values.empty() ? 0 : *std::max_element(values.begin(), values.end()); }
  nlohmann::json to_json() const {
    return {{"median", median()}, {"min", min()}, {"max", max()}, {"n", values.size()}};
  }
};

class Report {
 public:
  explicit Report(std::string name) : j_{{"name", std::move(name)}, {"ratios", nlohmann::json::object()},
                                         {"aims", nlohmann::json::object()}, {"figures", nlohmann::json::object()}} {}

  // A ratio measured in this run and the aim it is held to ("<= 1.3").
  void ratio(const std::string& key, double value, const std::string& aim) {
    j_["ratios"][key] = value;
    j_["aims"][key] = aim;
  }
  void figure(const std::string& key, const Samples& s) { j_["figures"][key] = s.to_json(); }
  void figure(const std::string& key, double value) { j_["figures"][key] = value; }
  // Anything else worth keeping (counts, settings).
  nlohmann::json& extra(const std::string& key) { return j_[key]; }

  std::string text() const { return j_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }
  void print() const { std::printf("%s\n", text().c_str()); }

 private:
  nlohmann::json j_;
};

// True when argv holds --json (benches take it anywhere on the line).
inline bool wants_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--json") return true;
  return false;
}

}  // namespace quarry::bench
