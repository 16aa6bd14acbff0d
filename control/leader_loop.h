// Runs the control loop on one HQ among several: `quarry hq serve` on every
// HQ, one leads (store/leadership.h) and passes, the others wait and
// campaign again until the leader's term ends (it resigns, dies, or is cut
// off past its lease). Each step:
//   announce  this HQ in hq/members (for `quarry hq status` and its peers),
//             at most once an interval
//   campaign  once, without waiting
//   new term  on_term(term): the caller moves its FencedStore's fence to it,
//             so every write of the passes that follow holds only in it
//   pass      while the term is surely held (is_leader())
// A leader that stops serving resigns, so a waiting HQ takes over at its
// next campaign rather than after the lease. Single-threaded.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "grid/clock.h"
#include "store/leadership.h"
#include "store/store.h"

namespace quarry {

struct LeaderLoopSettings {
  std::string hq_id;            // this HQ, as hq status names it
  std::string address;          // where its peers reach it
  std::int64_t interval_ms = 1000;  // between a leader's passes
  std::int64_t campaign_ms = 250;   // between a waiting HQ's campaigns
};

struct LeaderLoopHooks {
  std::function<Status(const LeaderTerm&)> on_term;  // this HQ won `term`
  std::function<void()> pass;                        // one pass of the control loop
  std::function<void(const std::string&)> say;       // a change worth a log line
};

class LeaderLoop {
 public:
  // `store` is the unfenced store (members are recorded by every HQ).
  LeaderLoop(Leadership& leadership, Store& store, const Clock& clock, LeaderLoopSettings settings,
             LeaderLoopHooks hooks)
      : leadership_(leadership), store_(store), clock_(clock), settings_(std::move(settings)),
        hooks_(std::move(hooks)) {}

  // One step (see above). true: this HQ led and ran a pass. An error: the
  // store could not be reached or on_term failed; no pass ran.
  Result<bool> step();
  // Steps until `stop`; `sleep` waits between steps (interval_ms after a
  // pass, campaign_ms otherwise). A failed step is said and retried.
  // Resigns on the way out.
  Status serve(const std::atomic<bool>& stop, const std::function<void(std::int64_t ms)>& sleep);

  // The fence of the term passes run under; 0 before the first.
  std::int64_t fence() const { return fence_; }

 private:
  void say(const std::string& line) const {
    if (hooks_.say) hooks_.say(line);
  }

  Leadership& leadership_;
  Store& store_;
  const Clock& clock_;
  LeaderLoopSettings settings_;
  LeaderLoopHooks hooks_;
  std::int64_t fence_ = 0;
  std::int64_t announced_ms_ = -1;
  std::string waiting_for_;  // the leader last said to lead, while waiting
};

}  // namespace quarry
