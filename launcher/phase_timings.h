// Where a deploy's time goes: each phase (reconcile, build, ship, start,
// health, router) per server, as `quarry deploy --timings` and the deploy's
// progress lines show it; `quarry run --timings` and `quarry stop --timings`
// show a local run's the same way, with the phases only they have (engine,
// network, link, stop, remove).
//
// PhaseTimings is the recorder: the deployer and the launcher open a span
// around each piece of work (many at once, from many threads) and the
// recorder keeps when it began and ended by an injected Clock, so a test
// with a ManualClock checks it without sleeping. The summary and the
// renderers below are pure.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "grid/clock.h"

namespace quarry {

enum class Phase {
  Reconcile,  // the books checked against the servers (HQ-wide)
  Build,      // the images built on the HQ engine (HQ-wide)
  Ship,       // a server made ready: the image shipped or found, the stack's network
  Start,      // one container started (one remote command)
  Health,     // one container's health gate
  Router,     // the router told of the change (HQ-wide)
  Engine,     // the local docker engine asked whether it answers (local runs)
  Network,    // the stack's network made or removed (local runs)
  Link,       // a linked service's address asked of the engine (local runs)
  Stop,       // containers stopped, all in one command (local stop)
  Remove,     // containers removed, all in one command (local stop)
};
inline constexpr int kPhaseCount = 11;

// "reconcile", "build", "ship", "start", "health", "router", "engine",
// "network", "link", "stop", "remove".
std::string_view phase_name(Phase phase);

// The server of an HQ-wide span.
inline constexpr std::string_view kNoServer = "-";

struct PhaseSpan {
  Phase phase = Phase::Reconcile;
  std::string server;  // a server id, or kNoServer
  std::int64_t begin_ms = 0;
  std::int64_t end_ms = 0;
};

// One row of the summary: one phase on one server.
struct PhaseRow {
  Phase phase = Phase::Reconcile;
  std::string server;
  int count = 0;              // spans
  std::int64_t busy_ms = 0;   // wall time covered by at least one span (overlaps counted once)
  std::int64_t from_ms = 0;   // first begin, from the deploy's start
  std::int64_t to_ms = 0;     // last end, from the deploy's start
};

struct PhaseSummary {
  std::int64_t total_ms = 0;    // the deploy's start to the last span's end
  std::vector<PhaseRow> rows;   // by phase (in the enum's order), then server
};

// Groups spans by (phase, server). `start_ms` is the deploy's start. Pure.
PhaseSummary summarize(const std::vector<PhaseSpan>& spans, std::int64_t start_ms);

// The table of `quarry deploy --timings`: one line per phase and server,
//   PHASE      SERVER  N  TIME   FROM   TO
// with times as format_ms gives them, then "total T". Pure.
std::string render_timings(const PhaseSummary& summary);

// One progress line per phase over all servers: the phase's wall time
// (first begin to last end), how many spans on how many servers and the
// slowest server, e.g. "start   1.2s  16 on 8 servers, slowest s3 0.9s". Pure.
std::vector<std::string> render_phase_lines(const PhaseSummary& summary);

// {"total_ms": T, "phases": [{"phase", "server", "count", "busy_ms", "from_ms", "to_ms"}...]}. Pure.
nlohmann::json timings_json(const PhaseSummary& summary);

// "850ms", "1.2s", "75s".
std::string format_ms(std::int64_t ms);

class PhaseTimings {
 public:
  // The deploy starts now by `clock`, which must outlive the recorder.
  explicit PhaseTimings(const Clock& clock);

  // A span open from construction until destruction (or end()).
  class Span {
   public:
    Span(PhaseTimings* owner, Phase phase, std::string server);
    Span(Span&& other) noexcept;
    Span(const Span&) = delete;
    Span& operator=(const Span&) = delete;
    Span& operator=(Span&&) = delete;
    ~Span() { end(); }
    void end();

   private:
    PhaseTimings* owner_;
    Phase phase_;
    std::string server_;
    std::int64_t begin_ms_ = 0;
  };

  void record(Phase phase, std::string server, std::int64_t begin_ms, std::int64_t end_ms);
  std::vector<PhaseSpan> spans() const;
  std::int64_t start_ms() const { return start_ms_; }
  std::int64_t now_ms() const { return clock_.now_ms(); }
  PhaseSummary summary() const { return summarize(spans(), start_ms_); }

 private:
  const Clock& clock_;
  std::int64_t start_ms_;
  mutable std::mutex mu_;
  std::vector<PhaseSpan> spans_;
};

// A span on `timings`, or one that records nothing when it is null.
// Thread-safe.
inline PhaseTimings::Span timed(PhaseTimings* timings, Phase phase, std::string server = std::string(kNoServer)) {
  return PhaseTimings::Span(timings, phase, std::move(server));
}

}  // namespace quarry
