#include "launcher/phase_timings.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace quarry {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::Reconcile: return "reconcile";
    case Phase::Build: return "build";
    case Phase::Ship: return "ship";
    case Phase::Start: return "start";
    case Phase::Health: return "health";
    case Phase::Router: return "router";
    case Phase::Engine: return "engine";
    case Phase::Network: return "network";
    case Phase::Link: return "link";
    case Phase::Stop: return "stop";
    case Phase::Remove: return "remove";
  }
  return "?";
}

std::string format_ms(std::int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  char buf[32];
  if (ms < 60000) std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000);
  else std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ms / 1000));
  return buf;
}

namespace {

// Wall time covered by at least one of the intervals.
std::int64_t covered(std::vector<std::pair<std::int64_t, std::int64_t>> spans) {
  std::sort(spans.begin(), spans.end());
  std::int64_t total = 0, cur_b = 0, cur_e = 0;
  bool open = false;
  for (const auto& [b, e] : spans) {
    if (open && b <= cur_e) {
      cur_e = std::max(cur_e, e);
      continue;
    }
    if (open) total += cur_e - cur_b;
    cur_b = b;
    cur_e = e;
    open = true;
  }
  if (open) total += cur_e - cur_b;
  return total;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

PhaseSummary summarize(const std::vector<PhaseSpan>& spans, std::int64_t start_ms) {
  std::map<std::pair<int, std::string>, std::vector<std::pair<std::int64_t, std::int64_t>>> groups;
  PhaseSummary out;
  for (const auto& s : spans) {
    groups[{static_cast<int>(s.phase), s.server}].emplace_back(s.begin_ms, std::max(s.begin_ms, s.end_ms));
    out.total_ms = std::max(out.total_ms, s.end_ms - start_ms);
  }
  for (const auto& [key, list] : groups) {
    PhaseRow row;
    row.phase = static_cast<Phase>(key.first);
    row.server = key.second;
    row.count = static_cast<int>(list.size());
    row.busy_ms = covered(list);
    row.from_ms = list.front().first - start_ms;
    row.to_ms = list.front().second - start_ms;
    for (const auto& [b, e] : list) {
      row.from_ms = std::min(row.from_ms, b - start_ms);
      row.to_ms = std::max(row.to_ms, e - start_ms);
    }
    out.rows.push_back(row);
  }
  return out;
}

std::string render_timings(const PhaseSummary& summary) {
  std::vector<std::vector<std::string>> rows = {{"PHASE", "SERVER", "N", "TIME", "FROM", "TO"}};
  for (const auto& r : summary.rows) {
    rows.push_back({std::string(phase_name(r.phase)), r.server, std::to_string(r.count), format_ms(r.busy_ms),
                    format_ms(r.from_ms), format_ms(r.to_ms)});
  }
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) line += c + 1 < row.size() ? pad(row[c], width[c] + 2) : row[c];
    out += line + "\n";
  }
  return out + "total " + format_ms(summary.total_ms) + "\n";
}

std::vector<std::string> render_phase_lines(const PhaseSummary& summary) {
  std::vector<std::string> out;
  for (int p = 0; p < kPhaseCount; ++p) {
    std::int64_t from = -1, to = 0, slowest_ms = -1;
    int count = 0;
    std::string slowest;
    std::set<std::string> servers;
    for (const auto& r : summary.rows) {
      if (static_cast<int>(r.phase) != p) continue;
      from = from < 0 ? r.from_ms : std::min(from, r.from_ms);
      to = std::max(to, r.to_ms);
      count += r.count;
      if (r.server != kNoServer) servers.insert(r.server);
      if (r.busy_ms > slowest_ms) {
        slowest_ms = r.busy_ms;
        slowest = r.server;
      }
    }
    if (count == 0) continue;
    std::string line = pad(std::string(phase_name(static_cast<Phase>(p))), 10) + pad(format_ms(to - from), 7);
    if (servers.empty()) {
      line += std::to_string(count) + " on the HQ";
    } else {
      line += std::to_string(count) + " on " + std::to_string(servers.size()) + " server" +
              (servers.size() == 1 ? "" : "s") + ", slowest " + slowest + " " + format_ms(slowest_ms);
    }
    out.push_back(line);
  }
  return out;
}

nlohmann::json timings_json(const PhaseSummary& summary) {
  nlohmann::json phases = nlohmann::json::array();
  for (const auto& r : summary.rows) {
    phases.push_back({{"phase", phase_name(r.phase)},
                      {"server", r.server},
                      {"count", r.count},
                      {"busy_ms", r.busy_ms},
                      {"from_ms", r.from_ms},
                      {"to_ms", r.to_ms}});
  }
  return {{"total_ms", summary.total_ms}, {"phases", phases}};
}

PhaseTimings::PhaseTimings(const Clock& clock) : clock_(clock), start_ms_(clock.now_ms()) {}

void PhaseTimings::record(Phase phase, std::string server, std::int64_t begin_ms, std::int64_t end_ms) {
  std::lock_guard lock(mu_);
  spans_.push_back(PhaseSpan{phase, std::move(server), begin_ms, end_ms});
}

std::vector<PhaseSpan> PhaseTimings::spans() const {
  std::lock_guard lock(mu_);
  return spans_;
}

PhaseTimings::Span::Span(PhaseTimings* owner, Phase phase, std::string server)
    : owner_(owner), phase_(phase), server_(std::move(server)), begin_ms_(owner ? owner->now_ms() : 0) {}

PhaseTimings::Span::Span(Span&& other) noexcept
    : owner_(other.owner_), phase_(other.phase_), server_(std::move(other.server_)), begin_ms_(other.begin_ms_) {
  other.owner_ = nullptr;
}

void PhaseTimings::Span::end() {
  if (!owner_) return;
  owner_->record(phase_, std::move(server_), begin_ms_, owner_->now_ms());
  owner_ = nullptr;
}

}  // namespace quarry
