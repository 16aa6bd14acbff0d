#include "cloud/fleet_cost.h"

#include <cmath>
#include <cstdio>

namespace quarry {

std::optional<double> monthly_price(const std::vector<SizePrice>& prices, const std::string& slug, int memory_mb,
                                    double cpu) {
  if (!slug.empty())
    for (const auto& p : prices)
      if (p.slug == slug) return p.monthly_usd > 0 ? std::optional<double>(p.monthly_usd) : std::nullopt;
  std::optional<double> best;
  for (const auto& p : prices)
    if (p.memory_mb >= memory_mb && p.cpu >= cpu && p.monthly_usd > 0 && (!best || p.monthly_usd < *best))
      best = p.monthly_usd;
  return best;
}

namespace {

std::string cpu_text(double cpu) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", cpu);
  return buf;
}

}  // namespace

std::optional<SizePrice> smallest_size(const std::vector<SizePrice>& sizes, int memory_mb, double cpu) {
  std::optional<SizePrice> best;
  auto better = [](const SizePrice& a, const SizePrice& b) {
    if ((a.monthly_usd > 0) != (b.monthly_usd > 0)) return a.monthly_usd > 0;
    if (a.monthly_usd != b.monthly_usd) return a.monthly_usd < b.monthly_usd;
    return a.memory_mb != b.memory_mb ? a.memory_mb < b.memory_mb : a.cpu < b.cpu;
  };
  for (const auto& s : sizes)
    if (s.memory_mb >= memory_mb && s.cpu >= cpu && (!best || better(s, *best))) best = s;
  return best;
}

std::string format_usd(double usd) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s$%.2f", usd < 0 ? "-" : "", std::fabs(usd));
  return buf;
}

CostChange cost_change(const std::vector<SizePrice>& prices, const std::vector<ServerSpec>& create,
                       const std::vector<Server>& destroy) {
  CostChange c;
  auto line = [&](char sign, const std::string& name, std::optional<double> price) {
    if (!price) c.complete = false;
    c.items.push_back(CostItem{sign, name, price});
    c.delta_usd += (sign == '+' ? 1 : -1) * price.value_or(0);
    c.lines.push_back(std::string(1, sign) + " " + name + "  " + (price ? format_usd(*price) + "/month" : "price unknown"));
  };
  for (const auto& s : create)
    line('+', s.name.empty() ? "new server " + std::to_string(s.memory_mb) + " MB, " + cpu_text(s.cpu) + " cpu" : s.name,
         monthly_price(prices, s.size, s.memory_mb, s.cpu));
  for (const auto& s : destroy) line('-', s.id, monthly_price(prices, s.size, s.memory_mb, s.cpu));
  return c;
}

std::string render_cost_change(const CostChange& c, const std::string& title) {
  if (c.items.empty()) return "";
  std::string out = title + "\n";
  for (const auto& l : c.lines) out += "  " + l + "\n";
  out += "monthly cost: " + std::string(c.delta_usd >= 0 ? "+" : "") + format_usd(c.delta_usd) +
         (c.complete ? "" : " (some prices unknown)") + "\n";
  return out;
}

nlohmann::json cost_change_json(const CostChange& c) {
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& i : c.items)
    servers.push_back({{"change", i.sign == '+' ? "create" : "destroy"},
                       {"name", i.name},
                       {"monthly_usd", i.monthly_usd ? nlohmann::json(*i.monthly_usd) : nlohmann::json(nullptr)}});
  return {{"servers", servers}, {"monthly_delta_usd", c.delta_usd}, {"complete", c.complete}};
}

}  // namespace quarry
